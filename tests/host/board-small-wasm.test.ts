/**
 * The board-small build of the module (build/hetsyn-board-small.wasm, asconfig.json's board-small
 * target, docs/memory-budget.md "RAM under 64 KiB"): the board's exports only, a 10,752 B state
 * arena, maxFrame 256 and at most 4 layers. It runs the shipped gsc12 model as the default build
 * does, bit for bit, and refuses with TOO_LARGE what does not fit it, which the default build takes.
 */

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readWav } from '../../host/audio/read-wav.js';
import { statusCode } from '../../host/model/errors.js';
import { writeHsm } from '../../host/model/hsm-writer.js';
import { compileModule, openEngine } from '../../host/wasm/module.js';
import { decodeError, decodeResult, ERR, Out, T, TestBoard } from './device-harness.js';
import { randomModel, REPO_ROOT, Rng, type LayerSpec } from './fixtures.js';

const SMALL_WASM = join(REPO_ROOT, 'build', 'hetsyn-board-small.wasm');
const DEFAULT_WASM = join(REPO_ROOT, 'build', 'hetsyn.wasm');
const GSC12 = new Uint8Array(readFileSync(join(REPO_ROOT, 'models', 'gsc12-kws.hsm')));
const CLIP = join(REPO_ROOT, 'models', 'samples', 'gsc12', 'yes', '2c6d3924_nohash_0.wav');
const SLOT_BYTES = 128 * 1024; // the MPS2 port's slots: the shipped gsc12-kws is 87.7 KB
const TOO_LARGE = statusCode('TOO_LARGE');
const REPORT_SCORES = 1;
const REPORT_SPIKES = 4;
const SOURCE_AUDIO = 8;

function heapBase(wasmPath: string): number {
  const instance = new WebAssembly.Instance(compileModule(wasmPath), {
    env: new Proxy({}, { get: () => () => 0 }),
  });
  const global = instance.exports.__heap_base;
  assert.ok(global instanceof WebAssembly.Global);
  return global.value as number;
}

/** Commits `model` on a fresh board running `wasmPath`: the engine's status code (0: committed). */
function commitStatus(wasmPath: string, model: Uint8Array): number {
  const board = new TestBoard({ wasmPath, slotBytes: SLOT_BYTES });
  const status = board.send(model);
  assert.equal(status.offset, model.length, 'verified');
  const reply = board.request(T.COMMIT);
  if (reply.type !== T.ERROR) return 0;
  const e = decodeError(reply.payload);
  assert.equal(e.code, ERR.MODEL_REJECTED);
  return e.detail;
}

describe('board-small module', () => {
  it('exports the board entry points and the device queries only, and moves __heap_base down', () => {
    const exports = WebAssembly.Module.exports(compileModule(SMALL_WASM)).map((e) => e.name);
    assert.deepEqual(exports.sort(), [
      '__data_end',
      '__heap_base',
      'boardInit',
      'boardPoll',
      'boardSetMaxFrame',
      'decision',
      'engineVersion',
      'memory',
      'modelInfo',
      'modelLoaded',
      'stepCount',
    ]);
    // The arena alone is 24,576 - 10,752 B smaller; the frame buffers and layer table add to it.
    assert.ok(heapBase(SMALL_WASM) < heapBase(DEFAULT_WASM) - (24_576 - 10_752));
  });

  it('runs gsc12-kws on AUDIO frames of its maxFrame 256 with the default build scores', () => {
    const { samples } = readWav(CLIP);
    const engine = openEngine(DEFAULT_WASM);
    assert.equal(engine.load(GSC12), 0);
    engine.frontendConfigureFromModel();
    const want = engine.encodeAudio(samples).map((active) => {
      engine.step(active);
      return Array.from(engine.scores());
    });
    assert.ok(want.length > 90);

    const board = new TestBoard({ wasmPath: SMALL_WASM, slotBytes: SLOT_BYTES });
    assert.equal(board.hello().maxFrame, 256);
    board.install(GSC12);
    board.ok(T.STREAM_START, [REPORT_SCORES | SOURCE_AUDIO, 0]);
    const perFrame = (256 - 8) / 2;
    const got: number[][] = [];
    for (let at = 0; at < samples.length; at += perFrame) {
      const payload = new Out().u32(at);
      for (const s of samples.subarray(at, at + perFrame)) payload.u16(s & 0xffff);
      for (const r of board.request(T.AUDIO, payload.done()).results)
        got.push(decodeResult(r.payload, 12).scores ?? []);
    }
    assert.deepEqual(got, want);
    board.ok(T.STREAM_STOP);
    // What maxFrame 256 gives up: a RESULT with the spikes of 256 neurons does not fit.
    const e = board.error(T.STREAM_START, [REPORT_SPIKES, 0]);
    assert.deepEqual([e.code, e.detail], [ERR.BAD_REQUEST, 4 + 11 + 13 + 2 + 2 * 256]);
  });

  it('refuses with TOO_LARGE a model whose state exceeds its arena, or with 5 layers; the default build takes both', () => {
    const rng = new Rng(7);
    const r256: LayerSpec[] = [
      { kind: 'recurrent', neuronCount: 256, bucketBits: 4, levelCount: 16, density: 0.05 },
      { kind: 'readout', neuronCount: 4, bucketBits: 4, levelCount: 2 },
    ];
    const fiveLayers: LayerSpec[] = [
      ...[0, 1, 2, 3].map((): LayerSpec => ({
        kind: 'feedforward',
        neuronCount: 4,
        bucketBits: 4,
        levelCount: 2,
      })),
      { kind: 'readout', neuronCount: 2, bucketBits: 4, levelCount: 2 },
    ];
    for (const specs of [r256, fiveLayers]) {
      const model = writeHsm(randomModel(rng, 16, specs));
      assert.equal(commitStatus(SMALL_WASM, model), TOO_LARGE, `${specs.length} layers on board-small`);
      assert.equal(commitStatus(DEFAULT_WASM, model), 0, `${specs.length} layers on the default build`);
    }
  });
});
