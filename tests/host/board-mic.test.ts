/**
 * Watching a board listen to its own microphone (`--board-mic`, a SOURCE_MIC stream), end to end
 * over a real pty with the virtual board's `--mic`: `stream --board-mic --json` gives the steps,
 * scores and detection `hetsyn sim` computes for the same clip, Ctrl-C stops it cleanly with
 * STREAM_STOP, `monitor --board-mic` prints the board's detection, a board without a microphone is reported once, and
 * `info` says when a board listens on its own.
 */

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { streamBoardMic } from '../../host/protocol/board-mic.js';
import { BoardClient } from '../../host/protocol/client.js';
import type { StreamStep } from '../../host/protocol/stream.js';
import { SerialTransport } from '../../host/transport/serial.js';
import { sleep } from '../../host/util/sleep.js';
import {
  boardInfo,
  CLI,
  hetsyn,
  ROOT,
  startBoard,
  tempDir,
  type Run,
  type SimStep,
} from './serial-helpers.js';
import { PTY, withTools } from './tools.js';
import { MemoryTransport } from '../../host/transport/memory.js';
import { writeHsm } from '../../host/model/hsm-writer.js';
import { MessageType } from '../../host/protocol/messages.js';
import type { MicPort } from '../../host/wasm/board-imports.js';
import { openEngine } from '../../host/wasm/module.js';
import { flashModel } from '../../host/protocol/upload.js';
import { audioModel, GSC12_YES_CLIP, Rng } from './fixtures.js';
import { WiredBoard } from './wired-board.js';

const MODEL = join(ROOT, 'models/gsc12-kws.hsm');
const YES = GSC12_YES_CLIP;

const { dir, remove } = tempDir('hetsyn-board-mic-');
after(remove);

interface StreamLine extends Partial<SimStep> {
  t: number;
  lost?: true;
  stepUs?: number;
}

let simSteps: SimStep[] | undefined;
async function simOfYes(): Promise<SimStep[]> {
  if (!simSteps) {
    const run = await hetsyn(['sim', MODEL, YES, '--json']);
    assert.equal(run.code, 0, run.stderr);
    simSteps = (JSON.parse(run.stdout) as { steps: SimStep[] }).steps;
  }
  return simSteps;
}

/** A virtual board with gsc12-kws flashed over its port and `mic` as its microphone. */
async function flashedBoard(name: string, mic: string[]): ReturnType<typeof startBoard> {
  const board = await startBoard(join(dir, `${name}.bin`), mic);
  const run = await hetsyn(['flash', MODEL, '--port', board.port]);
  assert.equal(run.code, 0, run.stderr);
  return board;
}

/** Runs `hetsyn ARGS` and sends it SIGINT once `ready(stdout)` holds; its run. */
async function interrupted(args: string[], ready: (stdout: string) => boolean, what: string): Promise<Run> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((done) => child.on('exit', done));
  let running = true;
  void exited.then(() => (running = false));
  const end = Date.now() + 30_000;
  while (running && !ready(stdout)) {
    if (Date.now() > end) {
      child.kill('SIGKILL');
      assert.fail(`gave up waiting for ${what}\n${stderr}`);
    }
    await sleep(20);
  }
  child.kill('SIGINT');
  return { code: await exited, stdout, stderr };
}

function lines(stdout: string): StreamLine[] {
  return stdout
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as StreamLine);
}

/** What sim says of each step the stream reports, in the stream's shape. */
function asStreamed(steps: readonly StreamLine[]): unknown[] {
  return steps.map(({ t, scores, decision, detection }) => ({
    t,
    scores,
    decision,
    ...(detection ? { detection } : {}),
  }));
}

describe('hetsyn stream/monitor --board-mic', { concurrency: false }, () => {
  it(
    'stream --json gives the steps, scores and detection of hetsyn sim; Ctrl-C stops it with STREAM_STOP, exit 0',
    withTools([PTY], async () => {
      const want = await simOfYes();
      assert.equal(want.filter((s) => s.detection).length, 1, 'sim detects the yes');
      const board = await flashedBoard('fast', ['--mic', YES, '--mic-fast']);
      try {
        const run = await interrupted(
          ['stream', '--port', board.port, '--board-mic', '--json', '--scores'],
          (stdout) => stdout.split('\n').length > want.length,
          `${want.length} steps`,
        );
        assert.equal(run.code, 0, run.stderr);
        const got = lines(run.stdout);
        assert.ok(
          got.every((s) => !s.lost && typeof s.stepUs === 'number'),
          'no result lost on a clean line',
        );
        assert.deepEqual(asStreamed(got), want);
        assert.match(run.stderr, /decision: 0 after 98 steps \(stopped early\)/);
        assert.match(run.stderr, /98 steps from the board's microphone, 0 results lost/);
        assert.match(run.stderr, /^1 detections$/m);
        // The board got STREAM_STOP: it streams no more.
        assert.equal((await boardInfo(board.port)).streaming, false);
      } finally {
        await board.stop();
      }
    }),
  );

  it(
    'stream --seconds stops by itself; in real time the steps are the first of the clip',
    withTools([PTY], async () => {
      const want = await simOfYes();
      const board = await flashedBoard('real-time', ['--mic', YES]);
      try {
        const run = await hetsyn([
          'stream',
          '--port',
          board.port,
          '--board-mic',
          '--json',
          '--scores',
          '--seconds',
          '0.4',
        ]);
        assert.equal(run.code, 0, run.stderr);
        const got = lines(run.stdout);
        assert.ok(got.length > 0 && got.length < want.length, `${got.length} steps in 0.4 s of a 1 s clip`);
        assert.deepEqual(asStreamed(got), want.slice(0, got.length));
        assert.doesNotMatch(run.stderr, /stopped early/);
      } finally {
        await board.stop();
      }
    }),
  );

  it(
    "monitor --plain prints the board's detection and stops cleanly at Ctrl-C",
    withTools([PTY], async () => {
      const detection = (await simOfYes()).find((s) => s.detection)?.detection;
      assert.ok(detection);
      const board = await flashedBoard('monitor', ['--mic', YES, '--mic-fast']);
      try {
        const run = await interrupted(
          ['monitor', '--port', board.port, '--board-mic', '--plain', '--model', MODEL],
          (stdout) => stdout.includes('detected'),
          'the detection',
        );
        assert.equal(run.code, 0, run.stderr);
        assert.match(
          run.stdout,
          new RegExp(`step ${detection.step}: detected yes \\(class 0\\), score ${detection.score}`),
        );
        assert.match(run.stderr, /1 detections/);
        assert.equal((await boardInfo(board.port)).streaming, false);
      } finally {
        await board.stop();
      }
    }),
  );

  it(
    'says once that a board without a microphone sends no steps',
    withTools([PTY], async () => {
      const board = await flashedBoard('silent', []);
      const client = await BoardClient.connect(await SerialTransport.open(board.port));
      try {
        const notes: string[] = [];
        const steps: StreamStep[] = [];
        const stream = streamBoardMic(client, {
          quietMs: 150,
          durationMs: 700,
          onNote: (m) => notes.push(m),
        });
        let item = await stream.next();
        for (; !item.done; item = await stream.next()) steps.push(item.value);
        assert.ok(item.value.ok);
        assert.deepEqual([steps.length, item.value.stopped.steps, item.value.aborted], [0, 0, false]);
        assert.deepEqual(notes, [
          "no step from the board's microphone for 0.15 s (a board without a microphone runs none)",
        ]);
      } finally {
        await client.close();
        await board.stop();
      }
    }),
  );

  it(
    'info says when a board listens on its own',
    withTools([PTY], async () => {
      const storage = join(dir, 'alone.bin');
      await (await flashedBoard('alone', [])).stop();
      const board = await startBoard(storage, ['--mic', YES, '--mic-fast']);
      try {
        const info = await hetsyn(['info', '--port', board.port]);
        assert.equal(info.code, 0, info.stderr);
        assert.match(info.stdout, /^state +listening on its own/m);
        assert.equal((await boardInfo(board.port)).listening, true);
      } finally {
        await board.stop();
      }
    }),
  );

  it('refuses --board-mic with an INPUT, neither, and --seconds without --board-mic (exit 2)', async () => {
    for (const [args, message] of [
      [['stream', YES, '--board-mic'], /--board-mic streams the board's own microphone and takes no INPUT/],
      [['monitor', YES, '--board-mic'], /takes no INPUT/],
      [['stream'], /missing INPUT .*or --board-mic/],
      [['stream', YES, '--seconds', '2'], /--seconds limits a --board-mic stream/],
      [['monitor', '--board-mic', '--loop'], /the board's microphone cannot be read twice/],
    ] as const) {
      const run = await hetsyn([...args, '--port', join(dir, 'no-such-port')]);
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, message);
    }
  });
});

describe('streamBoardMic', () => {
  it('stops a start whose STREAMING was lost before starting again, and keeps only the new one', async () => {
    const model = audioModel(['yes', 'no']);
    const bytes = writeHsm(model);
    const rng = new Rng(5);
    const noise = (): Int16Array => Int16Array.from({ length: 4000 }, () => rng.range(-8000, 8000));
    const [first, second] = [noise(), noise()];
    let queued: Int16Array = new Int16Array(0);
    const mic: MicPort = {
      read: (max) => {
        const taken = queued.subarray(0, max);
        queued = queued.subarray(taken.length);
        return taken;
      },
    };
    const board = new WiredBoard({ mic, slotBytes: 8192 });
    const [host, boardEnd] = MemoryTransport.pair();
    board.attach(boardEnd);
    const client = await BoardClient.connect(host, { timeScale: 0.1, firstSeq: 0, adaptive: false });
    try {
      assert.ok((await flashModel(client, bytes)).ok);
      // The first STREAMING is lost after the board ran the first audio; the retry hears the second.
      let streamings = 0;
      board.onReply = (frame) =>
        frame.type === MessageType.STREAMING && streamings++ === 0 ? 'drop' : 'deliver';
      let starts = 0;
      board.onRequest = (frame) => {
        if (frame.type === MessageType.STREAM_START && ++starts === 2) queued = second;
        return 'deliver';
      };
      queued = first;
      const steps: StreamStep[] = [];
      const stream = streamBoardMic(client, { scores: true, durationMs: 300 });
      let item = await stream.next();
      for (; !item.done; item = await stream.next()) steps.push(item.value);
      assert.ok(item.value.ok);
      assert.deepEqual(
        board.arrived.filter((f) => f.type >= MessageType.STREAM_START).map((f) => f.type),
        [
          MessageType.STREAM_START,
          MessageType.STREAM_STOP,
          MessageType.STREAM_START,
          MessageType.STREAM_STOP,
        ],
        'the lost start stopped before the second',
      );

      const engine = openEngine();
      engine.load(bytes);
      if (model.frontend === undefined) throw new Error('audioModel has a front-end');
      engine.frontendConfigure(model.frontend);
      const want = engine.encodeAudio(second, Infinity).map((active) => {
        engine.step(active);
        return Array.from(engine.scores());
      });
      assert.ok(want.length > 10 && board.stepsRun().length > 2 * want.length - 5, 'both starts ran');
      assert.deepEqual(
        steps.map((s) => (s.lost ? 'lost' : s.scores)),
        want,
      );
      assert.equal(item.value.stopped.steps, want.length);
      assert.equal(item.value.stats.resultsLost, 0);
    } finally {
      await client.close();
    }
  });
});
