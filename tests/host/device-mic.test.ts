/**
 * The board's microphone (mic_read): a SOURCE_MIC stream gives the RESULTs (step and scores) of the
 * same audio run on the host through the .wasm front-end, however the samples arrive and however
 * slowly the UART drains, each RESULT with the STREAM_START's seq; and a board that starts with a
 * stored front-end model listens on its own, sending nothing, until a host takes it over.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryStorage } from '../../host/board/storage.js';
import { writeHsm } from '../../host/model/hsm-writer.js';
import type { MicPort } from '../../host/wasm/board-imports.js';
import { openEngine } from '../../host/wasm/module.js';
import { audioModel, Rng, tinyModel } from './fixtures.js';
import { decodeResult, ERR, Out, T, TestBoard, type Frame } from './device-harness.js';

const REPORT_SCORES = 1;
const SOURCE_AUDIO = 8;
const SOURCE_MIC = 16;
const FLAG_STREAMING = 2;
const FLAG_LISTENING = 8;
const FLAG_FRONTEND = 16;
const MODEL = audioModel(['yes', 'no']);
const BYTES = writeHsm(MODEL);

/** A microphone driver's ring: the test pushes samples in, the board reads at most `perRead`. */
class QueueMic implements MicPort {
  reads = 0;
  private queue: number[] = [];
  constructor(private readonly perRead = Infinity) {}

  push(samples: Int16Array): void {
    this.queue.push(...samples);
  }

  get pending(): number {
    return this.queue.length;
  }

  read(max: number): Int16Array {
    this.reads++;
    return Int16Array.from(this.queue.splice(0, Math.min(max, this.perRead)));
  }
}

function noise(count: number, seed: number): Int16Array {
  const rng = new Rng(seed);
  return Int16Array.from({ length: count }, () => rng.range(-8000, 8000));
}

/** The host's run of the same samples: each step's scores, and the decision after the last. */
function onHost(samples: Int16Array): { scores: number[][]; decision: number } {
  const engine = openEngine();
  engine.load(BYTES);
  if (MODEL.frontend === undefined) throw new Error('audioModel has a front-end');
  engine.frontendConfigure(MODEL.frontend);
  const scores = engine.encodeAudio(samples, Infinity).map((active) => {
    engine.step(active);
    return Array.from(engine.scores());
  });
  return { scores, decision: engine.decision() };
}

/** Polls until idle after each piece of `samples` reaches the microphone; the RESULTs sent. */
function listenTo(board: TestBoard, mic: QueueMic, samples: Int16Array, piece: number): Frame[] {
  const results: Frame[] = [];
  for (let at = 0; at < samples.length; at += piece) {
    mic.push(samples.subarray(at, at + piece));
    results.push(...board.exchange(new Uint8Array(0)).results);
  }
  return results;
}

/** A board that starts with MODEL stored (committed on an earlier board on the same storage). */
function bootedWith(model: Uint8Array, mic: QueueMic): TestBoard {
  const storage = new MemoryStorage({ slotBytes: 8192 });
  new TestBoard({ storage }).install(model);
  return new TestBoard({ storage, mic });
}

describe('microphone stream (SOURCE_MIC)', () => {
  const samples = noise(8000, 9);
  const want = onHost(samples);

  it('gives the host run scores step for step, whatever each read returns, with the STREAM_START seq', () => {
    assert.ok(
      want.scores.length > 90 && want.scores.some((s) => s.some((x) => x !== 0)),
      'steps with scores',
    );
    for (const [perRead, piece] of [
      [37, 1500],
      [Infinity, 8000],
      [1000, 333],
    ]) {
      const mic = new QueueMic(perRead);
      const board = new TestBoard({ mic });
      board.install(BYTES);
      assert.equal(mic.reads, 0, 'nothing listens before the stream');
      const start = board.request(T.STREAM_START, [REPORT_SCORES | SOURCE_MIC, 0], 0x5a);
      assert.equal(start.type, T.STREAMING);
      const results = listenTo(board, mic, samples, piece);
      assert.equal(mic.pending, 0, 'the board took every sample');
      assert.ok(
        results.every((r) => r.seq === 0x5a),
        'every RESULT carries the STREAM_START seq',
      );
      const got = results.map((r) => decodeResult(r.payload, 2));
      assert.deepEqual(
        got.map((r) => r.step),
        want.scores.map((_, t) => t),
      );
      assert.deepEqual(
        got.map((r) => r.scores),
        want.scores,
        `${perRead} samples per read, ${piece} per push`,
      );
      assert.deepEqual(board.stop(), { steps: want.scores.length, decision: want.decision });
    }
  });

  it('waits for room in the transmit ring instead of dropping a RESULT', () => {
    const mic = new QueueMic();
    // 8 bytes leave per poll: far slower than the RESULTs are made.
    const board = new TestBoard({ mic, uart: { writeChunk: 8 } });
    board.install(BYTES);
    board.startStream(REPORT_SCORES | SOURCE_MIC);
    board.uart.txCapacity = 8;
    const results = listenTo(board, mic, samples, 8000);
    board.uart.txCapacity = Infinity;
    assert.deepEqual(
      results.map((r) => decodeResult(r.payload, 2).scores),
      want.scores,
    );
    assert.equal(board.hello().resultsDropped, 0);
  });

  it('refuses AUDIO and SPIKES in a microphone stream, two sources, and a model without a front-end', () => {
    const board = new TestBoard({ mic: new QueueMic() });
    board.install(BYTES);
    assert.equal(board.error(T.STREAM_START, [SOURCE_AUDIO | SOURCE_MIC, 0]).code, ERR.BAD_REQUEST);
    board.startStream(SOURCE_MIC);
    assert.equal(board.error(T.SPIKES, [0, 0, 0, 0, 0]).code, ERR.BAD_REQUEST);
    assert.equal(board.error(T.AUDIO, new Out().u32(0).u16(0).done()).code, ERR.BAD_REQUEST);
    board.stop();
    const plain = new TestBoard({ mic: new QueueMic() });
    plain.install(writeHsm(tinyModel()));
    assert.equal(plain.error(T.STREAM_START, [SOURCE_MIC, 0]).code, ERR.MODEL_REJECTED);
  });
});

describe('listening on its own', () => {
  const samples = noise(4000, 3);
  const want = onHost(samples);

  it('starts with a stored front-end model: steps the network on the microphone, sends nothing', () => {
    const mic = new QueueMic(100);
    const board = bootedWith(BYTES, mic);
    assert.ok(board.logs.includes('hetsyn: listening; sample rate 8000'), board.logs.join('\n'));
    assert.deepEqual(listenTo(board, mic, samples, 700), []);
    assert.equal(board.uart.take().length, 0, 'no frame at all without a host');
    assert.equal(mic.pending, 0);
    assert.equal(board.device.exports.stepCount(), want.scores.length);
    assert.equal(board.device.exports.decision(), want.decision);
    // Listening takes nothing from the protocol: the board answers as always, and says it listens.
    assert.equal(board.hello().flags & (FLAG_STREAMING | FLAG_LISTENING), FLAG_LISTENING);
  });

  it("says in INFO that its model takes audio, with the model's front-end parameters", () => {
    const info = bootedWith(BYTES, new QueueMic()).hello();
    assert.equal(info.flags & FLAG_FRONTEND, FLAG_FRONTEND);
    const { sampleRateHz, bands, windowMs, hopMs, thresholdQ8 } =
      MODEL.frontend ?? assert.fail('no front-end');
    assert.deepEqual(info.frontend, { sampleRateHz, bands, windowMs, hopMs, thresholdQ8 });
    const plain = bootedWith(writeHsm(tinyModel()), new QueueMic()).hello();
    assert.equal(plain.flags & FLAG_FRONTEND, 0);
    assert.deepEqual(plain.frontend, { sampleRateHz: 0, bands: 0, windowMs: 0, hopMs: 0, thresholdQ8: 0 });
  });

  it('stops for good when a host starts a stream or commits a model', () => {
    for (const takeOver of ['stream', 'commit'] as const) {
      const mic = new QueueMic();
      const board = bootedWith(BYTES, mic);
      listenTo(board, mic, samples.subarray(0, 1000), 1000);
      assert.ok(board.device.exports.stepCount() > 0, 'it listened');
      if (takeOver === 'stream') {
        board.startStream(REPORT_SCORES);
        board.stop();
      } else {
        board.install(BYTES);
      }
      const reads = mic.reads;
      listenTo(board, mic, samples, 1000);
      assert.equal(mic.reads, reads, `no mic_read after the ${takeOver}`);
      assert.equal(board.hello().flags & FLAG_LISTENING, 0);
      assert.equal(mic.pending, samples.length);
    }
  });

  it('does not listen with a stored model that has no front-end', () => {
    const mic = new QueueMic();
    const board = bootedWith(writeHsm(tinyModel()), mic);
    listenTo(board, mic, samples, 1000);
    assert.equal(mic.reads, 0);
    assert.ok(!board.logs.some((line) => line.includes('listening')));
    assert.equal(board.hello().flags & FLAG_LISTENING, 0);
  });
});
