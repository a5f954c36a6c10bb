/**
 * A slow but healthy board (a step takes tens of ms, as under WAMR's classic interpreter): the host
 * learns its pace from the first frames and waits for it, so a stream sees no retry even when a
 * frame's steps take longer than the docs' 500 ms timeout, while a lost frame is still resent.
 * The board is the real device (wired-board.ts), each SPIKES frame held back for its steps' time
 * before the device runs it: frames behind it wait too, as on a board busy with one frame.
 */

import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { BoardClient } from '../../host/protocol/client.js';
import type { Frame } from '../../host/protocol/frame.js';
import { MessageType } from '../../host/protocol/messages.js';
import { flashModel } from '../../host/protocol/upload.js';
import { runStream } from '../../host/protocol/stream.js';
import { MemoryTransport } from '../../host/transport/memory.js';
import { Prng } from '../../host/util/prng.js';
import { sleep } from '../../host/util/sleep.js';
import { boardModel, expectedRun, WiredBoard } from './wired-board.js';

const MODEL = boardModel({ hidden: 11, seed: 5 }).bytes;
/** The board's time per step: 25 ms, so a frame of 20 steps or more outlasts the docs' 500 ms. */
const STEP_MS = 25;
const DOCS_TIMEOUT_MS = 500;

function train(steps: number, seed = 3, inputs = 16): number[][] {
  const prng = new Prng(seed);
  return Array.from({ length: steps }, () =>
    Array.from({ length: prng.int(3) }, () => prng.int(inputs)).sort((a, b) => a - b),
  );
}

const spikesSteps = (f: Frame): number => f.payload[4] ?? 0;
const spikesFirst = (f: Frame): number =>
  new DataView(f.payload.buffer, f.payload.byteOffset, f.payload.byteLength).getUint32(0, true);

async function slowBoard(): Promise<{ board: WiredBoard; client: BoardClient }> {
  const board = new WiredBoard({ maxFrame: 128 });
  const [setupHost, setupEnd] = MemoryTransport.pair();
  board.attach(setupEnd);
  const setup = await BoardClient.connect(setupHost, { firstSeq: 0 });
  assert.ok((await flashModel(setup, MODEL)).ok);
  await setup.close();
  board.clearLog();
  board.onRequest = (f) =>
    f.type === MessageType.SPIKES
      ? sleep(spikesSteps(f) * STEP_MS).then(() => 'deliver' as const)
      : 'deliver';
  const [host, boardEnd] = MemoryTransport.pair();
  board.attach(boardEnd);
  return { board, client: await BoardClient.connect(host, { firstSeq: 0 }) };
}

function assertRanOnce(board: WiredBoard, steps: number): void {
  assert.deepEqual(
    board.stepsRun(),
    Array.from({ length: steps }, (_, i) => i),
    'every step ran exactly once, in order',
  );
}

describe('a slow board', () => {
  it('streams with no retry and no timeout when its frames outlast the docs timeout', async () => {
    const { board, client } = await slowBoard();
    const input = train(160);
    const { steps, summary } = await runStream(client, { steps: input });
    assert.ok(summary.ok, JSON.stringify(summary));
    const frames = board.arrivedOf(MessageType.SPIKES);
    assert.equal(spikesSteps(frames[0]), 1, 'the first frame probes the pace with one step');
    const longest = Math.max(...frames.map(spikesSteps));
    assert.ok(longest * STEP_MS > 2 * DOCS_TIMEOUT_MS, `frames of ${longest} steps outlast the timeout`);
    assert.deepEqual(
      [summary.stats.framesRetried, summary.stats.timeouts, client.stats.retries, client.stats.timeouts],
      [0, 0, 0, 0],
    );
    assertRanOnce(board, input.length);
    const expected = expectedRun(MODEL, input);
    assert.deepEqual(
      steps.map((s) => (s.lost ? null : s.decision)),
      expected.map((r) => r.decision),
    );
    assert.equal(summary.stats.latencyMs.samples, frames.length);
    await client.close();
  });

  it('still resends a lost last frame after one timeout, and keeps counting latency', async () => {
    const { board, client } = await slowBoard();
    const input = train(120, 4);
    const slow = board.onRequest;
    let dropped: Frame | undefined;
    // The frame that ends the stream, the first time it comes: no later frame shows the gap.
    board.onRequest = (f) => {
      if (f.type === MessageType.SPIKES && !dropped && spikesFirst(f) + spikesSteps(f) === input.length) {
        dropped = f;
        return 'drop';
      }
      return slow(f);
    };
    const { summary } = await runStream(client, { steps: input });
    assert.ok(summary.ok, JSON.stringify(summary));
    assert.ok(dropped, 'the last frame was lost once');
    assert.equal(summary.stats.timeouts, 1, 'one timeout, then the resend got through');
    assert.ok(summary.stats.framesRetried >= 1);
    assertRanOnce(board, input.length);
    assert.ok(summary.stats.latencyMs.samples > 0 && summary.stats.latencyMs.p99 !== null);
    await client.close();
  });
});

describe('latency when every frame was resent', () => {
  it('reports the percentiles of the resent frames rather than none', async () => {
    const board = new WiredBoard({ maxFrame: 128 });
    const [setupHost, setupEnd] = MemoryTransport.pair();
    board.attach(setupEnd);
    const client = await BoardClient.connect(setupHost, { firstSeq: 0, timeScale: 0.1, adaptive: false });
    assert.ok((await flashModel(client, MODEL)).ok);
    board.clearLog();
    let spikes = 0;
    // The stream's one frame is lost the first time: its only ack is of a resent frame.
    board.onRequest = (f) => (f.type === MessageType.SPIKES && ++spikes === 1 ? 'drop' : 'deliver');
    const { summary } = await runStream(client, { steps: train(10) });
    assert.ok(summary.ok);
    assert.equal(board.arrivedOf(MessageType.SPIKES).length, 2, 'one frame, sent twice');
    assert.equal(summary.stats.framesRetried, 1);
    assert.equal(summary.stats.latencyMs.samples, 1);
    assert.ok(summary.stats.latencyMs.p50 !== null);
    await client.close();
  });
});
