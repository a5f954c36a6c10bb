/**
 * The microphone as 16-bit PCM at the front-end's rate: getUserMedia, an AudioContext at the
 * device's own rate, an AudioWorklet (mic-worklet.ts) that hands over raw blocks, then the
 * Resampler (resample.ts) down to 8 or 16 kHz and rounding to i16. Echo cancellation, noise
 * suppression and automatic gain are turned off: the model was trained on plain recordings.
 */

import { Resampler, toPcm16 } from './resample.js';

export interface Microphone {
  /** The AudioContext's rate, what the resampler starts from. */
  readonly inputRateHz: number;
  stop(): Promise<void>;
}

export async function startMicrophone(
  rateHz: number,
  onSamples: (samples: Int16Array) => void,
): Promise<Microphone> {
  const stream = await navigator.mediaDevices.getUserMedia({
    audio: { channelCount: 1, echoCancellation: false, noiseSuppression: false, autoGainControl: false },
  });
  const context = new AudioContext();
  try {
    await context.audioWorklet.addModule(new URL('./mic-worklet.js', import.meta.url));
    const source = context.createMediaStreamSource(stream);
    const tap = new AudioWorkletNode(context, 'hetsyn-mic', { numberOfOutputs: 1, outputChannelCount: [1] });
    // Silent path to the destination, so the graph is pulled and the tap runs in every browser.
    const mute = new GainNode(context, { gain: 0 });
    source.connect(tap).connect(mute).connect(context.destination);
    const resampler = new Resampler(context.sampleRate, rateHz);
    tap.port.onmessage = (event: MessageEvent<Float32Array>) => {
      const samples = toPcm16(resampler.push(event.data));
      if (samples.length > 0) onSamples(samples);
    };
    await context.resume();
    return {
      inputRateHz: context.sampleRate,
      async stop() {
        tap.port.onmessage = null;
        source.disconnect();
        for (const track of stream.getTracks()) track.stop();
        await context.close();
      },
    };
  } catch (error) {
    for (const track of stream.getTracks()) track.stop();
    await context.close();
    throw error;
  }
}
