/**
 * The device's state machine (docs/protocol.md, "Model upload" and "Streaming"; docs/board-abi.md,
 * "Storage slots") on the real build/hetsyn.wasm: uploads the board steers, resumes, refused
 * models, restarts and power cuts over the same storage, rollback, and streams whose RESULT frames
 * must equal host simulation bit for bit.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SlotStorage } from '../../host/wasm/board-imports.js';
import { MemoryStorage, PowerCutError } from '../../host/board/storage.js';
import { openEngine } from '../../host/wasm/module.js';
import { writeHsm } from '../../host/model/hsm-writer.js';
import { FORMAT_VERSION } from '../../host/model/hsm.js';
import { simulate } from '../../host/sim/simulate.js';
import {
  FILE_FIELD,
  perNeuronModel,
  poke,
  randomInputs,
  randomModel,
  resealCrc,
  Rng,
  sparseModel,
  tinyModel,
  VARIANTS,
} from './fixtures.js';
import {
  modelHash,
  decodeError,
  decodeResult,
  ERR,
  In,
  Out,
  SLOT_HEADER_BYTES,
  spikesPayload,
  T,
  TestBoard,
  wire as wireOf,
  RESULT_DETECTION,
  type Frame,
  type LatestDetection,
} from './device-harness.js';

const BAD_VERSION = 3;
const BAD_MAGIC = 2;
const ENGINE_BAD_INPUT = 22;
const REPORT_SCORES = 1;
const REPORT_SPIKES = 4;

const TINY = writeHsm(tinyModel());
const SPARSE = writeHsm(sparseModel());
const PER_NEURON = writeHsm(perNeuronModel());

/** A model the board will take but not run: the CRC inside the .hsm no longer matches. */
function corrupted(model: Uint8Array): Uint8Array {
  const bytes = model.slice();
  const at = bytes.length - 12;
  bytes[at] = (bytes[at] ?? 0) ^ 0x5a;
  return bytes;
}

/** Not a .hsm at all, but sealed like one: it passes the upload's hash and fails in the engine. */
function sealedBadMagic(model: Uint8Array): Uint8Array {
  const bytes = model.slice();
  poke(bytes, FILE_FIELD.magic, 'u32', 0x12345678);
  return resealCrc(bytes);
}

function otherVersion(model: Uint8Array): Uint8Array {
  const bytes = model.slice();
  poke(bytes, FILE_FIELD.formatVersion, 'u16', FORMAT_VERSION + 1);
  return resealCrc(bytes);
}

interface Expected {
  scores: number[];
  decision: number;
  spikes: number[];
  /** The latest detection so far, which every RESULT from it on repeats. */
  detection?: LatestDetection;
}

/** What host simulation says each step produces, for `layer`'s spikes. */
function simulated(model: Uint8Array, steps: number[][], layer: number): Expected[] {
  const engine = openEngine();
  const info = engine.loadOrThrow(model);
  const spiking = info.layers.flatMap((l, i) => (l.kind === 'readout' ? [] : [i]));
  let latest: LatestDetection | undefined;
  return simulate(engine, { steps }, { spikes: true }).map((r) => {
    if (r.detection) latest = { count: (latest?.count ?? 0) + 1, ...r.detection };
    return {
      scores: r.scores,
      decision: r.decision,
      spikes: r.spikes?.[spiking.indexOf(layer)] ?? [],
      ...(latest ? { detection: latest } : {}),
    };
  });
}

/** Splits steps into SPIKES frames of 1..maxSteps steps that fit `maxFrame`. */
function frames(rng: Rng, steps: number[][], maxFrame: number, maxSteps = 8): number[][][] {
  const out: number[][][] = [];
  let at = 0;
  while (at < steps.length) {
    const group: number[][] = [];
    let bytes = 4 + 5;
    const want = rng.range(1, maxSteps);
    while (at < steps.length && group.length < want) {
      const step = steps[at];
      if (group.length > 0 && bytes + 1 + 2 * step.length > maxFrame) break;
      group.push(step);
      bytes += 1 + 2 * step.length;
      at++;
    }
    out.push(group);
  }
  return out;
}

function checkResults(
  results: Frame[],
  expected: Expected[],
  firstStep: number,
  classes: number,
  report: number,
): void {
  assert.equal(results.length, expected.length, 'one RESULT per step');
  results.forEach((frame, i) => {
    const r = decodeResult(frame.payload, classes);
    const want = expected[i];
    const where = `step ${firstStep + i}`;
    assert.equal(r.step, firstStep + i, where);
    assert.equal(r.decision, want.decision, `${where} decision`);
    assert.equal(r.stepUs, 7, `${where} stepUs (the test clock ticks 7 us per call)`);
    assert.equal(r.flags, report | (want.detection ? RESULT_DETECTION : 0), `${where} flags`);
    assert.deepEqual(r.detection, want.detection, `${where} detection`);
    if (report & REPORT_SCORES) assert.deepEqual(r.scores, want.scores, `${where} scores`);
    else assert.equal(r.scores, undefined);
    if (report & REPORT_SPIKES) assert.deepEqual(r.spikes, want.spikes, `${where} spikes`);
    else assert.equal(r.spikes, undefined);
  });
}

/** Streams `steps` through the board in random frames and checks every RESULT against simulation. */
function streamMatches(
  board: TestBoard,
  model: Uint8Array,
  steps: number[][],
  report: number,
  layer: number,
  seed = 1,
): void {
  const expected = simulated(model, steps, layer);
  const started = board.startStream(report, layer);
  assert.equal(started.nextStep, 0);
  const rng = new Rng(seed);
  let step = 0;
  for (const group of frames(rng, steps, board.hello().maxFrame)) {
    const { nextStep, results } = board.spikes(step, group);
    checkResults(results, expected.slice(step, step + group.length), step, started.classes, report);
    step += group.length;
    assert.equal(nextStep, step);
  }
  const stopped = board.stop();
  const last = expected[expected.length - 1];
  assert.deepEqual(stopped, {
    steps: steps.length,
    decision: last?.decision ?? -1,
    ...(last?.detection ? { detection: last.detection } : {}),
  });
}

function inputsFor(model: Uint8Array, seed: number, count = 40): number[][] {
  const inputs = openEngine().loadOrThrow(model).inputCount;
  return randomInputs(new Rng(seed), inputs, count, 0.5);
}

/** A storage whose calls can be made to fail. */
class FaultyStorage implements SlotStorage {
  failErase = false;
  failWrite = false;
  failRead = false;
  constructor(readonly inner: MemoryStorage) {}
  get slotBytes(): number {
    return this.inner.slotBytes;
  }
  erase(slot: number): number {
    return this.failErase ? -7 : this.inner.erase(slot);
  }
  write(slot: number, offset: number, bytes: Uint8Array): number {
    return this.failWrite ? -9 : this.inner.write(slot, offset, bytes);
  }
  read(slot: number, offset: number, length: number): Uint8Array | null {
    return this.failRead ? null : this.inner.read(slot, offset, length);
  }
}

describe('device upload', () => {
  it('uploads, verifies and commits; the slot header is written as board-abi.md lays it out', () => {
    const board = new TestBoard();
    const status = board.send(TINY);
    assert.deepEqual(status, { offset: TINY.length, size: TINY.length, crc: modelHash(TINY) });
    assert.equal(board.hello().flags, 4, 'upload in progress, no model yet');
    assert.deepEqual(board.commit(), { slot: 0, generation: 1 });
    const info = board.hello();
    assert.equal(info.flags, 1);
    assert.deepEqual(
      [info.activeSlot, info.generation, info.modelBytes, info.modelCrc, info.uploadSize],
      [0, 1, TINY.length, modelHash(TINY), 0],
    );
    const header = new In(board.storage.read(0, 0, SLOT_HEADER_BYTES) ?? new Uint8Array());
    assert.deepEqual(
      [header.u32(), header.u32(), header.u32(), header.u32()],
      [0x544c5348, 1, TINY.length, modelHash(TINY)],
    );
    assert.deepEqual(board.storage.read(0, SLOT_HEADER_BYTES, TINY.length), TINY);
    assert.ok(board.device.modelLoaded);
  });

  it('alternates slots and counts generations up', () => {
    const board = new TestBoard();
    assert.deepEqual(board.install(TINY), { slot: 0, generation: 1 });
    assert.deepEqual(board.install(SPARSE), { slot: 1, generation: 2 });
    assert.deepEqual(board.install(PER_NEURON), { slot: 0, generation: 3 });
    assert.equal(board.hello().modelName, 'per-neuron');
  });

  it('lets the board dictate the offset: early, repeated and late chunks change nothing', () => {
    const board = new TestBoard();
    const model = SPARSE;
    assert.equal(board.begin(model.length, modelHash(model)).offset, 0);
    assert.equal(board.chunk(100, model.subarray(100, 200)).offset, 0, 'early');
    assert.equal(board.chunk(0, model.subarray(0, 100)).offset, 100);
    assert.equal(board.chunk(0, model.subarray(0, 100)).offset, 100, 'repeated');
    assert.equal(board.chunk(100, model.subarray(100, 150)).offset, 150);
    assert.equal(board.chunk(100, model.subarray(100, 150)).offset, 150, 'late (an old retransmission)');
    assert.equal(board.chunk(150, []).offset, 150, 'an empty chunk asks where the board stands');
    let status = board.chunk(150, model.subarray(150, 300));
    while (status.offset < model.length - 10) {
      status = board.chunk(
        status.offset,
        model.subarray(status.offset, Math.min(status.offset + 77, model.length - 10)),
      );
    }
    const past = new Out().u32(status.offset).raw(new Uint8Array(11)).done();
    assert.equal(board.error(T.UPLOAD_CHUNK, past).code, ERR.BAD_REQUEST, 'a chunk past the declared size');
    assert.equal(board.chunk(status.offset, model.subarray(status.offset)).offset, model.length);
    assert.equal(board.end().offset, model.length);
    board.commit();
    assert.equal(board.hello().modelName, 'sparse');
  });

  it('does not verify an incomplete upload: UPLOAD_END names the offset it still needs', () => {
    const board = new TestBoard();
    board.begin(TINY.length, modelHash(TINY));
    board.chunk(0, TINY.subarray(0, 50));
    assert.equal(board.end().offset, 50);
    assert.equal(board.error(T.COMMIT).code, ERR.NOT_VERIFIED);
  });

  it('resumes after a disconnect: UPLOAD_BEGIN with the same size and CRC returns the offset', () => {
    const board = new TestBoard();
    board.begin(SPARSE.length, modelHash(SPARSE));
    board.chunk(0, SPARSE.subarray(0, 120));
    const info = board.hello();
    assert.deepEqual([info.flags & 4, info.uploadOffset, info.uploadSize], [4, 120, SPARSE.length]);
    // "Reconnect": a new host session, HELLO first, then the same upload again.
    assert.equal(board.begin(SPARSE.length, modelHash(SPARSE)).offset, 120);
    const status = board.send(SPARSE);
    assert.equal(status.offset, SPARSE.length);
    board.commit();
    // Another model (other size or CRC) starts over at 0.
    board.begin(TINY.length, modelHash(TINY));
    board.chunk(0, TINY.subarray(0, 64));
    assert.equal(board.begin(TINY.length, modelHash(TINY) ^ 1).offset, 0);
  });

  it('refuses an upload whose stored CRC differs (HASH_MISMATCH with the CRC found) and abandons it', () => {
    const board = new TestBoard();
    board.begin(TINY.length, modelHash(TINY) ^ 0xffff);
    let offset = 0;
    while (offset < TINY.length) offset = board.chunk(offset, TINY.subarray(offset, offset + 200)).offset;
    const e = board.error(T.UPLOAD_END);
    assert.equal(e.code, ERR.HASH_MISMATCH);
    assert.equal(e.detail >>> 0, modelHash(TINY));
    assert.equal(board.error(T.COMMIT).code, ERR.NO_UPLOAD);
    assert.equal(board.hello().flags & 4, 0);
  });

  it('refuses requests without an upload (NO_UPLOAD) and models larger than a slot (TOO_LARGE)', () => {
    const board = new TestBoard({ slotBytes: 512 });
    assert.equal(board.error(T.UPLOAD_CHUNK, new Out().u32(0).raw([1, 2]).done()).code, ERR.NO_UPLOAD);
    assert.equal(board.error(T.UPLOAD_END).code, ERR.NO_UPLOAD);
    assert.equal(board.error(T.COMMIT).code, ERR.NO_UPLOAD);
    const e = board.error(T.UPLOAD_BEGIN, new Out().u32(497).u32(0).done());
    assert.deepEqual([e.code, e.detail], [ERR.TOO_LARGE, 512 - SLOT_HEADER_BYTES]);
    assert.equal(board.begin(496, 0).offset, 0);
  });

  it('reports failing storage calls as STORAGE with their status', () => {
    const storage = new FaultyStorage(new MemoryStorage({ slotBytes: 4096 }));
    const board = new TestBoard({ storage });
    storage.failErase = true;
    assert.deepEqual(
      [board.error(T.UPLOAD_BEGIN, new Out().u32(TINY.length).u32(modelHash(TINY)).done())].map((e) => [
        e.code,
        e.detail,
      ]),
      [[ERR.STORAGE, -7]],
    );
    storage.failErase = false;
    board.begin(TINY.length, modelHash(TINY));
    storage.failWrite = true;
    const w = board.error(T.UPLOAD_CHUNK, new Out().u32(0).raw(TINY.subarray(0, 10)).done());
    assert.deepEqual([w.code, w.detail], [ERR.STORAGE, -9]);
    assert.equal(
      board.error(T.UPLOAD_CHUNK, new Out().u32(0).raw([1]).done()).code,
      ERR.NO_UPLOAD,
      'abandoned',
    );
    storage.failWrite = false;
    board.begin(TINY.length, modelHash(TINY));
    let offset = 0;
    while (offset < TINY.length) offset = board.chunk(offset, TINY.subarray(offset, offset + 200)).offset;
    storage.failRead = true;
    assert.equal(board.error(T.UPLOAD_END).code, ERR.STORAGE);
    storage.failRead = false;
    assert.equal(board.end().offset, TINY.length, 'a failed read-back can be retried');
    board.commit();
  });
});

describe('device commit, restart, power cut, rollback', () => {
  for (const [what, bad, code] of [
    ['a sealed file that is not a .hsm', sealedBadMagic(TINY), BAD_MAGIC],
    ['a model of another format version', otherVersion(TINY), BAD_VERSION],
  ] as const) {
    it(`answers COMMIT of ${what} with MODEL_REJECTED and keeps the old model running`, () => {
      const board = new TestBoard();
      board.install(SPARSE);
      board.send(bad);
      const e = board.error(T.COMMIT);
      assert.deepEqual([e.code, e.detail], [ERR.MODEL_REJECTED, code]);
      const info = board.hello();
      assert.deepEqual(
        [info.flags & 1, info.activeSlot, info.generation, info.modelName],
        [1, 0, 1, 'sparse'],
      );
      streamMatches(board, SPARSE, inputsFor(SPARSE, 3), REPORT_SCORES | REPORT_SPIKES, 1);
      // After a restart too.
      const restarted = new TestBoard({ storage: board.storage });
      assert.equal(restarted.initStatus, 0);
      assert.equal(restarted.hello().modelName, 'sparse');
    });
  }

  it('refuses a corrupted .hsm (its own CRC fails) at UPLOAD_END and keeps the old model running', () => {
    const board = new TestBoard();
    board.install(SPARSE);
    const bad = corrupted(TINY);
    let status = board.begin(bad.length, modelHash(bad));
    while (status.offset < bad.length) {
      status = board.chunk(status.offset, bad.subarray(status.offset, status.offset + board.chunkBytes()));
    }
    const e = board.error(T.UPLOAD_END);
    assert.deepEqual([e.code, e.detail >>> 0], [ERR.HASH_MISMATCH, modelHash(bad)]);
    assert.equal(board.error(T.COMMIT).code, ERR.NO_UPLOAD);
    assert.deepEqual([board.hello().modelName, board.hello().activeSlot], ['sparse', 0]);
    streamMatches(board, SPARSE, inputsFor(SPARSE, 3), REPORT_SCORES | REPORT_SPIKES, 1);
  });

  it('answers MODEL_REJECTED when nothing was active, leaving no model', () => {
    const board = new TestBoard();
    board.send(otherVersion(TINY));
    assert.equal(board.error(T.COMMIT).code, ERR.MODEL_REJECTED);
    const info = board.hello();
    assert.deepEqual([info.flags & 1, info.activeSlot], [0, 0xff]);
    assert.equal(board.error(T.STREAM_START, [0, 0]).code, ERR.NO_MODEL);
  });

  it('runs the committed model after a restart (a new device on the same storage)', () => {
    const board = new TestBoard();
    board.install(TINY);
    board.install(PER_NEURON);
    const restarted = new TestBoard({ storage: board.storage });
    assert.equal(restarted.initStatus, 0);
    assert.deepEqual(restarted.logs, ['hetsyn: model loaded from slot 1']);
    const info = restarted.hello();
    assert.deepEqual(
      [info.activeSlot, info.generation, info.modelName, info.framesOk],
      [1, 2, 'per-neuron', 1],
    );
    streamMatches(restarted, PER_NEURON, inputsFor(PER_NEURON, 4), REPORT_SCORES | REPORT_SPIKES, 0);
  });

  const cuts = [
    ['after the first byte', () => 1],
    ['in the middle of the model bytes', (m: Uint8Array) => m.length >> 1],
    ['with every model byte written, before the header', (m: Uint8Array) => m.length],
    ['in the middle of the header', (m: Uint8Array) => m.length + 8],
    ['one byte before the header is complete', (m: Uint8Array) => m.length + 15],
  ] as const;
  for (const [when, cutAt] of cuts) {
    it(`keeps the old model after a power cut ${when}`, () => {
      const before = new TestBoard();
      before.install(TINY);
      const slotBytes = before.storage.slotBytes;
      assert.ok(before.storage instanceof MemoryStorage);
      const image = before.storage.snapshot();
      const dying = new MemoryStorage({ slotBytes, powerCutAfterBytes: cutAt(SPARSE) }, image);
      const board = new TestBoard({ storage: dying });
      assert.throws(() => board.install(SPARSE), PowerCutError);
      const after = new TestBoard({ storage: new MemoryStorage({ slotBytes }, dying.snapshot()) });
      assert.equal(after.initStatus, 0);
      const info = after.hello();
      assert.deepEqual([info.activeSlot, info.generation, info.modelName, info.flags], [0, 1, 'tiny', 1]);
      streamMatches(after, TINY, inputsFor(TINY, 5), REPORT_SCORES, 0);
      // The board can take the new model again afterwards.
      assert.deepEqual(after.install(SPARSE), { slot: 1, generation: 2 });
    });
  }

  it('runs the new model once the whole header is written, even if the reply was lost', () => {
    const before = new TestBoard();
    before.install(TINY);
    const slotBytes = before.storage.slotBytes;
    assert.ok(before.storage instanceof MemoryStorage);
    const dying = new MemoryStorage(
      { slotBytes, powerCutAfterBytes: SPARSE.length + SLOT_HEADER_BYTES },
      before.storage.snapshot(),
    );
    const board = new TestBoard({ storage: dying });
    // The cut comes right after the header write that reaches the count: COMMITTED never leaves.
    assert.throws(() => board.install(SPARSE), PowerCutError);
    const after = new TestBoard({ storage: new MemoryStorage({ slotBytes }, dying.snapshot()) });
    assert.deepEqual([after.hello().generation, after.hello().modelName], [2, 'sparse']);
  });

  it('rolls back to the older slot, which stays active after a restart; then NO_ROLLBACK', () => {
    const board = new TestBoard();
    assert.equal(board.error(T.ROLLBACK).code, ERR.NO_ROLLBACK, 'nothing stored');
    board.install(TINY);
    assert.equal(board.error(T.ROLLBACK).code, ERR.NO_ROLLBACK, 'only one model');
    board.install(SPARSE);
    assert.deepEqual(board.rollback(), { slot: 0, generation: 1 });
    assert.equal(board.hello().modelName, 'tiny');
    streamMatches(board, TINY, inputsFor(TINY, 6), REPORT_SCORES | REPORT_SPIKES, 0);
    assert.equal(
      board.storage.read(1, 0, 16)?.every((b) => b === 0xff),
      true,
      'the newer slot is erased',
    );
    const restarted = new TestBoard({ storage: board.storage });
    assert.deepEqual([restarted.hello().activeSlot, restarted.hello().modelName], [0, 'tiny']);
    assert.equal(restarted.error(T.ROLLBACK).code, ERR.NO_ROLLBACK);
    assert.deepEqual(restarted.install(PER_NEURON), { slot: 1, generation: 2 });
  });

  it('answers a retried COMMIT or ROLLBACK (same seq) with the same reply, acting once', () => {
    const board = new TestBoard();
    board.install(TINY);
    board.send(SPARSE);
    const first = board.request(T.COMMIT, [], 200);
    const again = board.request(T.COMMIT, [], 200);
    assert.deepEqual(again, first);
    assert.equal(board.hello().generation, 2);
    assert.equal(board.error(T.COMMIT).code, ERR.NO_UPLOAD, 'a new COMMIT (new seq) is a new request');
    const back = board.request(T.ROLLBACK, [], 9);
    assert.deepEqual(board.request(T.ROLLBACK, [], 9), back);
    assert.equal(board.hello().generation, 1);
  });

  it('leaves a stored model the engine refuses unused at boot, logging its code', () => {
    const slotBytes = 4096;
    const storage = new MemoryStorage({ slotBytes });
    const bad = otherVersion(TINY);
    storage.write(0, SLOT_HEADER_BYTES, bad);
    storage.write(0, 0, new Out().u32(0x544c5348).u32(5).u32(bad.length).u32(modelHash(bad)).done());
    const board = new TestBoard({ storage });
    assert.equal(board.initStatus, BAD_VERSION);
    assert.deepEqual(board.logs, ['hetsyn: stored model refused; engine code 3']);
    const info = board.hello();
    assert.deepEqual([info.flags, info.activeSlot, info.generation], [0, 0, 5]);
    assert.deepEqual(board.install(TINY), { slot: 1, generation: 6 });
  });

  it('ignores a slot whose header is valid but whose bytes were altered', () => {
    const board = new TestBoard();
    board.install(TINY);
    board.install(SPARSE);
    assert.ok(board.storage instanceof MemoryStorage);
    const image = board.storage.snapshot();
    const at = board.storage.slotBytes + SLOT_HEADER_BYTES + 40; // a byte of slot 1's model
    image[at] = (image[at] ?? 0) ^ 1;
    const after = new TestBoard({
      storage: new MemoryStorage({ slotBytes: board.storage.slotBytes }, image),
    });
    assert.deepEqual([after.hello().activeSlot, after.hello().modelName], [0, 'tiny']);
  });
});

describe('device streaming', () => {
  for (const variant of VARIANTS) {
    for (const report of [0, REPORT_SCORES, REPORT_SPIKES, REPORT_SCORES | REPORT_SPIKES]) {
      it(`equals host simulation bit for bit: ${variant.name}, report ${report}`, () => {
        const model = writeHsm(variant.model());
        const board = new TestBoard();
        board.install(model);
        streamMatches(board, model, inputsFor(model, 10 + report, 60), report, 0, report);
      });
    }
  }

  it('equals host simulation for random models, every spiking layer, at maxFrame 64', () => {
    const rng = new Rng(0xb0a7d);
    for (let m = 0; m < 6; m++) {
      const model = writeHsm(
        randomModel(rng, rng.range(1, 12), [
          { kind: 'recurrent', neuronCount: rng.range(1, 12), bucketBits: 4, levelCount: 3 },
          { kind: 'feedforward', neuronCount: rng.range(1, 12), bucketBits: 8, levelCount: 5, density: 0.5 },
          { kind: 'readout', neuronCount: rng.range(1, 4), bucketBits: 0, levelCount: 2 },
        ]),
      );
      const board = new TestBoard({ maxFrame: 64 });
      board.install(model);
      for (const layer of [0, 1])
        streamMatches(board, model, inputsFor(model, m, 30), REPORT_SCORES | REPORT_SPIKES, layer, m);
    }
  });

  it('runs a repeated SPIKES frame (lost ack) only once: ack, no RESULT', () => {
    const board = new TestBoard();
    board.install(TINY);
    const steps = inputsFor(TINY, 21, 12);
    const expected = simulated(TINY, steps, 0);
    board.startStream(REPORT_SCORES);
    const first = board.spikes(0, steps.slice(0, 4));
    checkResults(first.results, expected.slice(0, 4), 0, 3, REPORT_SCORES);
    const repeat = board.spikes(0, steps.slice(0, 4));
    assert.deepEqual([repeat.nextStep, repeat.results.length], [4, 0]);
    const rest = board.spikes(4, steps.slice(4));
    checkResults(rest.results, expected.slice(4), 4, 3, REPORT_SCORES);
  });

  it('refuses a SPIKES frame past the next step (STEP_GAP with the next step)', () => {
    const board = new TestBoard();
    board.install(TINY);
    board.startStream(0);
    board.spikes(0, [[0], [1]]);
    const e = board.error(T.SPIKES, spikesPayload(5, [[0]]));
    assert.deepEqual([e.code, e.detail], [ERR.STEP_GAP, 2]);
    assert.equal(board.spikes(2, [[2]]).nextStep, 3);
  });

  it('refuses a frame with a channel out of range (BAD_INPUT) and applies none of it', () => {
    const board = new TestBoard();
    board.install(TINY);
    const steps = inputsFor(TINY, 22, 6);
    const expected = simulated(TINY, steps, 0);
    board.startStream(REPORT_SCORES | REPORT_SPIKES);
    const e = board.error(T.SPIKES, spikesPayload(0, [[0], [1, 3]]));
    assert.deepEqual([e.code, e.detail], [ERR.BAD_INPUT, ENGINE_BAD_INPUT]);
    assert.equal(
      board.error(T.SPIKES, spikesPayload(0, [[0, 1, 2, 0]])).code,
      ERR.BAD_INPUT,
      'more spikes than inputs',
    );
    const { results } = board.spikes(0, steps);
    checkResults(results, expected, 0, 3, REPORT_SCORES | REPORT_SPIKES);
  });

  it('refuses malformed SPIKES and STREAM_START with BAD_REQUEST', () => {
    const board = new TestBoard();
    board.install(TINY);
    board.startStream(0);
    const good = spikesPayload(0, [[0, 1], [2]]);
    assert.equal(board.error(T.SPIKES, good.subarray(0, good.length - 1)).code, ERR.BAD_REQUEST, 'truncated');
    assert.equal(board.error(T.SPIKES, [...good, 0]).code, ERR.BAD_REQUEST, 'trailing byte');
    assert.equal(board.error(T.SPIKES, [0, 0, 0]).code, ERR.BAD_REQUEST, 'no header');
    assert.equal(board.error(T.STREAM_START, [2, 0]).code, ERR.BAD_REQUEST, 'unknown report bit');
    assert.equal(
      board.error(T.STREAM_START, [REPORT_SPIKES, 1]).code,
      ERR.BAD_REQUEST,
      'spikes of the readout',
    );
    assert.equal(board.error(T.STREAM_START, [REPORT_SPIKES, 7]).code, ERR.BAD_REQUEST, 'no such layer');
    assert.equal(board.hello().badRequests, 6);
  });

  it('refuses a report whose RESULT could exceed maxFrame, naming the bytes it needs', () => {
    const rng = new Rng(7);
    const model = writeHsm(
      randomModel(rng, 4, [
        { kind: 'feedforward', neuronCount: 30, bucketBits: 0, levelCount: 1 },
        { kind: 'readout', neuronCount: 10, bucketBits: 0, levelCount: 1 },
      ]),
    );
    const board = new TestBoard({ maxFrame: 64 });
    board.install(model);
    const e = board.error(T.STREAM_START, [REPORT_SPIKES, 0]);
    // Frame overhead 4, the fixed part 11, the latest detection 13, then the reported parts.
    assert.deepEqual([e.code, e.detail], [ERR.BAD_REQUEST, 4 + 11 + 13 + 2 + 60]);
    assert.equal(
      board.error(T.STREAM_START, [REPORT_SCORES | REPORT_SPIKES, 0]).detail,
      4 + 11 + 13 + 40 + 2 + 60,
    );
    assert.equal(board.error(T.STREAM_START, [REPORT_SCORES, 0]).detail, 4 + 11 + 13 + 40);
    assert.equal(board.startStream(0).classes, 10, 'the decision alone fits: 4 + 11 + 13 bytes');
    board.device.setMaxFrame(256);
    board.startStream(REPORT_SCORES | REPORT_SPIKES, 0);
    // Lowered during the stream: RESULTs that no longer fit are dropped and counted, never sent.
    board.device.setMaxFrame(64);
    const { nextStep, results } = board.spikes(0, [[0], [1], [2]]);
    assert.deepEqual([nextStep, results.length, board.hello().resultsDropped], [3, 0, 3]);
  });

  it('needs a model and a stream: NO_MODEL, NOT_STREAMING', () => {
    const board = new TestBoard();
    assert.equal(board.error(T.STREAM_START, [0, 0]).code, ERR.NO_MODEL);
    assert.equal(board.error(T.SPIKES, spikesPayload(0, [[0]])).code, ERR.NOT_STREAMING);
    assert.equal(board.error(T.STREAM_STOP).code, ERR.NOT_STREAMING);
    board.install(TINY);
    assert.equal(board.error(T.SPIKES, spikesPayload(0, [[0]])).code, ERR.NOT_STREAMING);
    board.startStream(0);
    assert.equal(board.hello().flags, 3, 'model loaded, streaming');
    board.stop();
    assert.equal(board.error(T.SPIKES, spikesPayload(0, [[0]])).code, ERR.NOT_STREAMING);
  });

  it('answers a retried STREAM_STOP (same seq) with the same STOPPED', () => {
    const board = new TestBoard();
    board.install(TINY);
    board.startStream(0);
    board.spikes(0, [[0], [1], [0, 2]]);
    const first = board.request(T.STREAM_STOP, [], 77);
    assert.equal(first.type, T.STOPPED);
    assert.deepEqual(board.request(T.STREAM_STOP, [], 77), first);
    assert.equal(board.error(T.STREAM_STOP).code, ERR.NOT_STREAMING);
  });

  it('answers a retried STREAM_STOP with a detection, and the next upload still verifies', () => {
    // A STOPPED with the latest detection (21 bytes) once overran the 16-byte reply memory into
    // the CRC-32 table behind it: every later upload failed with HASH_MISMATCH.
    const board = new TestBoard();
    board.install(TINY);
    board.startStream(0);
    const steps = Array.from({ length: 60 }, (_, t) => (t % 2 ? [0, 1] : [0]));
    board.spikes(0, steps.slice(0, 30));
    board.spikes(30, steps.slice(30));
    const first = board.request(T.STREAM_STOP, [], 78);
    assert.equal(first.type, T.STOPPED);
    assert.equal(first.payload.length, 19, 'STOPPED carries the latest detection');
    assert.deepEqual(board.request(T.STREAM_STOP, [], 78), first);
    board.install(SPARSE);
    assert.equal(board.hello().modelBytes, SPARSE.length);
  });

  it('restarts the state and step counter on STREAM_START', () => {
    const board = new TestBoard();
    board.install(TINY);
    const steps = inputsFor(TINY, 30, 10);
    streamMatches(board, TINY, steps, REPORT_SCORES, 0);
    streamMatches(board, TINY, steps, REPORT_SCORES, 0);
  });

  it('ends the stream when COMMIT or ROLLBACK loads another model', () => {
    const board = new TestBoard();
    board.install(TINY);
    board.install(SPARSE);
    board.startStream(0);
    board.rollback();
    assert.equal(board.error(T.SPIKES, spikesPayload(0, [[0]])).code, ERR.NOT_STREAMING);
    board.startStream(0);
    board.send(PER_NEURON);
    board.spikes(0, [[0]]);
    assert.equal(board.hello().flags & 2, 2, 'an upload does not disturb the stream');
    board.commit();
    assert.equal(board.hello().flags & 2, 0);
  });

  it('paces the steps by the transmitter: a slow UART delays RESULTs but loses none', () => {
    const board = new TestBoard({ uart: { writeChunk: 5 } });
    board.install(TINY);
    const steps = inputsFor(TINY, 40, 200);
    const expected = simulated(TINY, steps, 0);
    board.startStream(REPORT_SCORES | REPORT_SPIKES);
    const results: Frame[] = [];
    let next = 0;
    for (let at = 0; at < steps.length; at += 25) {
      const reply = board.request(T.SPIKES, spikesPayload(at, steps.slice(at, at + 25)));
      assert.equal(reply.type, T.SPIKES_ACK);
      next = new In(reply.payload).u32();
      results.push(...reply.results);
    }
    assert.equal(next, 200);
    checkResults(results, expected, 0, 3, REPORT_SCORES | REPORT_SPIKES);
    assert.equal(board.hello().resultsDropped, 0);
  });

  it('queues RESULTs before the SPIKES_ACK, all with the SPIKES seq', () => {
    const board = new TestBoard();
    board.install(TINY);
    board.startStream(0);
    const { replies, results } = board.exchange(
      new Uint8Array([...wireFrames([[T.SPIKES, 33, spikesPayload(0, [[0], [1]])]])]),
    );
    assert.deepEqual(
      results.map((f) => f.seq),
      [33, 33],
    );
    assert.deepEqual(
      replies.map((f) => [f.type, f.seq]),
      [[T.SPIKES_ACK, 33]],
    );
  });

  it('keeps BAD_INPUT details as engine codes and errors tied to the request type', () => {
    const board = new TestBoard();
    board.install(TINY);
    board.startStream(0);
    const reply = board.request(T.SPIKES, spikesPayload(0, [[9]]));
    assert.deepEqual(decodeError(reply.payload), {
      requestType: T.SPIKES,
      code: ERR.BAD_INPUT,
      detail: ENGINE_BAD_INPUT,
    });
  });
});

function wireFrames(list: [number, number, Uint8Array][]): number[] {
  return list.flatMap(([type, seq, payload]) => Array.from(wireOf(type, seq, payload)));
}
