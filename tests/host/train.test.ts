/**
 * `hetsyn train` end to end on a tiny synthetic task: two classes of clips that hold the same two
 * tones and differ only in their order, so only timing tells them apart. Real WAV files in the
 * FSDD layout, the real worker pool and .wasm front-end, and the exported .hsm judged by the .wasm.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeWav } from '../../host/audio/wav.js';
import { Prng } from '../../host/util/prng.js';
import { readHsm } from '../../host/model/hsm-reader.js';
import { REPO_ROOT } from './fixtures.js';

const CLI = join(REPO_ROOT, 'dist/host/cli.js');
const RATE = 8000;

/** Tone `first` then tone `second`, 150 ms each, after a random 0-100 ms of silence. */
function toneOrderClip(rng: Prng, first: number, second: number): Int16Array {
  const samples = new Int16Array(Math.round(0.5 * RATE));
  const start = Math.floor(rng.uniform() * 0.1 * RATE);
  const length = Math.round(0.15 * RATE);
  const amplitude = 4000 + 8000 * rng.uniform();
  [first, second].forEach((hz, k) => {
    for (let i = 0; i < length; i++) {
      const at = start + k * length + i;
      samples[at] = Math.round(amplitude * Math.sin((2 * Math.PI * hz * i) / RATE));
    }
  });
  return samples;
}

function makeTask(): string {
  const root = mkdtempSync(join(tmpdir(), 'hetsyn-train-'));
  const recordings = join(root, 'recordings');
  mkdirSync(recordings);
  const rng = new Prng(42);
  for (let index = 0; index < 20; index++) {
    writeFileSync(join(recordings, `0_synth_${index}.wav`), encodeWav(toneOrderClip(rng, 500, 1500), RATE));
    writeFileSync(join(recordings, `1_synth_${index}.wav`), encodeWav(toneOrderClip(rng, 1500, 500), RATE));
  }
  return root;
}

const TASK = makeTask();
after(() => rmSync(TASK, { recursive: true, force: true }));
const SMALL = [
  '--name',
  'order',
  '--hidden',
  '16',
  '--bands',
  '8',
  '--epochs',
  '8',
  '--finish-epochs',
  '1',
  '--batch',
  '8',
  '--workers',
  '2',
  '--lr',
  '0.01',
];

function train(output: string, extra: string[] = []) {
  return spawnSync(process.execPath, [CLI, 'train', '--data', TASK, '-o', output, ...SMALL, ...extra], {
    encoding: 'utf8',
  });
}

test('train learns a timing-only task and the exported .hsm keeps its accuracy in fixed point', () => {
  const out = join(TASK, 'order.hsm');
  const run = train(out, ['--json']);
  assert.equal(run.status, 0, run.stderr);
  const report = JSON.parse(run.stdout) as {
    accuracy: number;
    floatAccuracy: number;
    testClips: number;
    history: { loss: number }[];
  };
  assert.equal(report.testClips, 10);
  assert.ok(report.floatAccuracy >= 0.9, `float accuracy ${report.floatAccuracy}`);
  assert.ok(report.accuracy >= 0.9, `fixed-point accuracy ${report.accuracy}`);
  assert.ok(report.history[report.history.length - 1].loss < report.history[0].loss, 'the loss fell');
  // The shipped path judges the file too: sim --data on it agrees with the trainer's figure.
  const sim = spawnSync(process.execPath, [CLI, 'sim', out, '--data', TASK, '--json'], { encoding: 'utf8' });
  assert.equal(sim.status, 0, sim.stderr);
  assert.equal((JSON.parse(sim.stdout) as { accuracy: number }).accuracy, report.accuracy);
});

test('a run stopped and resumed from its checkpoint gives the same model, byte for byte', () => {
  const straight = join(TASK, 'straight.hsm');
  const resumed = join(TASK, 'resumed.hsm');
  assert.equal(train(straight).status, 0);
  const first = train(resumed, ['--stop-after', '3']);
  assert.equal(first.status, 0, first.stderr);
  assert.match(first.stderr, /stopped after epoch 3/);
  assert.ok(!existsSync(resumed), 'no model is written by a stopped run');
  const second = train(resumed, ['--resume']);
  assert.equal(second.status, 0, second.stderr);
  assert.match(second.stderr, /resumed from .* at epoch 4/);
  assert.deepEqual(readFileSync(resumed), readFileSync(straight));
});

test('train refuses a resume with other options, a missing checkpoint and a folder that is no data set', () => {
  const out = join(TASK, 'other.hsm');
  assert.equal(train(out, ['--stop-after', '1']).status, 0);
  const other = train(out, ['--resume', '--seed', '9']);
  assert.equal(other.status, 3);
  assert.match(other.stderr, /other settings/);
  const missing = train(join(TASK, 'never.hsm'), ['--resume']);
  assert.equal(missing.status, 3);
  assert.match(missing.stderr, /cannot read checkpoint/);
  const noData = spawnSync(process.execPath, [CLI, 'train', '--data', tmpdir(), '-o', out], {
    encoding: 'utf8',
  });
  assert.equal(noData.status, 3);
});

test('a float run that has not begun its finish can be finished with another K', () => {
  const out = join(TASK, 'k.hsm');
  assert.equal(train(out, ['--stop-after', '8']).status, 0);
  const k4 = train(out, ['--resume', '-k', '4', '--json']);
  assert.equal(k4.status, 0, k4.stderr);
  const report = JSON.parse(k4.stdout) as {
    levelCounts: number[];
    quantization: { layers: { levelCount: number }[] };
  };
  assert.ok(report.levelCounts.every((n) => n <= 4));
  assert.ok(report.quantization.layers.every((l) => l.levelCount <= 4));
  // Settings that shaped the float epochs still have to match.
  assert.equal(train(join(TASK, 'k2.hsm'), ['--stop-after', '8']).status, 0);
  assert.equal(train(join(TASK, 'k2.hsm'), ['--resume', '--lr', '0.02']).status, 3);
});

test('the three heterogeneities: learned drives and thresholds and pruned synapses reach the .hsm and keep its accuracy', () => {
  const out = join(TASK, 'hetero.hsm');
  const run = train(out, ['--learn-drives', '--learn-thresholds', '--density', '0.25', '--json']);
  assert.equal(run.status, 0, run.stderr);
  const report = JSON.parse(run.stdout) as { accuracy: number };
  assert.ok(report.accuracy >= 0.9, `fixed-point accuracy ${report.accuracy}`);
  const hidden = readHsm(readFileSync(out)).layers[0];
  assert.ok(hidden.sparse, 'the pruned layer is stored as compressed rows');
  // 16 inputs and 16 recurrent rows into 16 neurons, less the 16 self-synapses, a quarter kept
  // (at half, dense rows would be smaller and the quantizer would keep them); the weight grid may
  // round a few more to 0, never fewer.
  const kept = hidden.weight.length;
  assert.ok(kept <= Math.round(0.25 * (32 * 16 - 16)) && kept > 100, `${kept} synapses kept`);
  assert.ok(new Set(hidden.threshold).size > 1, 'thresholds differ between neurons');
  assert.ok(
    hidden.drive.some((d) => d !== 0),
    'hidden drives were learned',
  );
  const sim = spawnSync(process.execPath, [CLI, 'sim', out, '--data', TASK, '--json'], { encoding: 'utf8' });
  assert.equal(sim.status, 0, sim.stderr);
  assert.equal((JSON.parse(sim.stdout) as { accuracy: number }).accuracy, report.accuracy);
});

test('train refuses a density that would keep nothing or prune nothing', () => {
  for (const density of ['0', '1', 'half']) {
    const run = train(join(TASK, 'bad.hsm'), ['--density', density]);
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, /--density.*fraction above 0 and below 1/);
  }
});
