/**
 * The board's AUDIO stream: samples sent in AUDIO frames of any size, with repeats, give the
 * RESULTs (step and scores) of the same model run on the host through the .wasm front-end.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openEngine } from '../../host/wasm/module.js';
import { writeHsm } from '../../host/model/hsm-writer.js';
import { audioModel, Rng } from './fixtures.js';
import { decodeResult, ERR, Out, T, TestBoard } from './device-harness.js';

const REPORT_SCORES = 1;
const SOURCE_AUDIO = 8;
const MODEL = audioModel(['yes', 'no']);
const BYTES = writeHsm(MODEL);

function noise(count: number, seed: number): Int16Array {
  const rng = new Rng(seed);
  return Int16Array.from({ length: count }, () => rng.range(-8000, 8000));
}

function onHost(samples: Int16Array): number[][] {
  const engine = openEngine();
  engine.load(BYTES);
  if (MODEL.frontend === undefined) throw new Error('audioModel has a front-end');
  engine.frontendConfigure(MODEL.frontend);
  return engine.encodeAudio(samples, Infinity).map((active) => {
    engine.step(active);
    return Array.from(engine.scores());
  });
}

function audioPayload(first: number, samples: Int16Array): Uint8Array {
  const out = new Out().u32(first);
  for (const s of samples) out.u16(s & 0xffff);
  return out.done();
}

describe('AUDIO stream', () => {
  it('gives the host run scores step for step, in any frame size, a repeat running nothing twice', () => {
    const samples = noise(8000, 5);
    const want = onHost(samples);
    assert.ok(want.length > 90 && want.some((scores) => scores.some((x) => x !== 0)), 'steps with scores');
    for (const perFrame of [37, 250]) {
      const board = new TestBoard();
      board.install(BYTES);
      board.ok(T.STREAM_START, [REPORT_SCORES | SOURCE_AUDIO, 0]);
      const got: number[][] = [];
      for (let at = 0; at < samples.length; at += perFrame) {
        const payload = audioPayload(at, samples.subarray(at, at + perFrame));
        const reply = board.request(T.AUDIO, payload);
        for (const r of reply.results) got.push(decodeResult(r.payload, 2).scores ?? []);
        // A resend of the same frame is only acked.
        assert.equal(board.request(T.AUDIO, payload).results.length, 0);
      }
      assert.deepEqual(got, want, `${perFrame} samples per frame`);
    }
  });

  it('refuses SPIKES in an audio stream and a gap in the samples', () => {
    const board = new TestBoard();
    board.install(BYTES);
    board.ok(T.STREAM_START, [REPORT_SCORES | SOURCE_AUDIO, 0]);
    assert.equal(board.error(T.SPIKES, [0, 0, 0, 0, 0]).code, ERR.BAD_REQUEST);
    const e = board.error(T.AUDIO, audioPayload(10, noise(4, 1)));
    assert.deepEqual([e.code, e.detail], [ERR.STEP_GAP, 0]);
  });
});
