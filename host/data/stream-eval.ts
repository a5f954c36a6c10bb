/**
 * The streaming evaluation (docs/detection.md, "Streaming evaluation"): a seeded continuous stream
 * built from a data set split (its words at random gaps in background noise, at a stated SNR), run
 * through the .wasm front-end, engine and detector without a reset, exactly as a board listens, and
 * scored against where the words are: hits, wrong-class detections, misses, false alarms per hour
 * and latency.
 *
 * The stream is built and run a piece at a time (a few dozen words each, the network state carried
 * across), so an hour of audio never sits in memory at once.
 */

import { readWav } from '../audio/read-wav.js';
import type { Engine } from '../wasm/engine.js';
import type { ModelInfo } from '../model/model-info.js';
import type { Detection } from '../model/detection.js';
import { detectAfterStep } from '../sim/simulate.js';
import { Prng } from '../util/prng.js';
import { percentile } from '../util/percentile.js';
import {
  buildSequence,
  recordedNoise,
  syntheticNoise,
  type ContinuousOptions,
  type NoiseSource,
  type Word,
} from '../train/sequence.js';
import { DatasetError, type Dataset, type Split } from './dataset.js';

/** The class whose recordings are the background; a data set without it (FSDD) gets synthetic noise. */
export const BACKGROUND_LABEL = '_silence_';

export interface StreamEvalOptions {
  split: Split;
  hours: number;
  seed: number;
  /** Speech-to-background ratio, dB. */
  snrDb: number;
  /** Gap before each word, drawn uniformly in [low, high] ms. */
  gapMs: readonly [number, number];
  /** A detection counts for a word from the word's first step up to this long after its last. */
  toleranceMs: number;
  /** Called after each piece of the stream, with the hours run so far. */
  onProgress?: (hoursDone: number) => void;
}

export const STREAM_EVAL_DEFAULTS = {
  split: 'test',
  hours: 1,
  seed: 1,
  snrDb: 10,
  gapMs: [1000, 3000],
  toleranceMs: 500,
} as const satisfies Omit<StreamEvalOptions, 'onProgress'>;

/** Words per piece of the stream: about a minute of audio. */
const WORDS_PER_PIECE = 24;

export interface StreamEvalResult {
  model: string;
  split: Split;
  hours: number;
  seed: number;
  snr_db: number;
  tolerance_ms: number;
  /** Words of a detectable class (label not starting with `_`). */
  keywords: number;
  /** Other words in the stream (`_unknown_`): any detection on them is a false alarm. */
  other_words: number;
  hits: number;
  wrong_class: number;
  misses: number;
  false_alarms: number;
  /** The false alarms by where they fell: in the noise between words (the "stretches with no word"), on an `_unknown_` word, or a second detection on a keyword. */
  false_alarms_in_noise: number;
  false_alarms_on_other_words: number;
  repeat_detections: number;
  hit_rate: number;
  wrong_class_rate: number;
  miss_rate: number;
  false_alarms_per_hour: number;
  /** From the start of the word's clip to its detection, over the hits. */
  latency_ms_p50: number | null;
  latency_ms_p90: number | null;
  /** Per detectable class: its words and hits. */
  per_class: Record<string, { words: number; hits: number }>;
}

/** A word of the stream: steps [start, until) are where a detection counts for it. */
export interface PlacedWord {
  start: number;
  until: number;
  label: number;
}

/** The stream as run: where its words lie, what the detector said, and its length. */
export interface RanStream {
  words: PlacedWord[];
  detections: Detection[];
  steps: number;
  hours: number;
}

/** The split's clips as words of the model's classes, and the background recordings (if any). */
function wordsOf(dataset: Dataset, split: Split, info: ModelInfo): { words: Word[]; noise: Int16Array[] } {
  const rate = info.frontend?.sampleRateHz;
  const words: Word[] = [];
  const noise: Int16Array[] = [];
  for (const clip of dataset.clips(split)) {
    const name = dataset.labels[clip.label] ?? '';
    const audio = readWav(clip.path);
    if (audio.sampleRateHz !== rate) {
      throw new DatasetError(
        `${clip.path}: ${audio.sampleRateHz} Hz audio; the model's front-end takes ${rate} Hz`,
      );
    }
    if (name === BACKGROUND_LABEL) {
      noise.push(audio.samples);
      continue;
    }
    const label = info.labels.indexOf(name);
    if (label < 0) throw new DatasetError(`the model has no class "${name}" (data set ${dataset.kind})`);
    words.push({ samples: audio.samples, label });
  }
  if (words.length === 0) throw new DatasetError(`the ${split} split of ${dataset.root} has no words`);
  return { words, noise };
}

function shuffled<T>(items: readonly T[], rng: Prng): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/**
 * Builds the stream and runs it through `engine` (which holds the model) as a board listens: no
 * reset, the detector after every step. `onStep` sees every step's scores (for `hetsyn tune`).
 */
export function runEvalStream(
  engine: Engine,
  info: ModelInfo,
  dataset: Dataset,
  options: StreamEvalOptions,
  onStep?: (scores: Int32Array) => void,
): RanStream {
  const frontend = info.frontend;
  if (!frontend) throw new DatasetError(`model ${info.name} has no front-end: a stream of audio needs one`);
  const { words, noise: recordings } = wordsOf(dataset, options.split, info);
  const noise: NoiseSource = recordings.length > 0 ? recordedNoise(recordings) : syntheticNoise;
  const frame = {
    sampleRateHz: frontend.sampleRateHz,
    windowSamples: (frontend.sampleRateHz * frontend.windowMs) / 1000,
    hopSamples: (frontend.sampleRateHz * frontend.hopMs) / 1000,
  };
  const toleranceSteps = Math.round((options.toleranceMs * 1000) / info.timestepUs);
  const sequenceOptions: ContinuousOptions = {
    wordsPerSequence: WORDS_PER_PIECE,
    gapMs: options.gapMs,
    snrDb: [options.snrDb, options.snrDb],
    windowSteps: 1,
    backgroundLabel: -1,
    gapWeight: 0,
    gainDb: 0,
  };
  const totalSamples = Math.round(options.hours * 3600 * frontend.sampleRateHz);
  const rng = new Prng(options.seed);

  engine.reset();
  engine.frontendConfigureFromModel();
  const placedWords: PlacedWord[] = [];
  const detections: Detection[] = [];
  let samplesRun = 0;
  let steps = 0;
  let order: Word[] = [];
  while (samplesRun < totalSamples) {
    const piece: Word[] = [];
    while (piece.length < WORDS_PER_PIECE) {
      if (order.length === 0) order = shuffled(words, rng);
      piece.push(order.pop() as Word);
    }
    const sequence = buildSequence(piece, noise, frame, sequenceOptions, rng.int(0x7fffffff));
    const pieceStart = samplesRun / frame.hopSamples;
    for (const w of sequence.words) {
      placedWords.push({
        start: pieceStart + w.start,
        until: pieceStart + w.end + toleranceSteps,
        label: w.label,
      });
    }
    const samples = sequence.samples.subarray(
      0,
      Math.min(sequence.samples.length, totalSamples - samplesRun),
    );
    for (const channels of engine.encodeAudio(samples)) {
      engine.step(channels);
      onStep?.(engine.scores());
      const detection = detectAfterStep(engine);
      if (detection) detections.push(detection);
      steps++;
    }
    samplesRun += samples.length;
    options.onProgress?.(samplesRun / frontend.sampleRateHz / 3600);
  }
  // Words cut off by the end of the stream do not count.
  const whole = placedWords.filter((w) => w.until <= steps);
  return { words: whole, detections, steps, hours: samplesRun / frontend.sampleRateHz / 3600 };
}

/**
 * Scores detections against the words: a word of a detectable class (label not starting with `_`)
 * is hit when the first detection in its span has its class, wrong-class when it has another, missed
 * when there is none. Every other detection (in noise, on `_unknown_` words, a second one on a word)
 * is a false alarm.
 */
export function scoreStream(
  info: ModelInfo,
  ran: RanStream,
  options: Omit<StreamEvalOptions, 'onProgress'>,
): StreamEvalResult {
  const detectable = (label: number): boolean => !(info.labels[label] ?? '_').startsWith('_');
  const keywords = ran.words.filter((w) => detectable(w.label));
  const others = ran.words.filter((w) => !detectable(w.label));
  const first = new Map<PlacedWord, Detection>();
  let repeats = 0;
  let onOthers = 0;
  let inNoise = 0;
  let k = 0;
  let o = 0;
  for (const d of ran.detections) {
    while (k < keywords.length && keywords[k].until <= d.step) k++;
    while (o < others.length && others[o].until <= d.step) o++;
    const word = keywords[k];
    const onKeyword = word !== undefined && d.step >= word.start;
    if (onKeyword && !first.has(word)) first.set(word, d);
    else if (onKeyword) repeats++;
    else if (others[o] !== undefined && d.step >= others[o].start) onOthers++;
    else inNoise++;
  }
  const falseAlarms = repeats + onOthers + inNoise;
  const stepMs = info.timestepUs / 1000;
  let hits = 0;
  let wrong = 0;
  const latencies: number[] = [];
  const perClass: Record<string, { words: number; hits: number }> = {};
  for (const w of keywords) {
    const d = first.get(w);
    const entry = (perClass[info.labels[w.label] ?? String(w.label)] ??= { words: 0, hits: 0 });
    entry.words++;
    if (d === undefined) continue;
    if (d.label !== w.label) {
      wrong++;
      continue;
    }
    hits++;
    entry.hits++;
    latencies.push((d.step - w.start) * stepMs);
  }
  latencies.sort((a, b) => a - b);
  const count = keywords.length;
  const rate = (n: number): number => (count > 0 ? n / count : 0);
  return {
    model: info.name,
    split: options.split,
    hours: ran.hours,
    seed: options.seed,
    snr_db: options.snrDb,
    tolerance_ms: options.toleranceMs,
    keywords: count,
    other_words: ran.words.length - count,
    hits,
    wrong_class: wrong,
    misses: count - hits - wrong,
    false_alarms: falseAlarms,
    false_alarms_in_noise: inNoise,
    false_alarms_on_other_words: onOthers,
    repeat_detections: repeats,
    hit_rate: rate(hits),
    wrong_class_rate: rate(wrong),
    miss_rate: rate(count - hits - wrong),
    false_alarms_per_hour: ran.hours > 0 ? falseAlarms / ran.hours : 0,
    latency_ms_p50: percentile(latencies, 50),
    latency_ms_p90: percentile(latencies, 90),
    per_class: perClass,
  };
}

/** The whole streaming evaluation: build, run, score. */
export function evaluateStream(
  engine: Engine,
  info: ModelInfo,
  dataset: Dataset,
  options: StreamEvalOptions,
): StreamEvalResult & { dataset: Dataset['kind'] } {
  return {
    dataset: dataset.kind,
    ...scoreStream(info, runEvalStream(engine, info, dataset, options), options),
  };
}
