/**
 * `hetsyn sim MODEL --data DIR`: accuracy on a data set split, checked against the independent path
 * of one `hetsyn sim MODEL clip.wav` per clip, on the shipped FSDD sample; then label matching by
 * name and the usage and input errors.
 */

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { readWav } from '../../host/audio/read-wav.js';
import { FSDD_LABELS, GSC12_LABELS, openDataset } from '../../host/data/dataset.js';
import type { HsmModel } from '../../host/model/hsm.js';
import { writeHsm } from '../../host/model/hsm-writer.js';
import { audioModel, REPO_ROOT } from './fixtures.js';

const FSDD = join(REPO_ROOT, 'models/samples/fsdd');
const dir = mkdtempSync(join(tmpdir(), 'hetsyn-sim-data-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function hetsyn(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [join(REPO_ROOT, 'dist/host/cli.js'), ...args], {
    encoding: 'utf8',
    cwd: dir,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

let models = 0;
/** An untrained 8 kHz model: 16 bands (32 inputs) -> recurrent 24 -> readout of the labels. */
function modelFile(labels: string[], options: { frontend?: boolean; skipSteps?: number } = {}): string {
  const model: HsmModel = {
    ...audioModel(labels, { name: 'fsdd-untrained', bands: 16, hidden: 24, seed: 5 }),
    decision: { mode: 'sum', skipSteps: options.skipSteps ?? 2 },
  };
  if (options.frontend === false) delete model.frontend;
  const path = join(dir, `model${models++}.hsm`);
  writeFileSync(path, writeHsm(model));
  return path;
}

interface DataResult {
  model: string;
  data: string;
  kind: string;
  split: string;
  count: number;
  correct: number;
  accuracy: number;
  labels: string[];
  confusion: number[][];
  recall: (number | null)[];
  none: number;
  activity: { steps: number; inputRate: number; layerRates: number[]; hiddenRate: number };
  speakers: { speaker: string; clips: number; correct: number }[];
  speakerInterval: { speakers: number; low: number; high: number; resamples: number };
}

function runData(...args: string[]): DataResult {
  const run = hetsyn('sim', ...args, '--json');
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stderr, '', 'a short run prints no progress when stderr is not a terminal');
  return JSON.parse(run.stdout) as DataResult;
}

/** The confusion matrix, steps and layer-0 spikes from one `sim MODEL clip.wav --json --spikes` per clip. */
function perClip(model: string, labels: string[]): { confusion: number[][]; steps: number; spikes: number } {
  const confusion = labels.map(() => new Array<number>(labels.length + 1).fill(0));
  let steps = 0;
  let spikes = 0;
  for (const clip of openDataset(FSDD).clips('test')) {
    const run = hetsyn('sim', model, clip.path, '--json', '--spikes');
    assert.equal(run.status, 0, run.stderr);
    const out = JSON.parse(run.stdout) as { label: string | null; steps: { spikes: number[][] }[] };
    const { label } = out;
    steps += out.steps.length;
    for (const step of out.steps) spikes += step.spikes[0].length;
    const column = label === null ? labels.length : labels.indexOf(label);
    const row = confusion[clip.label];
    assert.ok(row && column >= 0, `${clip.path}: ${label}`);
    row[column] = (row[column] ?? 0) + 1;
  }
  return { confusion, steps, spikes };
}

const sum = (rows: number[][]): number => rows.flat().reduce((a, b) => a + b, 0);
const diagonal = (rows: number[][]): number => rows.reduce((s, row, i) => s + (row[i] ?? 0), 0);

describe('hetsyn sim MODEL --data DIR', () => {
  const model = modelFile(FSDD_LABELS);
  let cached: DataResult | undefined;
  const onSample = (): DataResult => (cached ??= runData(model, '--data', FSDD));

  it('scores every test clip of the FSDD sample as per-clip sim runs do', () => {
    const out = onSample();
    assert.equal(out.kind, 'fsdd');
    assert.equal(out.split, 'test');
    assert.equal(out.data, FSDD);
    assert.equal(out.model, 'fsdd-untrained');
    assert.equal(out.count, 20);
    assert.deepEqual(out.labels, FSDD_LABELS);
    assert.equal(sum(out.confusion), out.count);
    assert.equal(diagonal(out.confusion), out.correct);
    assert.equal(out.accuracy, out.correct / out.count);
    assert.equal(out.none, 0);
    assert.deepEqual(
      out.recall,
      out.confusion.map((row, i) => (row[i] ?? 0) / (out.count / FSDD_LABELS.length)),
    );
    const separate = perClip(model, FSDD_LABELS);
    assert.equal(diagonal(separate.confusion), out.correct);
    assert.deepEqual(out.confusion, separate.confusion);
    assert.equal(out.activity.steps, separate.steps);
    assert.ok(separate.spikes > 0);
    assert.equal(Math.round(out.activity.layerRates[0] * out.activity.steps * 24), separate.spikes);
    assert.ok(
      new Set(out.confusion.flatMap((row) => row.flatMap((n, c) => (n > 0 ? [c] : [])))).size > 1,
      'not one class for every clip',
    );
    // The sample's speakers, each with its clips and correct decisions, and the by-speaker spread.
    const speakers = [
      ...new Set(
        openDataset(FSDD)
          .clips('test')
          .map((c) => c.speaker),
      ),
    ];
    assert.deepEqual(
      out.speakers.map((t) => t.speaker),
      speakers,
    );
    assert.equal(
      out.speakers.reduce((n, t) => n + t.clips, 0),
      out.count,
    );
    assert.equal(
      out.speakers.reduce((n, t) => n + t.correct, 0),
      out.correct,
    );
    const { low, high } = out.speakerInterval;
    assert.equal(out.speakerInterval.speakers, speakers.length);
    assert.ok(low <= out.accuracy && out.accuracy <= high, `${low} <= ${out.accuracy} <= ${high}`);
  });

  it('matches labels by name, not by class index', () => {
    const reversed = [...FSDD_LABELS].reverse();
    const a = onSample();
    const b = runData(modelFile(reversed), '--data', FSDD);
    // The same network: class c is now called reversed[c], so the columns come out mirrored.
    assert.deepEqual(
      b.confusion,
      a.confusion.map((row) => [...row.slice(0, 10).reverse(), row[10]]),
    );
  });

  it('counts a clip too short for the decision window as wrong, in the none column', () => {
    // Steps from docs/frontend.md (25 ms window, 10 ms hop at 8 kHz: 200 and 80 samples). With the
    // window starting at step 45, a clip of 45 steps or fewer gets no decision.
    const skipSteps = 45;
    const steps = (samples: number): number => (samples < 200 ? 0 : Math.floor((samples - 200) / 80) + 1);
    const expectedNone = FSDD_LABELS.map(() => 0);
    for (const clip of openDataset(FSDD).clips('test')) {
      if (steps(readWav(clip.path).samples.length) <= skipSteps) expectedNone[clip.label]++;
    }
    const late = modelFile(FSDD_LABELS, { skipSteps });
    const out = runData(late, '--data', FSDD);
    assert.ok(out.none > 0 && out.none < out.count, `${out.none} of ${out.count}`);
    assert.deepEqual(
      out.confusion.map((row) => row[10]),
      expectedNone,
    );
    assert.equal(
      out.none,
      expectedNone.reduce((a, b) => a + b, 0),
    );
    assert.equal(sum(out.confusion), out.count);
    const text = hetsyn('sim', late, '--data', FSDD);
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`^${out.none} of the clips ended before the decision window`, 'm'));
  });

  it('prints accuracy, a confusion matrix and recall for people', () => {
    const out = onSample();
    const run = hetsyn('sim', model, '--data', FSDD);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^fsdd-untrained on fsdd .*, test split: 20 clips$/m);
    const percent = ((100 * out.correct) / out.count).toFixed(2);
    assert.match(run.stdout, new RegExp(`^accuracy: ${percent}% \\(${out.correct} of ${out.count}\\)$`, 'm'));
    assert.match(run.stdout, /^another \d+ speakers from the same population: [\d.]+% to [\d.]+% \(95%/m);
    assert.match(run.stdout, /^true \\ predicted\s+zero\s+one .*nine\s+none\s+recall$/m);
    assert.match(run.stdout, new RegExp(`^zero\\s+${(out.confusion[0] ?? []).join('\\s+')}\\s+`, 'm'));
    const quiet = hetsyn('sim', model, '--data', FSDD, '-q');
    assert.equal(quiet.stdout, `accuracy: ${percent}% (${out.correct} of ${out.count})\n`);
  });

  it('refuses an empty split', () => {
    const run = hetsyn('sim', model, '--data', FSDD, '--split', 'train');
    assert.equal(run.status, 3);
    assert.match(run.stderr, /has no clips in the train split/);
  });
});

describe('hetsyn sim: usage and input errors', () => {
  const model = modelFile(FSDD_LABELS);
  const clip = openDataset(FSDD).clips('test')[0]?.path ?? '';

  const cases: [title: string, args: () => string[], status: number, message: RegExp][] = [
    [
      'both an input and --data',
      () => [model, clip, '--data', FSDD],
      2,
      /an INPUT file or --data DIR, not both/,
    ],
    ['neither an input nor --data', () => [model], 2, /needs an INPUT file .* or --data DIR/],
    ['--split without --data', () => [model, clip, '--split', 'test'], 2, /--split .* --data/],
    [
      'an unknown split',
      () => [model, '--data', FSDD, '--split', 'dev'],
      2,
      /Allowed choices are train, validation, test, all/,
    ],
    [
      '--data on a folder that is not a data set',
      () => [model, '--data', dir],
      3,
      /is not a data set: expected FSDD/,
    ],
    [
      'a model without the data set labels',
      () => [modelFile(['yes', 'no', 'zero']), '--data', FSDD],
      3,
      /has no class for one, two, .*nine: the fsdd labels are zero, one, .*; the model's are yes, no, zero/,
    ],
    [
      'a model without a front-end',
      () => [modelFile(FSDD_LABELS, { frontend: false }), '--data', FSDD],
      3,
      /carries no audio front-end/,
    ],
  ];
  for (const [title, args, status, message] of cases) {
    it(`${title}: exit ${status}`, () => {
      const run = hetsyn('sim', ...args());
      assert.equal(run.status, status, run.stderr);
      assert.match(run.stderr, message);
      assert.equal(run.stdout, '');
    });
  }

  it('--data of 16 kHz clips for an 8 kHz front-end says so', () => {
    const rate = hetsyn('sim', modelFile(GSC12_LABELS), '--data', join(REPO_ROOT, 'models/samples/gsc12'));
    assert.equal(rate.status, 3);
    assert.match(rate.stderr, /sampled at 16000 Hz; the front-end takes 8000 Hz/);
  });
});
