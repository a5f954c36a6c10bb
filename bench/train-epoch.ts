/**
 * One float training epoch's wall time (`train_epoch_s_gsc12`): `hetsyn train` with its default
 * options and 2 workers, `--epochs 1 --finish-epochs 0`, the epoch's own `seconds` from the report
 * (its batches; no validation split by default), and its `cpuSeconds` (all threads), which other
 * processes' load leaves alone. On the gsc12 train split when
 * ../shared/data/gsc12 exists, else on a synthetic set in the gsc12 layout with as many train
 * clips (1 s each): tone bursts whose spike rate through the front-end is near the real clips'.
 * Which one ran, and the input spike rate measured on its train clips, go into the JSON with it.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeWav } from '../host/audio/wav.js';
import { readWav } from '../host/audio/read-wav.js';
import { GSC12_LABELS, openDataset } from '../host/data/dataset.js';
import { defaultFrontend } from '../host/model/frontend-config.js';
import { encodeSpikes } from '../host/train/clip-store.js';
import { Prng } from '../host/util/prng.js';
import { openEngine } from '../host/wasm/module.js';

export interface EpochBench {
  seconds: number;
  cpuSeconds: number;
  data: 'gsc12' | 'synthetic';
  trainClips: number;
  /** Input spikes per channel and step on (up to 300 of) the train clips, unaugmented. */
  inputRate: number;
}

/** The train split of ../shared/data/gsc12 (3827 clips, 884 of them test). */
const GSC12_TRAIN_CLIPS = 2943;
const SAMPLE_RATE_HZ = 16000;

/** 1 s of tone bursts (three tones each, random length and level) over a little noise. */
function syntheticClip(seed: number): Int16Array {
  const rng = new Prng(seed);
  const out = new Int16Array(SAMPLE_RATE_HZ);
  for (let at = 0; at < out.length;) {
    const length = Math.round((40 + 120 * rng.uniform()) * (SAMPLE_RATE_HZ / 1000));
    const level = 6000 * Math.exp(-4 * rng.uniform());
    const tones = [0, 1, 2].map(() => 100 * Math.exp(rng.uniform() * Math.log(40)));
    for (let k = 0; k < length && at + k < out.length; k++) {
      let s = 0;
      for (const f of tones) s += Math.sin((2 * Math.PI * f * k) / SAMPLE_RATE_HZ);
      out[at + k] = Math.round(
        (level * Math.sin((Math.PI * k) / length) * s) / 3 + 30 * (rng.uniform() - 0.5),
      );
    }
    at += length;
  }
  return out;
}

/** The split rule of gsc12's SOURCE.md: a speaker whose sha1 starts with a multiple of 4 is TEST. */
function isTestSpeaker(speaker: string): boolean {
  return parseInt(createHash('sha1').update(speaker, 'utf8').digest('hex').slice(0, 8), 16) % 4 === 0;
}

/** A gsc12-layout folder of GSC12_TRAIN_CLIPS train clips and one test clip per class. */
function writeSyntheticSet(dir: string): void {
  for (const label of GSC12_LABELS) mkdirSync(join(dir, label), { recursive: true });
  const fileName = (label: string, speaker: string): string =>
    label === '_silence_'
      ? `${speaker}.wav`
      : label === '_unknown_'
        ? `word_${speaker}_nohash_0.wav`
        : `${speaker}_nohash_0.wav`;
  let train = 0;
  const testClasses = new Set<number>();
  for (let i = 0; train < GSC12_TRAIN_CLIPS || testClasses.size < GSC12_LABELS.length; i++) {
    const c = i % GSC12_LABELS.length;
    const label = GSC12_LABELS[c];
    const speaker = `s${i.toString(16)}`;
    // The silence rule hashes the file name itself.
    const test = isTestSpeaker(label === '_silence_' ? fileName(label, speaker) : speaker);
    if (test ? testClasses.has(c) : train >= GSC12_TRAIN_CLIPS) continue;
    if (test) testClasses.add(c);
    else train++;
    writeFileSync(join(dir, label, fileName(label, speaker)), encodeWav(syntheticClip(i), SAMPLE_RATE_HZ));
  }
}

function inputRate(dir: string): number {
  const clips = openDataset(dir).clips('train');
  const engine = openEngine();
  const frontend = defaultFrontend(SAMPLE_RATE_HZ);
  const every = Math.max(1, Math.floor(clips.length / 300));
  let spikes = 0;
  let steps = 0;
  for (let k = 0; k < clips.length; k += every) {
    const clip = encodeSpikes(engine, frontend, readWav(clips[k].path).samples);
    spikes += clip.channels.length;
    steps += clip.steps;
  }
  return spikes / (steps * 2 * frontend.bands);
}

export function benchEpoch(repoRoot: string, scratch: string): EpochBench {
  const shared = join(repoRoot, '../shared/data/gsc12');
  const data = existsSync(shared) ? 'gsc12' : 'synthetic';
  const dir = data === 'gsc12' ? shared : join(scratch, 'gsc12-synthetic');
  if (data === 'synthetic') writeSyntheticSet(dir);
  const trainClips = openDataset(dir).clips('train').length;
  const args = ['train', '--data', dir, '-o', join(scratch, 'epoch.hsm'), '--epochs', '1'];
  const run = spawnSync(
    process.execPath,
    [join(repoRoot, 'dist/host/cli.js'), ...args, '--finish-epochs', '0', '--workers', '2', '--json'],
    { encoding: 'utf8', maxBuffer: 64 << 20 },
  );
  if (run.status !== 0) throw new Error(`hetsyn train failed (${run.status}): ${run.stderr}`);
  const report = JSON.parse(run.stdout) as { history: { seconds: number; cpuSeconds: number }[] };
  const { seconds, cpuSeconds } = report.history[0];
  return { seconds, cpuSeconds, data, trainClips, inputRate: inputRate(dir) };
}
