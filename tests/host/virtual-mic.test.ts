/**
 * The virtual board's microphone (`hetsyn board --mic`): a WAV file or raw PCM on stdin, paced in
 * real time at the model's rate or as fast as read. End to end over a real pty: a host's
 * SOURCE_MIC stream gets the RESULTs and detections `hetsyn sim` computes for the same clip, bit for
 * bit; raw PCM written slowly into stdin gives results before the pipe closes; and a board that
 * starts with a stored front-end model listens to its microphone on its own and logs what it hears.
 */

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, describe, it } from 'node:test';
import { readWav } from '../../host/audio/read-wav.js';
import { openMicInput, STDIN_BACKLOG_SAMPLES } from '../../host/board/mic-input.js';
import { PacedMic, PcmQueue } from '../../host/board/mic.js';
import { startVirtualBoard } from '../../host/board/virtual-board.js';
import { BoardClient } from '../../host/protocol/client.js';
import { decodeResult, Report, type Detection, type StepResult } from '../../host/protocol/messages.js';
import { SerialTransport } from '../../host/transport/serial.js';
import { sleep } from '../../host/util/sleep.js';
import { CLI, ROOT, hetsyn, startBoard, tempDir, type SimStep } from './serial-helpers.js';
import { GSC12_YES_CLIP } from './fixtures.js';
import { PTY, withTools } from './tools.js';

const MODEL = join(ROOT, 'models/gsc12-kws.hsm');
const YES = GSC12_YES_CLIP;
const NO = join(ROOT, 'models/samples/gsc12/no/24ad3ebe_nohash_0.wav');

const { dir, remove } = tempDir('hetsyn-mic-');
after(remove);

interface SimRun {
  steps: SimStep[];
  detections: Detection[];
}

async function simRun(clip: string): Promise<SimRun> {
  const run = await hetsyn(['sim', MODEL, clip, '--json']);
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(run.stdout) as SimRun;
}

/** Waits for `done`, checking every 20 ms; fails after `ms` with `what`. */
async function until(done: () => boolean, what: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!done()) {
    if (Date.now() > end) assert.fail(`gave up waiting for ${what}`);
    await sleep(20);
  }
}

/** A host on the board's port that has started a SOURCE_MIC stream with scores; its RESULTs. */
async function micStream(port: string): Promise<{
  results: StepResult[];
  seqs: Set<number>;
  stop: () => Promise<{ steps: number; decision: number }>;
}> {
  const transport = await SerialTransport.open(port);
  const client = await BoardClient.connect(transport);
  const results: StepResult[] = [];
  const seqs = new Set<number>();
  client.onResult((frame) => {
    seqs.add(frame.seq);
    results.push(decodeResult(frame.payload, { report: Report.scores, classes: 12 }));
  });
  const started = await client.streamStart(Report.scores | Report.mic, 0);
  assert.ok(started.ok, started.ok ? '' : started.error.message);
  return {
    results,
    seqs,
    stop: async () => {
      const stopped = await client.streamStop();
      await client.close();
      assert.ok(stopped.ok, stopped.ok ? '' : stopped.error.message);
      return stopped.reply;
    },
  };
}

/** Step for step; a RESULT whose detection count grew made the detection it carries. */
function assertSameRun(got: StepResult[], want: SimRun, what: string): void {
  assert.deepEqual(
    got.map((r, i) => ({
      t: r.step,
      scores: r.scores,
      decision: r.decision,
      ...((r.detections ?? 0) > (got[i - 1]?.detections ?? 0) ? { detection: r.lastDetection } : {}),
    })),
    want.steps,
    what,
  );
}

async function flash(port: string): Promise<void> {
  const run = await hetsyn(['flash', MODEL, '--port', port]);
  assert.equal(run.code, 0, run.stderr);
}

describe('the microphone of the virtual board', () => {
  it('paces a queue at the model rate from the first read, and is silent for a model of another rate', () => {
    const queue = new PcmQueue();
    queue.push(Int16Array.from({ length: 100 }, (_, i) => i));
    queue.push(Int16Array.from({ length: 100 }, (_, i) => 100 + i));
    queue.end();
    let now = 7_000_000;
    let rate = 16000;
    const log: string[] = [];
    const mic = new PacedMic(queue, {
      modelRateHz: () => rate,
      sourceRateHz: 16000,
      nowUs: () => now,
      log: (line) => log.push(line),
    });
    assert.equal(mic.read(50).length, 0, 'it starts playing now');
    now += 1000;
    assert.deepEqual(
      Array.from(mic.read(50)),
      Array.from({ length: 16 }, (_, i) => i),
    );
    now += 10_000;
    assert.equal(mic.read(150).length, 150, 'across two pushes');
    assert.equal(mic.read(150).length, 10, 'a board behind gets the backlog');
    now += 1_000_000;
    assert.equal(mic.read(1000).length, 24, 'up to the end');
    assert.ok(queue.drained);
    rate = 8000;
    assert.equal(mic.read(10).length, 0);
    assert.equal(mic.read(10).length, 0);
    assert.deepEqual(log, [
      "mic: the audio is 16000 Hz, the model's front-end takes 8000 Hz: the microphone stays silent",
    ]);
    assert.equal(mic.delivered, 200);

    const fast = new PcmQueue();
    fast.push(new Int16Array(5000));
    const unpaced = new PacedMic(fast, { paced: false, modelRateHz: () => 16000, nowUs: () => 0 });
    assert.equal(unpaced.read(4000).length, 4000, 'as fast as read');
    assert.equal(new PacedMic(fast, { modelRateHz: () => 0, nowUs: () => 0 }).read(10).length, 0, 'no model');
  });

  it('takes raw S16LE from stdin as it comes, half samples included, and holds back a fast writer', async () => {
    const stdin = new PassThrough();
    const notes: string[] = [];
    const input = openMicInput('-', stdin, (line) => notes.push(line));
    assert.equal(input.sourceRateHz, undefined, 'raw PCM plays at the model rate');
    stdin.write(Buffer.from([0x01, 0x02, 0x03]));
    await sleep(0);
    assert.deepEqual(Array.from(input.queue.take(10)), [0x0201]);
    stdin.write(Buffer.from([0xff]));
    await sleep(0);
    assert.deepEqual(Array.from(input.queue.take(10)), [-253]);
    stdin.write(Buffer.alloc(2 * STDIN_BACKLOG_SAMPLES));
    await sleep(0);
    assert.ok(stdin.isPaused(), 'a minute waiting: stdin paused');
    input.queue.take(STDIN_BACKLOG_SAMPLES / 2 + 1);
    assert.ok(!stdin.isPaused(), 'resumed once half is taken');
    stdin.end();
    await until(() => notes.length > 0, 'the end of stdin');
    assert.deepEqual(notes, ['mic: end of standard input']);
    input.queue.take(STDIN_BACKLOG_SAMPLES);
    assert.ok(input.queue.drained);
  });

  it('refuses a missing microphone file (exit 3) and --mic-fast without --mic (exit 2)', async () => {
    const missing = await hetsyn(['board', '--mic', join(dir, 'none.wav')]);
    assert.equal(missing.code, 3, missing.stderr);
    assert.match(missing.stderr, /cannot read microphone file .*none\.wav: no such file/);
    const fast = await hetsyn(['board', '--mic-fast']);
    assert.equal(fast.code, 2, fast.stderr);
    assert.match(fast.stderr, /--mic-fast needs --mic/);
  });
});

describe('a SOURCE_MIC stream from hetsyn board --mic', { concurrency: false }, () => {
  for (const [index, [clip, mode]] of (
    [
      [YES, ['--mic-fast']],
      [NO, ['--mic-fast']],
      [YES, []],
    ] as const
  ).entries()) {
    const name = `${clip.split('/').slice(-2).join('/')} ${mode.length ? 'as fast as read' : 'in real time'}`;
    it(
      `equals hetsyn sim on the clip, step for step: ${name}`,
      withTools([PTY], async () => {
        const want = await simRun(clip);
        // A fresh storage each: a board that starts with the model stored hears the clip on its own.
        const board = await startBoard(join(dir, `stream-${index}.bin`), ['--mic', clip, ...mode]);
        try {
          await flash(board.port);
          const stream = await micStream(board.port);
          await until(() => stream.results.length >= want.steps.length, `${want.steps.length} RESULTs`);
          const stopped = await stream.stop();
          assertSameRun(stream.results, want, name);
          assert.equal(stream.seqs.size, 1, 'every RESULT carries the STREAM_START seq');
          assert.deepEqual(
            [stopped.steps, stopped.decision],
            [want.steps.length, want.steps.at(-1)?.decision],
          );
        } finally {
          await board.stop();
        }
        // Every sample the steps needed was taken; in real time the clip's tail past the last whole
        // hop may still be playing when the stream stops.
        const taken = Number(/(\d+) microphone samples taken/.exec(board.stderr())?.[1]);
        const total = readWav(clip).samples.length;
        const needed = (want.steps.length - 1) * 160 + 400;
        assert.ok(
          taken >= needed && taken <= total,
          `${taken} samples taken, ${needed} needed, ${total} in the clip`,
        );
        if (mode.length > 0) assert.equal(taken, total, 'as fast as read: all of it');
      }),
    );
  }

  it(
    'takes raw PCM written slowly into stdin (--mic -), with results before the pipe closes',
    withTools([PTY], async () => {
      const want = await simRun(YES);
      const pcm = readWav(YES).samples;
      const child = spawn(
        process.execPath,
        [CLI, 'board', '--storage', join(dir, 'stdin.bin'), '--no-board-log', '--mic', '-', '--mic-fast'],
        { stdio: ['pipe', 'pipe', 'pipe'] },
      );
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((done) => child.on('exit', done));
      try {
        const port = await new Promise<string>((resolve, reject) => {
          child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim()));
          child.once('exit', () => reject(new Error(`hetsyn board exited\n${stderr}`)));
        });
        await flash(port);
        const stream = await micStream(port);
        const bytes = Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength);
        // An odd cut: a sample is split across two writes.
        const half = Math.floor(bytes.length / 2) + 1;
        child.stdin.write(bytes.subarray(0, half));
        await until(() => stream.results.length > 10, 'RESULTs from the first half');
        assert.ok(stream.results.length < want.steps.length, 'not every step from half the audio');
        child.stdin.end(bytes.subarray(half));
        await until(() => stream.results.length >= want.steps.length, `${want.steps.length} RESULTs`);
        await stream.stop();
        assertSameRun(stream.results, want, 'stdin');
      } finally {
        child.kill('SIGTERM');
        await exited;
      }
      assert.match(stderr, /mic: end of standard input/);
    }),
  );

  it(
    'listens on its own when it starts with a stored front-end model, and still answers a host',
    withTools([PTY], async () => {
      const storagePath = join(dir, 'alone.bin');
      const first = await startBoard(storagePath);
      try {
        await flash(first.port);
      } finally {
        await first.stop();
      }
      const input = openMicInput(YES);
      const log: string[] = [];
      const board = await startVirtualBoard({
        storagePath,
        mic: { queue: input.queue, paced: false },
        log: (line) => log.push(line),
      });
      try {
        assert.ok(log.includes('board> hetsyn: listening; sample rate 16000'), log.join('\n'));
        await until(() => input.queue.drained, 'the clip heard');
        // What hetsyn sim detects in the clip, the board alone logs.
        const heard = (await simRun(YES)).detections.map((d) => `board> hetsyn: heard yes at step ${d.step}`);
        assert.equal(heard.length, 1, 'sim detects the yes once');
        await until(() => log.includes(heard[0] ?? ''), heard[0] ?? '');
        assert.deepEqual(
          log.filter((line) => line.includes('heard')),
          heard,
        );
        assert.equal(board.stats.micSamples, readWav(YES).samples.length);
        const info = await hetsyn(['info', '--port', board.path, '--json']);
        assert.equal(info.code, 0, info.stderr);
        assert.equal((JSON.parse(info.stdout) as { modelName: string }).modelName, 'gsc12-kws');
      } finally {
        await board.stop();
      }
    }),
  );
});
