/**
 * `hetsyn sim MODEL -`: audio on stdin, run as it arrives. PCM written a piece at a time through a
 * real pipe gives steps on stdout before the pipe is closed, and, once it is, exactly the steps and
 * the decision of `sim` on the same clip as a WAV file.
 */

import { GSC12_LABELS } from '../../host/data/dataset.js';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseWav } from '../../host/audio/wav.js';
import { CLI, ROOT } from './serial-helpers.js';
import { GSC12_YES_CLIP } from './fixtures.js';

const MODEL = join(ROOT, 'models/gsc12-kws.hsm');
const CLIP = GSC12_YES_CLIP;
const FSDD_MODEL = join(ROOT, 'models/fsdd-digits.hsm');
const DEMO_MODEL = join(ROOT, 'models/demo-kws-shape.hsm');

interface Step {
  t: number;
  scores: number[];
  decision: number;
}

interface FileRun {
  steps: Step[];
  decision: number;
  label: string;
  detections: { step: number; label: number; score: number }[];
}

function simFile(): FileRun {
  const run = spawnSync(process.execPath, [CLI, 'sim', MODEL, CLIP, '--json'], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout) as FileRun;
}

function simStdin(model: string, input: Uint8Array, ...args: string[]): ReturnType<typeof spawnSync> {
  return spawnSync(process.execPath, [CLI, 'sim', model, '-', ...args], { input, encoding: 'utf8' });
}

function rawPcm(samples: Int16Array): Buffer {
  const bytes = Buffer.alloc(2 * samples.length);
  samples.forEach((s, i) => bytes.writeInt16LE(s, 2 * i));
  return bytes;
}

// A sim that held its output back until the end would leave the test waiting: the timeout fails
// it, and the child is killed whatever happens.
const children: ChildProcess[] = [];
test.after(() => children.forEach((child) => child.kill()));

test(
  'raw PCM written slowly through a pipe: steps come before it closes, then all equal sim on the WAV',
  { timeout: 60_000 },
  async () => {
    const want = simFile();
    const pcm = rawPcm(parseWav(readFileSync(CLIP)).samples);
    const child = spawn(process.execPath, [CLI, 'sim', MODEL, '-', '--json'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    children.push(child);
    let stdout = '';
    let stderr = '';
    let waiting: { lines: number; resolve: () => void } | undefined;
    const lines = (): number => stdout.split('\n').length - 1;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (waiting && lines() >= waiting.lines) waiting.resolve();
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    const linesBefore = (count: number): Promise<void> =>
      new Promise((resolve) => {
        waiting = { lines: count, resolve };
        if (lines() >= count) resolve();
      });
    // A tenth of a second of audio at a time (an odd byte count, so samples straddle the writes),
    // each after the steps the last one completed were printed: the pipe stays open throughout.
    const piece = 3201;
    let seen = 0;
    for (let at = 0; at + piece < pcm.length; at += piece) {
      child.stdin.write(pcm.subarray(at, at + piece));
      // Hops of 160 samples whose 400-sample window is in.
      const complete = Math.floor((at + piece) / 2 / 160) - 2;
      if (complete > seen) {
        await linesBefore(complete);
        seen = complete;
      }
    }
    assert.ok(seen >= 85, `${seen} steps printed while the pipe was open`);
    child.stdin.end(pcm.subarray(Math.floor(pcm.length / piece) * piece));
    assert.equal(await closed, 0, stderr);
    const out = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const last = out.pop();
    assert.deepEqual(out, want.steps);
    assert.deepEqual(last, {
      model: 'gsc12-kws',
      input: '-',
      stepCount: want.steps.length,
      decision: want.decision,
      label: want.label,
      detections: want.detections,
    });
    assert.ok(want.detections.length > 0, 'the clip is detected');
  },
);

test('a WAV stream on stdin gives what the WAV file gives, in a table too', () => {
  const want = simFile();
  const run = simStdin(MODEL, readFileSync(CLIP), '--json');
  assert.equal(run.status, 0, String(run.stderr));
  const out = String(run.stdout)
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Step);
  assert.deepEqual(out.slice(0, -1), want.steps);
  const table = simStdin(MODEL, readFileSync(CLIP));
  assert.equal(table.status, 0, String(table.stderr));
  assert.match(String(table.stdout), /^step\s+top\s+yes\s+no/);
  // The last row as the file's run has it: the top class, then the first score.
  const last = want.steps[want.steps.length - 1];
  const top = last ? last.scores.indexOf(Math.max(...last.scores)) : -1;
  assert.match(String(table.stdout), new RegExp(`^97\\s+${GSC12_LABELS[top]}\\s+${last?.scores[0]}\\s`, 'm'));
  const detection = want.detections[0];
  assert.match(
    String(table.stdout),
    new RegExp(`^97 .*\\n\\ndetections: 1\\n  yes \\(class 0\\) at step ${detection?.step}`, 'm'),
  );
  // Live, each detection is printed as it happens, right after its step's row, also with -q.
  assert.match(
    String(table.stdout),
    new RegExp(`^${detection?.step} .*\\ndetection: yes \\(class 0\\) at step`, 'm'),
  );
  const quiet = simStdin(MODEL, readFileSync(CLIP), '-q');
  assert.deepEqual(
    String(quiet.stdout)
      .trim()
      .split('\n')
      .map((line) => line.split(' ')[0]),
    ['detection:', 'decision:'],
  );
  assert.match(String(table.stdout), /^decision: yes \(class 0, summed over steps 2\.\.97\)$/m);
});

test('stdin that does not fit: half a sample, another rate, a model without a front-end (exit 3)', () => {
  const odd = simStdin(MODEL, Buffer.alloc(3201));
  assert.equal(odd.status, 3);
  assert.match(String(odd.stderr), /stdin: ends inside a sample \(1 bytes left over\)/);
  const rate = simStdin(FSDD_MODEL, readFileSync(CLIP));
  assert.equal(rate.status, 3);
  assert.match(String(rate.stderr), /stdin is sampled at 16000 Hz; the front-end takes 8000 Hz/);
  const plain = simStdin(DEMO_MODEL, Buffer.alloc(10));
  assert.equal(plain.status, 3);
  assert.match(String(plain.stderr), /carries no audio front-end/);
});
