/**
 * Audio augmentation before the .wasm front-end (docs/training.md, "Augmentation"): a random
 * gain, a time shift and background noise mixed in from `_silence_` clips. It works on the PCM
 * so that the spikes the network trains on are ones the front-end can really produce.
 */
import { Prng } from '../util/prng.js';

export interface AugmentOptions {
  /** Gain drawn uniformly in +-gainDb. */
  gainDb: number;
  /** Shift drawn uniformly in +-shiftMs; the gap fills with silence. */
  shiftMs: number;
  /** Probability of mixing in noise, and its largest level relative to the noise clip as recorded. */
  noiseProbability: number;
  noiseLevel: number;
}

export const AUGMENT_OFF: AugmentOptions = { gainDb: 0, shiftMs: 0, noiseProbability: 0, noiseLevel: 0 };
export const AUGMENT_DEFAULT: AugmentOptions = {
  gainDb: 6,
  shiftMs: 100,
  noiseProbability: 0.5,
  noiseLevel: 0.5,
};

/** A seed for one clip in one epoch, so an epoch's augmentation does not depend on which worker runs it. */
export function clipSeed(seed: number, epoch: number, index: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(epoch + 1, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 15), 0x27d4eb2f) ^ Math.imul(index + 1, 0x165667b1);
  return (h ^ (h >>> 13)) >>> 0;
}

function saturate(x: number): number {
  return x > 32767 ? 32767 : x < -32768 ? -32768 : Math.round(x);
}

/** A new clip: `samples` shifted, scaled and mixed with a random part of one of `noises`. */
export function augmentAudio(
  samples: Int16Array,
  sampleRateHz: number,
  options: AugmentOptions,
  seed: number,
  noises: readonly Int16Array[],
): Int16Array {
  const rng = new Prng(seed);
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
    let x = from >= 0 && from < samples.length ? samples[from] * gain : 0;
    if (noise) x += noise[(noiseStart + i) % noise.length] * noiseGain;
    out[i] = saturate(x);
  }
  return out;
}
