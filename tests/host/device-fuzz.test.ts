/**
 * Random and mutated byte streams into the real board (build/hetsyn.wasm through boardPoll): no
 * trap, no exception out of the ABI, no poll loop that does not end, every valid request answered
 * once and in order, and the board's counters equal to what a reference reading of the same bytes
 * (docs/protocol.md, "Framing") counts. Now and then, and at the end, a flush and a HELLO must
 * still get a correct INFO.
 *
 * Reproduce a failure with the seed and case it prints: HETSYN_FUZZ_SEED=<seed> node --test ...
 */

import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { writeHsm } from '../../host/model/hsm-writer.js';
import { Rng, sparseModel, tinyModel } from './fixtures.js';
import {
  classify,
  decodeInfo,
  frameBody,
  In,
  MAX_FRAME,
  MIN_FRAME,
  Out,
  REQUEST_TYPES,
  spikesPayload,
  T,
  TestBoard,
  wireOf,
  type Frame,
  type Info,
} from './device-harness.js';

const SEED = Number(process.env.HETSYN_FUZZ_SEED ?? 0xf022b0a4) >>> 0;
const MAX_POLLS = 20_000;

interface Expected {
  framesOk: number;
  badFrames: number;
  overruns: number;
  unknownTypes: number;
}

/** Reads the same bytes as the board, by the spec, and says what the board must have counted. */
class Reference {
  private pending: number[] = [];
  /** Seqs of the requests the board must answer (valid frames of a type below 0x80), in order. */
  readonly answers: number[] = [];

  constructor(
    readonly counts: Expected,
    private readonly maxFrame: number,
  ) {}

  feed(bytes: ArrayLike<number>): void {
    for (let i = 0; i < bytes.length; i++) {
      const byte = bytes[i] ?? 0;
      if (byte !== 0) {
        this.pending.push(byte);
        continue;
      }
      const { kind, body } = classify(this.pending, this.maxFrame);
      this.pending = [];
      if (kind === 'bad') this.counts.badFrames++;
      if (kind === 'overrun') this.counts.overruns++;
      if (kind !== 'ok' || !body) continue;
      this.counts.framesOk++;
      const type = body[0] ?? 0;
      if (!REQUEST_TYPES.includes(type)) this.counts.unknownTypes++;
      if (type < 0x80) this.answers.push(body[1] ?? 0);
    }
  }
}

/** What the fuzzer knows of the board's stream, to aim SPIKES near the board's next step. */
interface Aim {
  nextStep: number;
}

function randomBytes(rng: Rng, length: number, zeroRate: number): number[] {
  return Array.from({ length }, () => (rng.chance(zeroRate) ? 0 : rng.range(1, 255)));
}

/** A payload that a handler may take, or nearly. */
function plausiblePayload(rng: Rng, type: number, aim: Aim, maxFrame: number): number[] {
  const room = maxFrame - 4;
  switch (type) {
    case T.UPLOAD_BEGIN:
      return Array.from(
        new Out()
          .u32(rng.pick([0, 1, 300, 5000, 8176, 8177, 0xffffffff]))
          .u32(rng.u32())
          .done(),
      );
    case T.UPLOAD_CHUNK:
      return Array.from(
        new Out()
          .u32(rng.pick([0, 0, 4, 248, rng.u32()]))
          .raw(randomBytes(rng, rng.range(0, room - 4), 0.1))
          .done(),
      );
    case T.STREAM_START:
      return [rng.pick([0, 1, 4, 5, 2, 255]), rng.pick([0, 1, 2, 9])];
    case T.SPIKES: {
      const first = Math.max(0, aim.nextStep + rng.pick([0, 0, 0, -1, 1, 5]));
      const steps: number[][] = [];
      let bytes = 4 + 5;
      for (let s = rng.range(0, 6); s > 0; s--) {
        const step = Array.from({ length: rng.range(0, 3) }, () =>
          rng.chance(0.03) ? rng.range(0, 0xffff) : rng.range(0, 2),
        );
        if (bytes + 1 + 2 * step.length > maxFrame) break;
        bytes += 1 + 2 * step.length;
        steps.push(step);
      }
      const payload = Array.from(spikesPayload(first, steps));
      if (rng.chance(0.1)) payload.pop();
      return payload;
    }
    default:
      return rng.chance(0.8) ? [] : randomBytes(rng, rng.range(1, 8), 0.2);
  }
}

/** One case: a stream of bytes built from garbage, valid frames and mutated ones. */
function randomStream(rng: Rng, aim: Aim, maxFrame: number): number[] {
  const out: number[] = [];
  for (let part = rng.range(1, 4); part > 0; part--) {
    const kind = rng.int(6);
    if (kind === 0) {
      out.push(...randomBytes(rng, rng.range(0, 400), 1 / 256));
    } else if (kind === 1) {
      out.push(...randomBytes(rng, rng.range(0, 200), 0.1));
    } else {
      const type = rng.chance(0.3)
        ? T.SPIKES
        : rng.chance(0.85)
          ? rng.pick(REQUEST_TYPES)
          : rng.range(0, 255);
      const payload =
        kind === 5
          ? randomBytes(rng, rng.range(0, maxFrame), 0.05)
          : plausiblePayload(rng, type, aim, maxFrame);
      const body = Array.from(frameBody(type, rng.range(0, 255), payload));
      let wire = Array.from(wireOf(body));
      if (kind === 3) wire = mutate(rng, wire);
      out.push(...wire);
    }
  }
  return out;
}

function mutate(rng: Rng, wire: number[]): number[] {
  const bytes = wire.slice();
  for (let m = rng.range(1, 3); m > 0; m--) {
    const at = rng.int(bytes.length);
    switch (rng.int(5)) {
      case 0:
        bytes[at] = (bytes[at] ?? 0) ^ (1 << rng.int(8));
        break;
      case 1:
        bytes.splice(at, 1);
        break;
      case 2:
        bytes.splice(at, 0, rng.range(0, 255));
        break;
      case 3:
        bytes.length = at;
        break;
      default:
        bytes.splice(at, 0, ...bytes.slice(0, rng.range(1, bytes.length)));
    }
  }
  return bytes;
}

function countersOf(info: Info): Expected {
  return {
    framesOk: info.framesOk,
    badFrames: info.badFrames,
    overruns: info.overruns,
    unknownTypes: info.unknownTypes,
  };
}

interface Run {
  cases: number;
  replies: number;
  results: number;
  hellos: number;
  /** Replies by type, ERROR by code ("ERROR 1"): what the valid requests reached. */
  byType: Record<string, number>;
}

/** Feeds `cases` random streams to `board`, checking every invariant after each. */
function fuzz(board: TestBoard, seed: number, cases: number): Run {
  const rng = new Rng(seed);
  const start = board.hello();
  const maxFrame = start.maxFrame;
  const reference = new Reference(countersOf(start), maxFrame);
  const aim: Aim = { nextStep: 0 };
  const run: Run = { cases, replies: 0, results: 0, hellos: 0, byType: {} };
  let badRequests = 0;
  let answered = 0;
  let helloSeq = 0;

  for (let c = 0; c < cases; c++) {
    const where = `seed ${seed} case ${c}`;
    board.uart.readChunk = rng.chance(0.3) ? rng.range(1, 16) : Infinity;
    board.uart.writeChunk = rng.chance(0.2) ? rng.range(1, 8) : Infinity;
    const stream = rng.chance(0.05) ? [] : randomStream(rng, aim, maxFrame);
    const check = rng.chance(0.1) || c === cases - 1;
    // The flush (a lone 0x00, as a host sends before its first frame) ends any partial frame.
    const hello = check ? [0, ...wireOf(frameBody(T.HELLO, (helloSeq = (helloSeq + 1) & 0xff)))] : [];
    reference.feed(stream);
    reference.feed(hello);

    let replies: Frame[];
    try {
      const exchanged = board.exchange(Uint8Array.from([...stream, ...hello]), MAX_POLLS);
      replies = exchanged.replies;
      run.results += exchanged.results.length;
    } catch (error) {
      throw new Error(`${where}: ${(error as Error).message}`, { cause: error });
    }
    run.replies += replies.length;
    for (const f of replies) {
      const key = f.type === T.ERROR ? `ERROR ${f.payload[1]}` : `0x${f.type.toString(16)}`;
      run.byType[key] = (run.byType[key] ?? 0) + 1;
    }
    const expectedSeqs = reference.answers.slice(answered);
    answered = reference.answers.length;
    assert.deepEqual(
      replies.map((f) => f.seq),
      expectedSeqs,
      `${where}: one reply per valid request, in order`,
    );
    for (const f of replies) {
      if (f.type === T.SPIKES_ACK) aim.nextStep = new In(f.payload).u32();
      if (f.type === T.STREAMING) aim.nextStep = 0;
    }
    if (!check) continue;

    const info = decodeInfo(replies[replies.length - 1].payload);
    run.hellos++;
    assert.deepEqual(countersOf(info), reference.counts, `${where}: counters`);
    assert.ok(info.badRequests >= badRequests, `${where}: badRequests never decreases`);
    badRequests = info.badRequests;
    assert.equal(info.resultsDropped, 0, `${where}: no RESULT dropped at a fixed maxFrame`);
    assert.equal(info.maxFrame, maxFrame);
    assert.equal(info.protocolVersion, 3);
  }
  return run;
}

describe('device fuzz', () => {
  it('survives 10,000 random and mutated streams with a model loaded and streaming', (t: TestContext) => {
    const board = new TestBoard();
    board.install(writeHsm(tinyModel()));
    board.install(writeHsm(sparseModel()));
    board.startStream(5, 0);
    const run = fuzz(board, SEED, 10_000);
    t.diagnostic(`seed ${SEED}: ${JSON.stringify(run)}`);
    assert.ok(run.replies > 5_000, `${run.replies} replies`);
    assert.ok(run.results > 100, `${run.results} RESULT frames: SPIKES frames must reach the engine`);
    for (const key of ['0x81', '0x90', '0xa0', '0xa1', '0xa2', 'ERROR 1', 'ERROR 2', 'ERROR 4', 'ERROR 11']) {
      assert.ok((run.byType[key] ?? 0) > 0, `no ${key} reply: the fuzzer no longer reaches that path`);
    }
    // Afterwards the board still takes a model and streams.
    board.install(writeHsm(tinyModel()));
    assert.equal(board.startStream(1).classes, 3);
    assert.equal(board.spikes(0, [[0], [1, 2]]).results.length, 2);
  });

  it(`survives random streams at maxFrame ${MIN_FRAME} with no model, one byte per read`, (t: TestContext) => {
    const board = new TestBoard({ maxFrame: MIN_FRAME, uart: { readChunk: 1 } });
    const seed = (SEED ^ 0x5a5a) >>> 0;
    const run = fuzz(board, seed, 2_000);
    t.diagnostic(`seed ${seed}: ${JSON.stringify(run)}`);
    assert.equal(board.hello().maxFrame, MIN_FRAME);
  });

  it('keeps the frame buffer bounded: a frame of maxFrame + 1 never reaches a handler', () => {
    const board = new TestBoard();
    const body = frameBody(T.HELLO, 1, new Uint8Array(MAX_FRAME - 3));
    const { replies } = board.exchange(wireOf(body));
    assert.equal(replies.length, 0);
    assert.equal(board.hello().overruns, 1);
  });
});
