/**
 * Audio augmentation before the .wasm front-end (docs/training.md, "Augmentation"): speed
 * perturbation, a synthetic room, a random gain, a time shift and background noise mixed in from
 * `_silence_` clips. It works on the PCM so that the spikes the network trains on are ones the
 * front-end can really produce.
 */
import { Prng } from '../util/prng.js';
import { rms } from '../util/rms.js';
import type { ClipSpikes } from './bptt.js';

export interface AugmentOptions {
  /** Gain drawn uniformly in +-gainDb. */
  gainDb: number;
  /** Shift drawn uniformly in +-shiftMs; the gap fills with silence. */
  shiftMs: number;
  /** Probability of mixing in noise, and its largest level relative to the noise clip as recorded. */
  noiseProbability: number;
  noiseLevel: number;
  /** Speed factor drawn uniformly in [low, high] (1,1: off): tempo and pitch change together. */
  speed: readonly [number, number];
  /** Probability of a synthetic room, its reverberation time uniform in REVERB_TIME_S. */
  reverbProbability: number;
  /** Masks on the spikes the front-end made (SpecAugment's, on spikes): this many stretches of up to timeMaskSteps steps with no input spike, */
  timeMasks: number;
  timeMaskSteps: number;
  /** and this many runs of up to channelMaskWidth adjacent channels silent for the whole clip. */
  channelMasks: number;
  channelMaskWidth: number;
}

export const AUGMENT_OFF: AugmentOptions = {
  gainDb: 0,
  shiftMs: 0,
  noiseProbability: 0,
  noiseLevel: 0,
  speed: [1, 1],
  reverbProbability: 0,
  timeMasks: 0,
  timeMaskSteps: 0,
  channelMasks: 0,
  channelMaskWidth: 0,
};
/** The defaults: gain, shift and noise on; speed, room and masks off (their sizes ready for when they are turned on). */
export const AUGMENT_DEFAULT: AugmentOptions = {
  ...AUGMENT_OFF,
  gainDb: 6,
  shiftMs: 100,
  noiseProbability: 0.5,
  noiseLevel: 0.5,
  timeMaskSteps: 10,
  channelMaskWidth: 4,
};

/** RT60 of the synthetic rooms, seconds: a small office to a large living room. */
export const REVERB_TIME_S = [0.2, 0.8] as const;
/** Share of the reverberant signal in the mix, uniform in this range. */
const REVERB_WET = [0.2, 0.6] as const;

/** A seed for one clip in one epoch, so an epoch's augmentation does not depend on which worker runs it. */
export function clipSeed(seed: number, epoch: number, index: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(epoch + 1, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 15), 0x27d4eb2f) ^ Math.imul(index + 1, 0x165667b1);
  return (h ^ (h >>> 13)) >>> 0;
}

function saturate(x: number): number {
  return x > 32767 ? 32767 : x < -32768 ? -32768 : Math.round(x);
}

/**
 * `samples` played `factor` times faster (linear interpolation), kept at their length: a faster
 * clip ends in silence, a slower one is cut.
 */
export function changeSpeed(samples: Int16Array, factor: number): Float64Array {
  const out = new Float64Array(samples.length);
  for (let i = 0; i < out.length; i++) {
    const at = i * factor;
    const j = Math.floor(at);
    if (j + 1 >= samples.length) {
      if (j < samples.length) out[i] = samples[j];
      break;
    }
    out[i] = samples[j] + (samples[j + 1] - samples[j]) * (at - j);
  }
  return out;
}

/**
 * A synthetic room: Schroeder's reverberator (four parallel feedback combs, then two all-passes),
 * each comb's feedback set so its echoes fall 60 dB in `rt60S`, mixed `wet` with the dry signal.
 * Cheap (six delay lines, O(n)) where convolving with a measured impulse response of 0.5 s would
 * cost thousands of multiplies per sample.
 */
export function reverberate(x: Float64Array, sampleRateHz: number, rt60S: number, wet: number): Float64Array {
  const combMs = [29.7, 37.1, 41.1, 43.7];
  const wetSum = new Float64Array(x.length);
  for (const ms of combMs) {
    const d = Math.round((ms * sampleRateHz) / 1000);
    const g = 10 ** ((-3 * ms) / 1000 / rt60S);
    const y = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) {
      y[i] = x[i] + (i >= d ? g * y[i - d] : 0);
      wetSum[i] += y[i] / combMs.length;
    }
  }
  let signal = wetSum;
  for (const ms of [5, 1.7]) {
    const d = Math.round((ms * sampleRateHz) / 1000);
    const g = 0.7;
    const y = new Float64Array(signal.length);
    for (let i = 0; i < signal.length; i++) {
      y[i] = -g * signal[i] + (i >= d ? signal[i - d] + g * y[i - d] : 0);
    }
    signal = y;
  }
  // The combs' gain grows with the room (1 / (1 - g)); the wet part is brought to the dry RMS.
  const scale = rms(signal) > 0 ? rms(x) / rms(signal) : 0;
  return Float64Array.from(x, (v, i) => (1 - wet) * v + wet * scale * signal[i]);
}

/** A new clip: `samples` sped up or slowed down, in a room, shifted, scaled and mixed with a random part of one of `noises`. */
export function augmentAudio(
  samples: Int16Array,
  sampleRateHz: number,
  options: AugmentOptions,
  seed: number,
  noises: readonly Int16Array[],
): Int16Array {
  const rng = new Prng(seed);
  // Speed and room draw from a stream of their own, so with them off a clip is what it always was.
  const roomRng = new Prng(seed ^ 0x7f4a7c15);
  const factor = roomRng.uniformIn(options.speed);
  let source: ArrayLike<number> = factor === 1 ? samples : changeSpeed(samples, factor);
  if (roomRng.uniform() < options.reverbProbability) {
    const rt60 = roomRng.uniformIn(REVERB_TIME_S);
    const wet = roomRng.uniformIn(REVERB_WET);
    source = reverberate(Float64Array.from(source), sampleRateHz, rt60, wet);
  }
  const gain = 10 ** (((2 * rng.uniform() - 1) * options.gainDb) / 20);
  const maxShift = Math.round((options.shiftMs * sampleRateHz) / 1000);
  const shift = Math.round((2 * rng.uniform() - 1) * maxShift);
  const out = new Int16Array(samples.length);
  let noise: Int16Array | undefined;
  let noiseStart = 0;
  let noiseGain = 0;
  if (noises.length > 0 && rng.uniform() < options.noiseProbability) {
    noise = noises[rng.int(noises.length)];
    noiseStart = rng.int(Math.max(1, noise.length - samples.length));
    noiseGain = rng.uniform() * options.noiseLevel;
  }
  for (let i = 0; i < out.length; i++) {
    const from = i - shift;
    let x = from >= 0 && from < source.length ? source[from] * gain : 0;
    if (noise) x += noise[(noiseStart + i) % noise.length] * noiseGain;
    out[i] = saturate(x);
  }
  return out;
}

/**
 * `clip` with its masks applied: the spikes of masked steps and masked channels dropped. Drawn
 * from a stream of its own, so with no masks a clip is what it always was.
 */
export function maskSpikes(
  clip: ClipSpikes,
  inputCount: number,
  options: AugmentOptions,
  seed: number,
): ClipSpikes {
  if (options.timeMasks === 0 && options.channelMasks === 0) return clip;
  const rng = new Prng(seed ^ 0x2545f491);
  const stepMasked = new Uint8Array(clip.steps);
  for (let m = 0; m < options.timeMasks; m++) {
    const length = rng.int(options.timeMaskSteps + 1);
    const start = rng.int(Math.max(1, clip.steps - length + 1));
    stepMasked.fill(1, start, start + length);
  }
  const channelMasked = new Uint8Array(inputCount);
  for (let m = 0; m < options.channelMasks; m++) {
    const width = rng.int(options.channelMaskWidth + 1);
    const start = rng.int(Math.max(1, inputCount - width + 1));
    channelMasked.fill(1, start, start + width);
  }
  const offsets = new Int32Array(clip.steps + 1);
  const channels: number[] = [];
  for (let t = 0; t < clip.steps; t++) {
    if (!stepMasked[t]) {
      for (let e = clip.offsets[t]; e < clip.offsets[t + 1]; e++) {
        if (!channelMasked[clip.channels[e]]) channels.push(clip.channels[e]);
      }
    }
    offsets[t + 1] = channels.length;
  }
  return { steps: clip.steps, offsets, channels: Uint16Array.from(channels) };
}
