/**
 * The AudioWorklet processor of the microphone path: it runs on the audio thread and posts the
 * first input channel, in blocks of about 20 ms, to the page (mic.ts), which resamples it.
 */

// A module (the worklet loads it as one), so these declarations stay local.
export {};

// The AudioWorklet global scope, which TypeScript's DOM library does not describe.
declare class AudioWorkletProcessor {
  readonly port: MessagePort;
}
declare function registerProcessor(name: string, processor: new () => AudioWorkletProcessor): void;
declare const sampleRate: number;

class MicTap extends AudioWorkletProcessor {
  private readonly block = new Float32Array(Math.ceil(sampleRate / 50));
  private filled = 0;

  process(inputs: Float32Array[][]): boolean {
    const channel = inputs[0]?.[0];
    if (!channel) return true;
    for (let at = 0; at < channel.length;) {
      const count = Math.min(channel.length - at, this.block.length - this.filled);
      this.block.set(channel.subarray(at, at + count), this.filled);
      this.filled += count;
      at += count;
      if (this.filled === this.block.length) {
        this.port.postMessage(this.block.slice());
        this.filled = 0;
      }
    }
    return true;
  }
}

registerProcessor('hetsyn-mic', MicTap);
