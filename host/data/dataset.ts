/**
 * The two audio data sets models are evaluated on, as labelled clips per split. Each data set's
 * SOURCE.md states its split rule; this module is the one place that rule is coded, so training,
 * `hetsyn sim --data` and the tests all report on the same clips.
 *
 * FSDD (Free Spoken Digit Dataset): `DIR/recordings/{digit}_{speaker}_{index}.wav`. Upstream's rule:
 * takes 0-4 are test, 5-49 train. Upstream defines no validation set; ours is takes 5-9, a part of
 * train (a model tuned on it has seen those clips in training unless its trainer holds them out).
 *
 * gsc12 (Speech Commands v0.02, twelve classes): `DIR/<class>/*.wav`. The split is by speaker: a clip
 * is test when `parseInt(sha1(speakerId).slice(0, 8), 16) % 4 === 0`, else train; validation is the
 * train clips with `% 8 === 1` (again a part of train). `_silence_` clips have no speaker, so each
 * is its own, named by its whole file name (`1037.wav`). A missing class folder only means no clips
 * of that class: the samples and a user's subset need not have every class.
 *
 * Only `.wav` files count as clips (case-insensitively); a `.wav` whose name does not fit the layout
 * is an error naming it, since skipping it would quietly change what a reported accuracy means.
 */

import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { InputError } from '../util/input-error.js';

export type Split = 'train' | 'validation' | 'test' | 'all';
export const SPLITS: readonly Split[] = ['train', 'validation', 'test', 'all'];

export interface Clip {
  path: string;
  /** Index into the data set's labels. */
  label: number;
  speaker: string;
}

export interface Dataset {
  kind: 'fsdd' | 'gsc12';
  /** Every clip's rate: FSDD is recorded at 8 kHz, gsc12 at 16 kHz. */
  sampleRateHz: number;
  root: string;
  labels: string[];
  /** The split's clips, sorted by path. */
  clips(split: Split): Clip[];
}

export const FSDD_LABELS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
export const GSC12_LABELS = [
  'yes',
  'no',
  'up',
  'down',
  'left',
  'right',
  'on',
  'off',
  'stop',
  'go',
  '_silence_',
  '_unknown_',
];

export class DatasetError extends InputError {
  constructor(message: string) {
    super(message);
    this.name = 'DatasetError';
  }
}

/** A clip with the splits it belongs to ('all' always; 'validation' implies 'train'). */
interface SplitClip {
  clip: Clip;
  test: boolean;
  validation: boolean;
}

const SAMPLE_RATE_HZ: Record<Dataset['kind'], number> = { fsdd: 8000, gsc12: 16000 };
const FSDD_NAME = /^([0-9])_([^_]+)_([0-9]+)\.wav$/;
const FSDD_TEST_TAKES = 5;
const FSDD_VALIDATION_TAKES = 10;
const GSC12_COMMAND_NAME = /^([^_]+)_nohash_[0-9]+\.wav$/;
const GSC12_UNKNOWN_NAME = /^[^_]+_([^_]+)_nohash_[0-9]+\.wav$/;

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The `.wav` names in `dir`, sorted; other files (notes, licenses) are not clips. */
function wavNames(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => !entry.isDirectory() && entry.name.toLowerCase().endsWith('.wav'))
    .map((entry) => entry.name)
    .sort();
}

function fsddClips(recordings: string): SplitClip[] {
  return wavNames(recordings).map((name) => {
    const path = join(recordings, name);
    const match = FSDD_NAME.exec(name);
    if (!match) {
      throw new DatasetError(
        `${path}: not an FSDD file name ({digit}_{speaker}_{index}.wav, e.g. 7_jackson_32.wav)`,
      );
    }
    const take = Number(match[3]);
    return {
      clip: { path, label: Number(match[1]), speaker: match[2] ?? '' },
      test: take < FSDD_TEST_TAKES,
      validation: take >= FSDD_TEST_TAKES && take < FSDD_VALIDATION_TAKES,
    };
  });
}

/** The first 32 bits of sha1(speaker) as the split rule reads them. */
function speakerHash(speaker: string): number {
  return parseInt(createHash('sha1').update(speaker, 'utf8').digest('hex').slice(0, 8), 16);
}

function gsc12Speaker(label: string, name: string, path: string): string {
  if (label === '_silence_') return name;
  const [pattern, layout] =
    label === '_unknown_'
      ? [GSC12_UNKNOWN_NAME, '{word}_{speaker}_nohash_{n}.wav']
      : [GSC12_COMMAND_NAME, '{speaker}_nohash_{n}.wav'];
  const speaker = pattern.exec(name)?.[1];
  if (speaker === undefined) throw new DatasetError(`${path}: not a gsc12 ${label} file name (${layout})`);
  return speaker;
}

function gsc12Clips(root: string): SplitClip[] {
  return GSC12_LABELS.flatMap((name, label) => {
    const folder = join(root, name);
    if (!isDirectory(folder)) return [];
    return wavNames(folder).map((file) => {
      const path = join(folder, file);
      const speaker = gsc12Speaker(name, file, path);
      const hash = speakerHash(speaker);
      // % 8 === 1 implies % 4 === 1: validation clips are never test clips.
      return { clip: { path, label, speaker }, test: hash % 4 === 0, validation: hash % 8 === 1 };
    });
  });
}

function inSplit(c: SplitClip, split: Split): boolean {
  switch (split) {
    case 'all':
      return true;
    case 'test':
      return c.test;
    case 'train':
      return !c.test;
    case 'validation':
      return c.validation;
  }
}

function dataset(kind: Dataset['kind'], root: string, labels: string[], all: SplitClip[]): Dataset {
  if (all.length === 0) throw new DatasetError(`${root}: a ${kind} data set without any .wav clips`);
  all.sort((a, b) => (a.clip.path < b.clip.path ? -1 : a.clip.path > b.clip.path ? 1 : 0));
  return {
    kind,
    root,
    labels,
    sampleRateHz: SAMPLE_RATE_HZ[kind],
    clips: (split) => all.filter((c) => inSplit(c, split)).map((c) => c.clip),
  };
}

/**
 * The data set at `dir`: an FSDD root (or its `recordings` folder itself) or a gsc12 root. Reads
 * every file name once, up front, so a bad name fails before any work starts.
 */
export function openDataset(dir: string): Dataset {
  if (!isDirectory(dir)) throw new DatasetError(`${dir}: no such directory (expected a data set folder)`);
  const recordings = join(dir, 'recordings');
  if (isDirectory(recordings)) return dataset('fsdd', dir, FSDD_LABELS, fsddClips(recordings));
  if (basename(resolve(dir)) === 'recordings') return dataset('fsdd', dir, FSDD_LABELS, fsddClips(dir));
  if (GSC12_LABELS.some((label) => isDirectory(join(dir, label)))) {
    return dataset('gsc12', dir, GSC12_LABELS, gsc12Clips(dir));
  }
  throw new DatasetError(
    `${dir} is not a data set: expected FSDD (a recordings/ folder of {digit}_{speaker}_{index}.wav) ` +
      `or gsc12 (class folders ${GSC12_LABELS.join(', ')} of .wav clips)`,
  );
}
