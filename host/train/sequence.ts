/**
 * Continuous training audio (docs/training.md, "Continuous training"): words spliced at random gaps
 * into background noise, with scored windows on each word (its class) and on the gaps (the
 * background class), so the network learns, with its state carried from word to word, what the
 * board's detector sees on a stream. Everything is drawn from one seed, so a sequence does not
 * depend on which worker builds it.
 */
import { Prng } from '../util/prng.js';
import { rms } from '../util/rms.js';
import type { ScoredWindow } from './bptt.js';

export interface ContinuousOptions {
  /** Words per training sequence; the network state is carried across them. */
  wordsPerSequence: number;
  /** Gap before each word and after the last one, drawn uniformly in [low, high] ms. */
  gapMs: readonly [number, number];
  /** Speech-to-background ratio of a sequence, drawn uniformly in [low, high] dB. */
  snrDb: readonly [number, number];
  /** Length of a scored window in steps: the detector's smoothing window. */
  windowSteps: number;
  /** Class of the windows on the gaps. */
  backgroundLabel: number;
  /** Weight of a gap window relative to a word window. */
  gapWeight: number;
  /** Per-word random gain within +-gainDb. */
  gainDb: number;
  /**
   * A word's scored window: `middle`, its windowSteps middle steps (all of it when shorter), or
   * `whole`, every step of the word, as the clip decision sums the whole clip. Default `middle`.
   */
  wordWindow?: WordWindow;
  /** Unscored steps at each end of a gap, so its windows leave the readout's tail of a word alone (0). */
  guardSteps?: number;
  /**
   * Chance that a would-be sequence is run as its words' clips instead, each from a reset state
   * with the clip loss, so the clip decision the board makes from reset is kept (0).
   */
  clipFraction?: number;
}

export const WORD_WINDOWS = ['middle', 'whole'] as const;
export type WordWindow = (typeof WORD_WINDOWS)[number];

export interface FrameShape {
  sampleRateHz: number;
  /** Front-end window and hop, in samples. */
  windowSamples: number;
  hopSamples: number;
}

export interface Word {
  samples: Int16Array;
  label: number;
}

export interface PlacedWord {
  /** Steps [start, end) whose frames lie inside the word's clip. */
  start: number;
  end: number;
  label: number;
}

export interface Sequence {
  samples: Int16Array;
  /** Front-end steps the samples give. */
  steps: number;
  words: PlacedWord[];
  windows: ScoredWindow[];
}

/**
 * Whether the would-be sequence of this seed runs as clips (ContinuousOptions.clipFraction), drawn
 * apart from the sequence's own draws so that mixing leaves every sequence as it was.
 */
export function runsAsClips(seed: number, options: ContinuousOptions): boolean {
  const fraction = options.clipFraction ?? 0;
  return fraction > 0 && new Prng(seed ^ 0x5bd1e995).uniform() < fraction;
}

/** Background of `length` samples at RMS 1, from recorded noise clips or, without them, synthetic. */
export type NoiseSource = (length: number, rng: Prng) => Float64Array;

function normalised(out: Float64Array): Float64Array {
  const level = rms(out);
  if (level > 0) for (let i = 0; i < out.length; i++) out[i] /= level;
  return out;
}

/** Random stretches of the recordings (gsc12's `_silence_` clips), end to end. */
export function recordedNoise(clips: readonly Int16Array[]): NoiseSource {
  const usable = clips.filter((c) => c.length > 0);
  if (usable.length === 0) throw new Error('recordedNoise needs at least one non-empty clip');
  return (length, rng) => {
    const out = new Float64Array(length);
    for (let at = 0; at < length;) {
      const clip = usable[rng.int(usable.length)];
      const from = rng.int(clip.length);
      const count = Math.min(clip.length - from, length - at);
      for (let i = 0; i < count; i++) out[at + i] = clip[from + i];
      at += count;
    }
    return normalised(out);
  };
}

/**
 * Seeded noise with a falling spectrum (white noise through a one-pole low-pass), for a data set
 * with no recorded background (FSDD).
 */
export function syntheticNoise(length: number, rng: Prng): Float64Array {
  const out = new Float64Array(length);
  let y = 0;
  for (let i = 0; i < length; i++) out[i] = y = 0.9 * y + rng.normal();
  return normalised(out);
}

export function stepCount(samples: number, frame: FrameShape): number {
  return samples < frame.windowSamples
    ? 0
    : Math.floor((samples - frame.windowSamples) / frame.hopSamples) + 1;
}

/**
 * Gap windows tiling steps [from, to), less the guard at each end, with whole windows of `length`;
 * a gap shorter than one window gets one window over all of it, so even a short pause is taught to
 * be quiet.
 */
function gapWindows(gapFrom: number, gapTo: number, options: ContinuousOptions): ScoredWindow[] {
  const length = options.windowSteps;
  const out: ScoredWindow[] = [];
  const label = options.backgroundLabel;
  const weight = options.gapWeight;
  const guard = options.guardSteps ?? 0;
  const from = gapFrom + guard;
  const to = gapTo - guard;
  if (to - from <= 0) return out;
  if (to - from < length) return [{ start: from, end: to, label, weight }];
  for (let start = from; start + length <= to; start += length)
    out.push({ start, end: start + length, label, weight });
  return out;
}

/**
 * One training sequence: gap, word, gap, word, ..., gap. Words start on a hop boundary, so word k's
 * frames are exactly steps [start, start + stepCount(clip)). A word's window is the `windowSteps`
 * steps at the middle of its clip (all of it when shorter), or all of it (`wordWindow: 'whole'`);
 * the gaps, less their guards, are tiled with windows of the background class.
 */
export function buildSequence(
  words: readonly Word[],
  noise: NoiseSource,
  frame: FrameShape,
  options: ContinuousOptions,
  seed: number,
): Sequence {
  const rng = new Prng(seed);
  const hop = frame.hopSamples;
  const gapSteps = (): number => Math.round((rng.uniformIn(options.gapMs) * frame.sampleRateHz) / 1000 / hop);
  // Layout in hops first, so every word starts on a hop boundary.
  let at = 0;
  const starts: number[] = [];
  const gains: number[] = [];
  for (const word of words) {
    at += gapSteps() * hop;
    starts.push(at);
    gains.push(10 ** (((2 * rng.uniform() - 1) * options.gainDb) / 20));
    at += Math.ceil(word.samples.length / hop) * hop;
  }
  at += gapSteps() * hop;
  const length = Math.max(at, frame.windowSamples);

  let speechSum = 0;
  let speechWords = 0;
  words.forEach((w, k) => {
    if (w.label === options.backgroundLabel) return;
    speechSum += rms(w.samples) * gains[k];
    speechWords++;
  });
  const speechRms = speechWords > 0 ? speechSum / speechWords : 0;
  const snr = rng.uniformIn(options.snrDb);
  // With no speech in the sequence the background plays at a level typical of speech at this SNR.
  const level = (speechRms > 0 ? speechRms : 1000) / 10 ** (snr / 20);
  const background = noise(length, rng);
  const mixed = new Float64Array(length);
  for (let i = 0; i < length; i++) mixed[i] = background[i] * level;
  words.forEach((word, k) => {
    for (let i = 0; i < word.samples.length; i++) mixed[starts[k] + i] += word.samples[i] * gains[k];
  });
  const samples = Int16Array.from(mixed, (x) => (x > 32767 ? 32767 : x < -32768 ? -32768 : Math.round(x)));

  const steps = stepCount(length, frame);
  const placed: PlacedWord[] = words.map((word, k) => {
    const start = starts[k] / hop;
    return { start, end: start + stepCount(word.samples.length, frame), label: word.label };
  });
  const windows: ScoredWindow[] = [];
  let previousEnd = 0;
  for (const word of placed) {
    windows.push(...gapWindows(previousEnd, word.start, options));
    const length = word.end - word.start;
    const span = options.wordWindow === 'whole' ? length : Math.min(options.windowSteps, length);
    if (span > 0) {
      const start = word.start + Math.floor((word.end - word.start - span) / 2);
      windows.push({ start, end: start + span, label: word.label });
    }
    previousEnd = word.end;
  }
  windows.push(...gapWindows(previousEnd, steps, options));
  return { samples, steps, words: placed, windows };
}
