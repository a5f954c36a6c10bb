/**
 * Continuous training (docs/training.md, "Continuous training"): the sequence builder on tiny
 * synthetic words, the windowed loss of the BPTT (state carried across words), the `.hsm` reader
 * behind `--init`, and the train command's new flags on a tiny data set folder.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeWav } from '../../host/audio/wav.js';
import { Prng } from '../../host/util/prng.js';
import { readHsm } from '../../host/model/hsm-reader.js';
import { writeHsm } from '../../host/model/hsm-writer.js';
import type { DetectParams } from '../../host/model/detection.js';
import { paramsFromModel, readInitModel } from '../../host/train/init-model.js';
import { toFloatModel, toHsm } from '../../host/train/export.js';
import { Bptt } from '../../host/train/bptt.js';
import { effectiveLayers, initParams, paramLayout, type NetworkSpec } from '../../host/train/network.js';
import { flatSpikes } from '../../host/train/clip-store.js';
import { clipSeed } from '../../host/train/augment.js';
import {
  buildSequence,
  runsAsClips,
  stepCount,
  syntheticNoise,
  type ContinuousOptions,
} from '../../host/train/sequence.js';
import { REPO_ROOT } from './fixtures.js';

const CLI = join(REPO_ROOT, 'dist/host/cli.js');
const FRAME = { sampleRateHz: 8000, windowSamples: 200, hopSamples: 80 };
const OPTIONS: ContinuousOptions = {
  wordsPerSequence: 3,
  gapMs: [300, 700],
  snrDb: [10, 20],
  windowSteps: 20,
  backgroundLabel: 9,
  gapWeight: 0.5,
  gainDb: 0,
  wordWindow: 'middle',
  guardSteps: 0,
  clipFraction: 0,
};
const silent = (length: number): Float64Array => new Float64Array(length);

function word(length: number, value: number, label: number): { samples: Int16Array; label: number } {
  return { samples: new Int16Array(length).fill(value), label };
}

test('a sequence puts each word on a hop boundary, its window on its middle, and tiles the gaps', () => {
  const words = [word(4000, 1000, 1), word(2400, -2000, 4), word(8000, 500, 2)];
  const a = buildSequence(words, syntheticNoise, FRAME, OPTIONS, 7);
  const b = buildSequence(words, syntheticNoise, FRAME, OPTIONS, 7);
  assert.deepEqual(a.samples, b.samples, 'the same seed gives the same sequence');
  assert.deepEqual(a.windows, b.windows);
  assert.notDeepEqual(buildSequence(words, syntheticNoise, FRAME, OPTIONS, 8).samples, a.samples);

  // Without background the words are copied as they are (gain 0 dB) where the steps say.
  const quiet = buildSequence(words, silent, FRAME, OPTIONS, 7);
  assert.equal(quiet.steps, stepCount(quiet.samples.length, FRAME));
  quiet.words.forEach((placed, k) => {
    assert.equal(placed.label, words[k].label);
    assert.equal(placed.end - placed.start, stepCount(words[k].samples.length, FRAME));
    const at = placed.start * FRAME.hopSamples;
    assert.deepEqual(quiet.samples.subarray(at, at + words[k].samples.length), words[k].samples);
    assert.equal(quiet.samples[at - 1], 0, 'silence before the word');
    const previousEnd = k === 0 ? 0 : quiet.words[k - 1].start + Math.ceil(words[k - 1].samples.length / 80);
    const gapMs = (placed.start - previousEnd) * 10;
    assert.ok(gapMs >= 290 && gapMs <= 710, `gap ${gapMs} ms`);
  });
  // One window per word, inside it, at most windowSteps long and centred; the rest are gap windows.
  for (const [k, placed] of quiet.words.entries()) {
    const own = quiet.windows.filter(
      (w) => w.start >= placed.start && w.end <= placed.end && w.label === words[k].label,
    );
    assert.equal(own.length, 1);
    const span = Math.min(OPTIONS.windowSteps, placed.end - placed.start);
    assert.equal(own[0].end - own[0].start, span);
    assert.equal(own[0].start - placed.start, Math.floor((placed.end - placed.start - span) / 2));
  }
  const gaps = quiet.windows.filter((w) => w.label === OPTIONS.backgroundLabel);
  assert.equal(gaps.length, quiet.windows.length - words.length);
  assert.ok(gaps.length >= 4, 'every gap has a window');
  for (const g of gaps) {
    assert.equal(g.weight, OPTIONS.gapWeight);
    assert.ok(g.end - g.start <= OPTIONS.windowSteps);
    assert.ok(
      quiet.words.every((w) => g.end <= w.start || g.start >= w.end),
      'gap windows stay off the words',
    );
  }
});

test('a whole-word window covers every step of the word; guards leave the ends of each gap unscored', () => {
  const words = [word(4000, 1000, 1), word(2400, -2000, 4), word(8000, 500, 2)];
  const plain = buildSequence(words, silent, FRAME, OPTIONS, 7);
  const options: ContinuousOptions = { ...OPTIONS, wordWindow: 'whole', guardSteps: 6 };
  const guarded = buildSequence(words, silent, FRAME, options, 7);
  assert.deepEqual(guarded.samples, plain.samples, 'the windows change, the audio does not');
  assert.deepEqual(guarded.words, plain.words);
  for (const [k, placed] of guarded.words.entries()) {
    const own = guarded.windows.filter((w) => w.label === words[k].label);
    assert.deepEqual(own, [{ start: placed.start, end: placed.end, label: words[k].label }]);
  }
  const gaps = guarded.windows.filter((w) => w.label === OPTIONS.backgroundLabel);
  const edges = [0, ...guarded.words.flatMap((w) => [w.start, w.end]), guarded.steps];
  for (let g = 0; g < edges.length; g += 2) {
    const [from, to] = [edges[g], edges[g + 1]];
    const inside = gaps.filter((w) => w.start >= from && w.end <= to);
    assert.ok(inside.length > 0, `gap ${from}..${to} has windows`);
    assert.equal(inside[0].start, from + 6, 'a guard after the word before');
    assert.ok(
      inside.every((w) => w.end <= to - 6),
      'and before the next',
    );
  }
  // A gap no longer than its two guards has no window at all.
  const tight = buildSequence(words, silent, FRAME, { ...options, gapMs: [100, 100] }, 7);
  assert.deepEqual(
    tight.windows.filter((w) => w.label === OPTIONS.backgroundLabel),
    [],
  );
});

test('the clip mix is drawn per sequence, apart from the sequence draws', () => {
  const seeds = Array.from({ length: 2000 }, (_, i) => clipSeed(1, 0, i));
  const share = (f: number): number =>
    seeds.filter((s) => runsAsClips(s, { ...OPTIONS, clipFraction: f })).length / seeds.length;
  assert.equal(share(0), 0);
  assert.equal(share(1), 1);
  assert.ok(Math.abs(share(0.3) - 0.3) < 0.04, `share ${share(0.3)}`);
  const s = seeds.filter((seed) => runsAsClips(seed, { ...OPTIONS, clipFraction: 0.3 }));
  assert.ok(
    s.every((seed) => runsAsClips(seed, { ...OPTIONS, clipFraction: 0.6 })),
    'a larger mix keeps the smaller one',
  );
});

test('the background is mixed at the SNR drawn for the sequence', () => {
  const words = [word(4000, 1000, 1)];
  const loud = buildSequence(words, syntheticNoise, FRAME, { ...OPTIONS, snrDb: [0, 0] }, 3);
  const soft = buildSequence(words, syntheticNoise, FRAME, { ...OPTIONS, snrDb: [40, 40] }, 3);
  const rmsOf = (s: Int16Array, from: number, to: number): number => {
    let sum = 0;
    for (let i = from; i < to; i++) sum += s[i] * s[i];
    return Math.sqrt(sum / (to - from));
  };
  // Before the word: background only, at 1000 / 10^(snr/20).
  const end = loud.words[0].start * FRAME.hopSamples;
  assert.ok(Math.abs(rmsOf(loud.samples, 0, end) - 1000) < 150);
  assert.ok(Math.abs(rmsOf(soft.samples, 0, end) - 10) < 3);
});

const SPEC: NetworkSpec = {
  inputCount: 6,
  layers: [
    { kind: 'recurrent', size: 5 },
    { kind: 'readout', size: 3 },
  ],
  rho: 'synapse',
  threshold: 1,
  resetRho: Math.exp(-1 / 2),
  skipSteps: 2,
};

function randomSpikes(seed: number, steps: number) {
  const rng = new Prng(seed);
  return flatSpikes(
    Array.from({ length: steps }, () => [0, 1, 2, 3, 4, 5].filter(() => rng.uniform() < 0.4)),
  );
}

test('one window over the decision steps is the clip loss; a later window hears the earlier word', () => {
  const layout = paramLayout(SPEC);
  const net = effectiveLayers(layout, initParams(SPEC, 5, 3));
  const bptt = new Bptt(layout, { resetRho: SPEC.resetRho, skipSteps: 2 });
  const clip = randomSpikes(1, 40);
  const gClip = new Float64Array(layout.length);
  const gWindow = new Float64Array(layout.length);
  const asClip = bptt.run(net, clip, 1, gClip);
  const asWindow = bptt.run(net, clip, [{ start: 2, end: 40, label: 1 }], gWindow);
  assert.equal(asWindow.loss, asClip.loss);
  assert.deepEqual(gWindow, gClip);

  // Two weighted windows: the loss is their weighted mean.
  const w1 = bptt.run(net, clip, [{ start: 0, end: 20, label: 0 }]).loss;
  const w2 = bptt.run(net, clip, [{ start: 20, end: 40, label: 2 }]).loss;
  const both = bptt.run(net, clip, [
    { start: 0, end: 20, label: 0, weight: 1 },
    { start: 20, end: 40, label: 2, weight: 3 },
  ]);
  assert.ok(Math.abs(both.loss - (w1 + 3 * w2) / 4) < 1e-12);
  assert.equal(both.windows, 2);

  // State is carried: changing only the first half's input changes the second window's loss.
  const other = randomSpikes(2, 40);
  const mixed = flatSpikes(
    Array.from({ length: 40 }, (_, t) => {
      const source = t < 20 ? other : clip;
      return Array.from(source.channels.subarray(source.offsets[t], source.offsets[t + 1]));
    }),
  );
  assert.notEqual(bptt.run(net, mixed, [{ start: 20, end: 40, label: 2 }]).loss, w2);
});

test('a shipped .hsm read back and exported again is the same network, byte for byte', () => {
  const path = join(REPO_ROOT, 'models/fsdd-digits.hsm');
  const bytes = new Uint8Array(readFileSync(path));
  const hsm = readHsm(bytes);
  const classes = hsm.labels.length;
  const { model, frontend } = readInitModel(path);
  assert.ok(frontend);
  const spec: NetworkSpec = {
    ...SPEC,
    inputCount: 64,
    layers: [
      { kind: 'recurrent', size: 128 },
      { kind: 'readout', size: classes },
    ],
  };
  const params = paramsFromModel(spec, hsm.labels, model, path);
  const again = toFloatModel(spec, params, { name: hsm.name, labels: hsm.labels, frontend }, true);
  // The DETECT section is the detector's settings (hetsyn tune), not the network's: set it aside.
  const { detect, ...network } = hsm;
  assert.ok(detect, 'the shipped model carries its detector settings');
  assert.deepEqual(toHsm(again, frontend, 16).bytes, writeHsm(network));
  // A class the model lacks starts silent: zero weights and the lowest bias.
  const wider: NetworkSpec = {
    ...spec,
    layers: [
      { kind: 'recurrent', size: 128 },
      { kind: 'readout', size: classes + 1 },
    ],
  };
  const withNew = paramsFromModel(wider, [...hsm.labels, '_new_'], model, path);
  const readout = paramLayout(wider).layers[1];
  for (let r = 0; r < readout.rows; r++)
    assert.equal(withNew[readout.weight + r * (classes + 1) + classes], 0);
  assert.equal(withNew[readout.bias + classes], Math.min(...model.layers[1].drive));
  assert.throws(() => readHsm(bytes.slice(0, bytes.length - 1)), /damaged|ends/);
});

const RATE = 8000;
function makeTask(): string {
  const root = mkdtempSync(join(tmpdir(), 'hetsyn-contrain-'));
  const recordings = join(root, 'recordings');
  mkdirSync(recordings);
  const rng = new Prng(11);
  const tone = (hz: number): Int16Array =>
    Int16Array.from({ length: Math.round(0.3 * RATE) }, (_, i) =>
      Math.round((3000 + 6000 * rng.uniform()) * Math.sin((2 * Math.PI * hz * i) / RATE)),
    );
  for (let index = 0; index < 16; index++) {
    writeFileSync(join(recordings, `0_synth_${index}.wav`), encodeWav(tone(500), RATE));
    writeFileSync(join(recordings, `1_synth_${index}.wav`), encodeWav(tone(1500), RATE));
  }
  return root;
}
const TASK = makeTask();
after(() => rmSync(TASK, { recursive: true, force: true }));
const SMALL = [
  '--name',
  'tiny',
  '--hidden',
  '8',
  '--bands',
  '4',
  '--batch',
  '6',
  '--workers',
  '1',
  '--lr',
  '0.01',
];

function train(output: string, extra: string[]) {
  return spawnSync(process.execPath, [CLI, 'train', '--data', TASK, '-o', output, ...SMALL, ...extra], {
    encoding: 'utf8',
  });
}

test('train --init --continuous --validate fine-tunes a model on sequences with an added _silence_ class', () => {
  const base = join(TASK, 'base.hsm');
  assert.equal(train(base, ['--epochs', '2', '--finish-epochs', '0']).status, 0);
  const tuned = join(TASK, 'tuned.hsm');
  const args = ['--init', base, '--continuous', '--validate', '--epochs', '1', '--finish-epochs', '1'];
  const flags = [
    '--words-per-sequence',
    '2',
    '--gap-ms',
    '100,400',
    '--snr-db',
    '10,20',
    '--window-steps',
    '10',
  ];
  const run = train(tuned, [...args, ...flags, '--json']);
  assert.equal(run.status, 0, run.stderr);
  const report = JSON.parse(run.stdout) as {
    trainClips: number;
    settings: { continuous: ContinuousOptions; init: string };
    history: { validationAccuracy?: number }[];
  };
  assert.equal(report.trainClips, 32 - 10 - 10, 'takes 0-4 are test and 5-9 validation, held out');
  assert.equal(report.settings.continuous.wordsPerSequence, 2);
  assert.deepEqual(report.settings.continuous.gapMs, [100, 400]);
  const labels = readHsm(new Uint8Array(readFileSync(tuned))).labels;
  assert.equal(labels.at(-1), '_silence_', 'FSDD gains a background class');
  assert.equal(report.settings.continuous.backgroundLabel, labels.length - 1);
  assert.equal(report.settings.init, base);
  assert.ok(report.history.every((r) => typeof r.validationAccuracy === 'number'));
  // The same run again is the same model.
  const again = join(TASK, 'again.hsm');
  assert.equal(train(again, [...args, ...flags]).status, 0);
  assert.deepEqual(readFileSync(again), readFileSync(tuned));

  // The recipe's options, with the test split never scored: the accuracies are the validation clips'.
  const recipe = [
    '--continuous-mix',
    '0.5',
    '--word-window',
    'whole',
    '--guard-steps',
    '2',
    '--max-tau',
    '20',
    '--no-test',
  ];
  const mixed = train(join(TASK, 'mixed.hsm'), [...args, ...flags, ...recipe, '--json']);
  assert.equal(mixed.status, 0, mixed.stderr);
  const mixedReport = JSON.parse(mixed.stdout) as typeof report & {
    split: string;
    accuracyClips: number;
    accuracy: number;
  };
  assert.equal(mixedReport.split, 'validation');
  assert.equal(mixedReport.accuracyClips, 10);
  assert.equal(mixedReport.trainClips, 12);
  assert.equal(mixedReport.settings.continuous.clipFraction, 0.5);
  assert.equal(mixedReport.settings.continuous.wordWindow, 'whole');
  assert.equal(mixedReport.settings.continuous.guardSteps, 2);
  assert.notDeepEqual(readFileSync(join(TASK, 'mixed.hsm')), readFileSync(tuned));
  // --max-tau: the base model's "no decay" levels are gone; every level forgets within 20 steps.
  const levels = (file: string): number[] =>
    readHsm(new Uint8Array(readFileSync(file))).layers.flatMap((l) => l.levelDecayQ16);
  const capQ16 = Math.round(65536 * Math.exp(-1 / 20));
  assert.ok(Math.max(...levels(base)) > capQ16, 'the base model has slower levels');
  assert.ok(Math.max(...levels(join(TASK, 'mixed.hsm'))) <= capQ16, 'no level above the cap');
  const untested = train(join(TASK, 'untested.hsm'), ['--no-test']);
  assert.equal(untested.status, 2);
  assert.match(untested.stderr, /--no-test needs --validate/);

  // --target-fa: the detector's settings chosen on the validation stream, written into the model,
  // the same as hetsyn tune chooses for its network.
  const detecting = join(TASK, 'detecting.hsm');
  const tuneArgs = ['--target-fa', '60', '--tune-hours', '0.01'];
  const withDetector = train(detecting, [...args, ...flags, ...tuneArgs, '--json']);
  assert.equal(withDetector.status, 0, withDetector.stderr);
  const detectorReport = JSON.parse(withDetector.stdout) as {
    detector: { params: DetectParams; validationStream: { hours: number } };
  };
  const written = readHsm(new Uint8Array(readFileSync(detecting)));
  assert.deepEqual(written.detect, detectorReport.detector.params);
  assert.ok(Math.abs(detectorReport.detector.validationStream.hours - 0.01) < 1e-9);
  const retuned = spawnSync(
    process.execPath,
    [CLI, 'tune', detecting, '--data', TASK, '--hours', '0.01', '--target-fa', '60', '--json'],
    { encoding: 'utf8' },
  );
  assert.equal(retuned.status, 0, retuned.stderr);
  assert.deepEqual((JSON.parse(retuned.stdout) as { detect: DetectParams }).detect, written.detect);
  const unheld = train(join(TASK, 'unheld.hsm'), ['--target-fa', '1']);
  assert.equal(unheld.status, 2);
  assert.match(unheld.stderr, /--target-fa tunes the detector on the validation split/);

  const bad = train(join(TASK, 'bad.hsm'), ['--continuous', '--gap-ms', '500,100']);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /LOW <= HIGH/);
  const help = spawnSync(process.execPath, [CLI, 'train', '--help'], { encoding: 'utf8' });
  for (const flag of [
    '--init',
    '--continuous',
    '--words-per-sequence',
    '--gap-ms',
    '--snr-db',
    '--window-steps',
    '--gap-weight',
    '--word-window',
    '--guard-steps',
    '--continuous-mix',
    '--max-tau',
    '--validate',
    '--no-test',
  ]) {
    assert.ok(help.stdout.includes(flag), flag);
  }
});
