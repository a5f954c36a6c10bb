/**
 * How much a clip accuracy depends on which speakers were recorded: a bootstrap over speakers.
 * A data set's clips are not independent (one speaker says many words, and some speakers are hard
 * for a model), so an interval from the clip count alone is too narrow. Resampling whole speakers
 * with replacement, as many as the split has, gives the spread a fresh group of that many speakers
 * from the same population would show (docs/results.md, "New speakers").
 */
import { Prng } from '../util/prng.js';

export interface SpeakerTally {
  speaker: string;
  clips: number;
  correct: number;
}

export interface SpeakerInterval {
  /** Speakers per resampled group. */
  speakers: number;
  /** The 2.5th, 50th and 97.5th percentiles of the resampled accuracies. */
  low: number;
  median: number;
  high: number;
  resamples: number;
}

/** Enough resamples for percentiles steady to about 0.1 point; fixed, so a report is reproducible. */
export const SPEAKER_RESAMPLES = 2000;
const SEED = 1;

/** Each speaker's clips and correct decisions, in order of first appearance. */
export function tallyBySpeaker(
  clips: readonly { speaker: string }[],
  correct: readonly boolean[],
): SpeakerTally[] {
  const bySpeaker = new Map<string, SpeakerTally>();
  clips.forEach(({ speaker }, i) => {
    let tally = bySpeaker.get(speaker);
    if (!tally) bySpeaker.set(speaker, (tally = { speaker, clips: 0, correct: 0 }));
    tally.clips++;
    if (correct[i]) tally.correct++;
  });
  return [...bySpeaker.values()];
}

/**
 * The percentile interval of the accuracy (pooled over clips) of `groupSize` speakers drawn with
 * replacement from `tallies` (by default as many as there are).
 */
export function speakerInterval(
  tallies: readonly SpeakerTally[],
  groupSize = tallies.length,
  resamples = SPEAKER_RESAMPLES,
): SpeakerInterval {
  const n = tallies.length;
  if (n === 0) throw new RangeError('no speakers to resample');
  const rng = new Prng(SEED);
  const accuracies = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    let clips = 0;
    let correct = 0;
    for (let k = 0; k < groupSize; k++) {
      const t = tallies[rng.int(n)];
      clips += t.clips;
      correct += t.correct;
    }
    accuracies[b] = correct / clips;
  }
  accuracies.sort();
  const at = (q: number): number => accuracies[Math.min(resamples - 1, Math.floor(q * resamples))];
  return { speakers: groupSize, low: at(0.025), median: at(0.5), high: at(0.975), resamples };
}
