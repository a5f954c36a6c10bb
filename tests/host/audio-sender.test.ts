/**
 * The AUDIO sender (host/protocol/audio-sender.ts, through stream.ts's one loop) against the real
 * device over the in-memory transport: frames as large as maxFrame allows, steps equal to the host's
 * own front-end and engine, go-back-N after a lost frame or a burst of lost acks and RESULTs (every
 * sample taken once), live input streamed as it arrives, and an input that fails at its end.
 */

import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { BoardClient } from '../../host/protocol/client.js';
import { flashModel } from '../../host/protocol/upload.js';
import { MessageType } from '../../host/protocol/messages.js';
import { AudioKind, streamAudio } from '../../host/protocol/audio-sender.js';
import type { StreamStep, StreamSummary } from '../../host/protocol/stream.js';
import { MemoryTransport } from '../../host/transport/memory.js';
import { writeHsm } from '../../host/model/hsm-writer.js';
import { openEngine } from '../../host/wasm/module.js';
import { simulate } from '../../host/sim/simulate.js';
import { InputError } from '../../host/util/input-error.js';
import { audioModel, Rng } from './fixtures.js';
import { WiredBoard } from './wired-board.js';

const MODEL = audioModel(['yes', 'no']);
const BYTES = writeHsm(MODEL);
if (MODEL.frontend === undefined) throw new Error('audioModel has a front-end');
const FRONTEND = MODEL.frontend;
/** Full, fixed timeouts where frames or retries are counted (a loaded machine must not add any). */
const STEADY = { timeScale: 1, firstSeq: 0, adaptive: false };
const FAST = { timeScale: 0.1, firstSeq: 0 };

function noise(count: number, seed: number): Int16Array {
  const rng = new Rng(seed);
  return Int16Array.from({ length: count }, () => rng.range(-8000, 8000));
}

/** What the board must report: the host's front-end and engine on the same samples. */
function expected(samples: Int16Array): { scores: number[]; decision: number }[] {
  const engine = openEngine();
  engine.loadOrThrow(BYTES);
  engine.frontendConfigure(FRONTEND);
  return simulate(engine, { steps: engine.encodeAudio(samples) });
}

async function boardClient(
  options: typeof STEADY | typeof FAST,
  maxFrame = 128,
): Promise<{ board: WiredBoard; client: BoardClient }> {
  const board = new WiredBoard({ maxFrame, slotBytes: 16384 });
  const [host, boardEnd] = MemoryTransport.pair();
  board.attach(boardEnd);
  const client = await BoardClient.connect(host, options);
  const outcome = await flashModel(client, BYTES);
  assert.ok(outcome.ok, JSON.stringify(outcome));
  board.clearLog();
  return { board, client };
}

async function run(
  client: BoardClient,
  input: Iterable<Int16Array> | AsyncIterable<Int16Array>,
  onStep: (step: StreamStep) => void = () => undefined,
): Promise<{ steps: StreamStep[]; summary: StreamSummary }> {
  const steps: StreamStep[] = [];
  const stream = streamAudio(client, input, FRONTEND, { scores: true, window: 4 });
  for (;;) {
    const item = await stream.next();
    if (item.done) return { steps, summary: item.value };
    steps.push(item.value);
    onStep(item.value);
  }
}

function assertExact(steps: StreamStep[], samples: Int16Array): void {
  const want = expected(samples);
  assert.deepEqual(
    steps.map((s) => s.t),
    want.map((_, t) => t),
  );
  for (const step of steps) {
    if (step.lost) continue;
    assert.deepEqual(
      [step.scores, step.decision],
      [want[step.t]?.scores, want[step.t]?.decision],
      `step ${step.t}`,
    );
  }
}

describe('AUDIO sender', () => {
  it('fills each frame to maxFrame and gives the host run, step for step', async () => {
    for (const maxFrame of [64, 200]) {
      const { board, client } = await boardClient(STEADY, maxFrame);
      const samples = noise(8000, 5);
      const { steps, summary } = await run(client, [samples]);
      assert.ok(summary.ok);
      assertExact(steps, samples);
      assert.ok(steps.every((s) => !s.lost));
      const perFrame = Math.floor((maxFrame - 4 - 4) / 2);
      const frames = board.arrivedOf(MessageType.AUDIO);
      assert.equal(frames.length, Math.ceil(samples.length / perFrame), `maxFrame ${maxFrame}`);
      assert.ok(frames.slice(0, -1).every((f) => f.payload.length === 4 + 2 * perFrame));
      assert.equal(summary.stopped.steps, steps.length);
      assert.equal(summary.stats.framesRetried, 0);
      await client.close();
    }
  });

  it('goes back N after a lost AUDIO frame and a burst of lost acks and RESULTs: each sample taken once', async () => {
    const { board, client } = await boardClient(FAST);
    let audio = 0;
    let acks = 0;
    board.onRequest = (f) => (f.type === MessageType.AUDIO && ++audio === 5 ? 'drop' : 'deliver');
    board.onReply = (f) => {
      if (f.type === MessageType.AUDIO_ACK) acks++;
      const silent = acks >= 20 && acks <= 24;
      return silent && (f.type === MessageType.AUDIO_ACK || f.type === MessageType.RESULT)
        ? 'drop'
        : 'deliver';
    };
    const samples = noise(12000, 6);
    const { steps, summary } = await run(client, [samples]);
    assert.ok(summary.ok);
    assertExact(steps, samples);
    assert.ok(
      steps.some((s) => s.lost),
      'the RESULTs lost in the burst are reported lost',
    );
    // The device ran every step once, in order.
    assert.deepEqual(
      board.stepsRun(),
      expected(samples).map((_, t) => t),
    );
    assert.ok(summary.stats.stepGaps >= 1, 'the lost frame showed as STEP_GAP');
    assert.ok(summary.stats.framesRetried >= 1);
    await client.close();
  });

  it('streams live input as it arrives: steps come back before the input has ended', async () => {
    const { client } = await boardClient(FAST);
    const samples = noise(6000, 7);
    let stepsSeen = 0;
    let more: (() => void) | undefined;
    async function* live(): AsyncGenerator<Int16Array> {
      for (let at = 0; at < samples.length; at += 1000) {
        yield samples.subarray(at, at + 1000);
        // The next chunk only once this one's steps are back (the first 1000 samples make none).
        if (at > 0) await new Promise<void>((resolve) => (more = resolve));
      }
    }
    const { steps, summary } = await run(client, live(), () => {
      stepsSeen++;
      more?.();
    });
    assert.ok(summary.ok && stepsSeen > 0);
    assertExact(steps, samples);
    await client.close();
  });

  it('streams what came before an input failure, stops the stream, then throws it', async () => {
    const { board, client } = await boardClient(FAST);
    const samples = noise(3000, 8);
    async function* failing(): AsyncGenerator<Int16Array> {
      yield await Promise.resolve(samples);
      throw new InputError('stdin: ends inside a sample');
    }
    const steps: StreamStep[] = [];
    await assert.rejects(
      run(client, failing(), (s) => steps.push(s)),
      /ends inside a sample/,
    );
    assertExact(steps, samples);
    assert.equal(board.arrivedOf(MessageType.STREAM_STOP).length, 1, 'STREAM_STOP sent');
    await client.close();
  });

  it('counts steps from samples as the front-end does: one per hop once a window is in', () => {
    const kind = new AudioKind(FRONTEND); // 8 kHz: a 200-sample window, an 80-sample hop
    assert.deepEqual(
      [0, 199, 200, 279, 280, 8000].map((n) => kind.stepsAfter(n)),
      [0, 0, 1, 1, 2, expected(noise(8000, 1)).length],
    );
    assert.deepEqual(
      [0, 1, 2].map((s) => kind.unitsFor(s)),
      [0, 200, 280],
    );
  });
});
