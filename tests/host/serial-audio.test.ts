/**
 * Audio into a board over a real pseudo-terminal: `hetsyn stream` sends a WAV (or stdin) as PCM in
 * AUDIO frames to `hetsyn board`, whose own front-end encodes it; every step and detection equals
 * `hetsyn sim` on the same audio, bit for bit, at two max-frame sizes, from stdin, with
 * --host-encode (SPIKES frames), and, for every result that arrives, under 1% line noise.
 */

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { encodeWav, parseWav } from '../../host/audio/wav.js';
import { eagerGsc12, Rng } from './fixtures.js';
import {
  CLI,
  hetsyn,
  parseStreamLines,
  ROOT,
  startBoard,
  tempDir,
  type Run,
  type SimStep,
} from './serial-helpers.js';
import type { Detection } from '../../host/model/detection.js';
import { PTY, withTools } from './tools.js';

const { dir, remove } = tempDir('hetsyn-audio-');
test.after(remove);

const SAMPLES = join(ROOT, 'models/samples/gsc12');

/** Several detections to compare: the shipped network with a detector that fires on most words. */
const MODEL = eagerGsc12(join(dir, 'gsc12-eager.hsm'));
/** Four words of the shipped samples spliced into quiet noise, 0.4 s between them. */
function keywordStream(): Int16Array {
  const rng = new Rng(3);
  const gap = (): number[] => Array.from({ length: 6400 }, () => rng.range(-60, 60));
  const parts: number[] = gap();
  for (const [word, take] of [
    ['yes', 0],
    ['stop', 0],
    ['no', 0],
    ['yes', 1],
  ] as const) {
    const clip = readdirSync(join(SAMPLES, word)).sort()[take] ?? '';
    parts.push(...parseWav(readFileSync(join(SAMPLES, word, clip))).samples, ...gap());
  }
  return Int16Array.from(parts);
}

const STREAM = join(dir, 'keywords.wav');
const samples = keywordStream();
writeFileSync(STREAM, encodeWav(samples, 16000));

async function expected(): Promise<SimStep[]> {
  const run = await hetsyn(['sim', MODEL, STREAM, '--json']);
  assert.equal(run.code, 0, run.stderr);
  return (JSON.parse(run.stdout) as { steps: SimStep[] }).steps;
}

/** The board's detections as the stream reports them, against the sim's: class and step. */
function detections(steps: { detection?: Detection }[]): [number, number][] {
  return steps.flatMap((s) =>
    s.detection ? [[s.detection.label, s.detection.step] as [number, number]] : [],
  );
}

/** A board on its own storage with gsc12-kws flashed, started with `extra` options. */
async function boardWithModel(
  name: string,
  extra: string[],
): Promise<Awaited<ReturnType<typeof startBoard>>> {
  const storage = join(dir, `${name}.bin`);
  const clean = await startBoard(storage);
  try {
    const flashed = await hetsyn(['flash', MODEL, '--port', clean.port]);
    assert.equal(flashed.code, 0, flashed.stderr);
  } finally {
    await clean.stop();
  }
  return startBoard(storage, extra);
}

function assertExact(run: Run, want: SimStep[], frames: string): void {
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, new RegExp(`0 results lost, \\d+ ${frames} frames sent`));
  const got = parseStreamLines(run.stdout);
  assert.equal(got.length, want.length);
  got.forEach((step, t) =>
    assert.deepEqual(
      [step.t, step.scores, step.decision],
      [t, want[t]?.scores, want[t]?.decision],
      `step ${t}`,
    ),
  );
  assert.deepEqual(detections(got as { detection?: Detection }[]), detections(want));
}

test(
  'a keyword stream to the board in AUDIO frames equals hetsyn sim, steps and detections',
  withTools([PTY], async () => {
    const want = await expected();
    assert.ok(detections(want).length >= 2, `the stream has detections: ${JSON.stringify(detections(want))}`);
    for (const maxFrame of ['96', '256']) {
      const board = await boardWithModel(`frame-${maxFrame}`, ['--max-frame', maxFrame]);
      try {
        const run = await hetsyn([
          'stream',
          STREAM,
          '--port',
          board.port,
          '--model',
          MODEL,
          '--json',
          '--scores',
        ]);
        assertExact(run, want, 'AUDIO');
        const [, sent, retried] = /(\d+) AUDIO frames sent \((\d+) retried/.exec(run.stderr) ?? [];
        // Full frames: maxFrame less type, seq and CRC (4 bytes) and firstSample (4), in 16-bit
        // samples. A resend after a timeout (a busy machine) goes in smaller frames, so more of them.
        const full = Math.ceil(samples.length / Math.floor((Number(maxFrame) - 4 - 4) / 2));
        if (Number(retried) === 0) assert.equal(Number(sent), full, run.stderr);
        else assert.ok(Number(sent) > full, run.stderr);
      } finally {
        await board.stop();
      }
    }
  }),
);

test(
  'stdin: raw PCM piped into stream - gives the same; --host-encode sends SPIKES with the same results',
  withTools([PTY], async () => {
    const want = await expected();
    const board = await boardWithModel('stdin', []);
    try {
      const pcm = Buffer.alloc(2 * samples.length);
      samples.forEach((s, i) => pcm.writeInt16LE(s, 2 * i));
      for (const extra of [[], ['--host-encode']]) {
        const child = spawn(process.execPath, [
          CLI,
          'stream',
          '-',
          '--port',
          board.port,
          '--model',
          MODEL,
          '--json',
          '--scores',
          ...extra,
        ]);
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        const code = new Promise<number | null>((resolve) => child.on('close', resolve));
        // In pieces, as a recorder writes.
        for (let at = 0; at < pcm.length; at += 6401) child.stdin.write(pcm.subarray(at, at + 6401));
        child.stdin.end();
        assertExact({ code: await code, stdout, stderr }, want, extra.length ? 'SPIKES' : 'AUDIO');
      }
    } finally {
      await board.stop();
    }
  }),
);

test(
  'AUDIO under 1% line noise: every step accounted for, every result that arrives exact, the same detections',
  withTools([PTY], async () => {
    const want = await expected();
    // Small frames: at 1% damaged bytes a 250-byte AUDIO frame arrives whole 8% of the time, a 96-byte one 38%.
    const board = await boardWithModel('noise', [
      '--max-frame',
      '96',
      '--drop',
      '0.005',
      '--corrupt',
      '0.005',
      '--seed',
      '7',
    ]);
    try {
      const run = await hetsyn(
        ['stream', STREAM, '--port', board.port, '--model', MODEL, '--json', '--scores'],
        {
          timeoutMs: 120_000,
        },
      );
      assert.equal(run.code, 0, run.stderr);
      const lines = parseStreamLines(run.stdout);
      const got = lines.filter((s) => s.t !== undefined);
      assert.deepEqual(
        got.map((s) => s.t),
        want.map((s) => s.t),
      );
      const arrived = got.filter((s) => !s.lost);
      assert.ok(
        arrived.length >= want.length * 0.25,
        `only ${arrived.length} of ${want.length} results arrived`,
      );
      assert.ok(arrived.length < want.length, 'the noise did damage some results');
      for (const step of arrived) {
        assert.deepEqual(
          [step.scores, step.decision],
          [want[step.t]?.scores, want[step.t]?.decision],
          `step ${step.t}`,
        );
      }
      assert.match(run.stderr, /[1-9]\d* retried/, 'lost AUDIO frames were sent again');
      // Every RESULT repeats the latest detection and STOPPED carries it too (a last JSON line when
      // only the stop brought it), so the noise loses none: the same events as the sim, in order.
      assert.deepEqual(detections(lines as { detection?: Detection }[]), detections(want));
    } finally {
      await board.stop();
    }
  }),
);

test(
  'monitor takes audio as AUDIO frames, from a file or stdin, with or without --model: its log equals hetsyn sim',
  withTools([PTY], async () => {
    const want = await expected();
    const board = await boardWithModel('monitor', []);
    try {
      const pcm = Buffer.alloc(2 * samples.length);
      samples.forEach((s, i) => pcm.writeInt16LE(s, 2 * i));
      for (const input of [STREAM, '-']) {
        const log = join(dir, `monitor-${input === '-' ? 'stdin' : 'file'}.jsonl`);
        const args = [
          'monitor',
          input,
          '--port',
          board.port,
          // From stdin without --model: the board's INFO gives the front-end.
          ...(input === '-' ? [] : ['--model', MODEL]),
          '--plain',
          '--rate',
          '0',
          '--log',
          log,
        ];
        const child = spawn(process.execPath, [CLI, ...args]);
        let stderr = '';
        child.stdout.resume();
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        const code = new Promise<number | null>((resolve) => child.on('close', resolve));
        child.stdin.end(input === '-' ? pcm : undefined);
        assert.equal(await code, 0, stderr);
        const got = parseStreamLines(readFileSync(log, 'utf8'));
        assert.equal(got.length, want.length, input);
        got.forEach((step, t) =>
          assert.deepEqual(
            [step.scores, step.decision],
            [want[t]?.scores, want[t]?.decision],
            `${input} step ${t}`,
          ),
        );
        assert.deepEqual(detections(got as { detection?: Detection }[]), detections(want), input);
      }
      const loop = await hetsyn(['monitor', '-', '--port', board.port, '--model', MODEL, '--loop']);
      assert.equal(loop.code, 2);
      assert.match(loop.stderr, /--loop streams a file again; stdin \(-\) cannot be read twice/);
    } finally {
      await board.stop();
    }
  }),
);
