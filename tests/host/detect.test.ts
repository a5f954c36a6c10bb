/**
 * The continuous detector (docs/detection.md, docs/fixed-point.md "Continuous detection"): the real
 * .wasm's smoothing, margin, thresholds, warm-up and suppression against traces computed by hand,
 * fed through the detector alone (scores written where the readout leaves them); the DETECT
 * section's defaults, round trip and rejections; and a detection in sim equal to the stream's.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openEngine } from '../../host/wasm/module.js';
import type { Engine } from '../../host/wasm/engine.js';
import { writeHsm } from '../../host/model/hsm-writer.js';
import { readHsm } from '../../host/model/hsm-reader.js';
import { SECTION_DETECT, SECTION_FRONTEND, type HsmModel } from '../../host/model/hsm.js';
import type { DetectParams } from '../../host/model/detection.js';
import {
  assemble,
  audioModel,
  edited,
  FILE_FIELD,
  peek,
  poke,
  splitSections,
  statusName,
  tinyModel,
} from './fixtures.js';

/** tinyModel's labels are left, right, idle; its readout's stateFracBits is 12. */
function engineWith(detect?: DetectParams, overrides: Partial<HsmModel> = {}): Engine {
  const engine = openEngine();
  engine.loadOrThrow(writeHsm({ ...tinyModel(overrides), ...(detect ? { detect } : {}) }));
  return engine;
}

/** Feeds each step's scores to the detector alone; the class detected at each step, or -1. */
function feed(engine: Engine, steps: readonly (readonly number[])[]): number[] {
  return steps.map((scores) => {
    engine.setScores(scores);
    return engine.detectStep();
  });
}

describe('detector', () => {
  it('smooths with an exponential mean and detects once past the warm-up, at the threshold', () => {
    const engine = engineWith({ smoothingShift: 2, suppressSteps: 1000, thresholds: [60, 60, 60] });
    // m = m + ((100 - m) >> 2) from 0: 25, 43, 57, 67, 75; warm-up is steps 0..3 (2^2 steps).
    const detected = feed(
      engine,
      Array.from({ length: 6 }, () => [100, 0, 0]),
    );
    assert.deepEqual(detected, [-1, -1, -1, -1, 0, -1]);
    assert.deepEqual(engine.lastDetection(), { count: 1, step: 4, label: 0, score: 75 });
  });

  it('rounds the mean toward minus infinity and measures the margin over the second best', () => {
    const engine = engineWith({ smoothingShift: 2, suppressSteps: 0, thresholds: [0, 0, 0] });
    // class 1: (-7 - 0) >> 2 = -2 (not -1); class 2: (9 - 0) >> 2 = 2; class 0 stays 0.
    feed(engine, [[0, -7, 9]]);
    // then class 2: 2 + ((9 - 2) >> 2) = 3; class 1: -2 + ((-7 + 2) >> 2) = -4; ... after 4 steps:
    // class 2: 3, 4, 5 (steps 1..3), class 0: 0 -> margin 5 at step 4's mean 6 - 0 = 6.
    const detected = feed(engine, [
      [0, -7, 9],
      [0, -7, 9],
      [0, -7, 9],
      [0, -7, 9],
    ]);
    assert.deepEqual(detected, [-1, -1, -1, 2]);
    assert.deepEqual(engine.lastDetection(), { count: 1, step: 4, label: 2, score: 6 });
  });

  it('suppresses for suppressSteps after a detection, then detects again', () => {
    const engine = engineWith({ smoothingShift: 0, suppressSteps: 3, thresholds: [10, 10, 10] });
    // W = 1: the mean is the score; no warm-up beyond step 0.
    const detected = feed(
      engine,
      Array.from({ length: 10 }, () => [50, 0, 0]),
    );
    assert.deepEqual(detected, [-1, 0, -1, -1, -1, 0, -1, -1, -1, 0]);
    assert.equal(engine.lastDetection()?.count, 3);
  });

  it('never detects a class whose threshold is negative, and breaks a tie by the lower index', () => {
    const engine = engineWith({ smoothingShift: 0, suppressSteps: 0, thresholds: [-1, 0, 0] });
    assert.deepEqual(
      feed(engine, [
        [0, 0, 0],
        [90, 10, 0],
        [0, 5, 5],
        [0, 7, 7],
      ]),
      [-1, -1, 1, 1],
    );
    assert.equal(engine.lastDetection()?.score, 0, 'a tie is a margin of 0');
  });

  it('takes a margin of 2^31 - 1 when the scores are far apart, without wrapping', () => {
    const engine = engineWith({ smoothingShift: 0, suppressSteps: 0, thresholds: [2147483647, 0, 0] });
    assert.deepEqual(
      feed(engine, [
        [0, 0, 0],
        [2147483647, -2147483648, -2147483648],
      ]),
      [-1, 0],
    );
    assert.equal(engine.lastDetection()?.score, 2147483647);
  });

  it('is reset with the network (reset, and detectReset alone), keeping its parameters', () => {
    const engine = engineWith({ smoothingShift: 0, suppressSteps: 50, thresholds: [10, 10, 10] });
    assert.deepEqual(
      feed(engine, [
        [0, 0, 0],
        [50, 0, 0],
      ]),
      [-1, 0],
    );
    engine.reset();
    assert.equal(engine.lastDetection(), undefined);
    assert.deepEqual(
      feed(engine, [
        [0, 0, 0],
        [50, 0, 0],
      ]),
      [-1, 0],
      'no suppression left over',
    );
    engine.detectReset();
    assert.equal(engine.lastDetection(), undefined);
    assert.deepEqual(engine.detectParams(), {
      smoothingShift: 0,
      suppressSteps: 50,
      thresholds: [10, 10, 10],
    });
  });

  it('takes overrides until the next load and refuses values out of range', () => {
    const engine = engineWith();
    engine.setDetectParams({ smoothingShift: 10, suppressSteps: 65535, thresholds: [1, -5, 7] });
    assert.deepEqual(engine.detectParams(), {
      smoothingShift: 10,
      suppressSteps: 65535,
      thresholds: [1, -5, 7],
    });
    assert.throws(() => engine.setDetectParams({ smoothingShift: 11 }), /BAD_DETECT/);
    assert.throws(() => engine.setDetectParams({ suppressSteps: 65536 }), /BAD_DETECT/);
    assert.throws(() => engine.setDetectParams({ thresholds: [0, 0, 0, 0] }), /BAD_DETECT/);
    engine.loadOrThrow(writeHsm(tinyModel()));
    assert.equal(engine.detectParams().smoothingShift, 5, 'a load brings back the model settings');
  });
});

describe('DETECT section (.hsm format 3)', () => {
  it('a model without one loads with the documented defaults', () => {
    const plain = writeHsm(tinyModel({ labels: ['left', '_noise_', 'idle'] }));
    assert.equal(peek(plain, FILE_FIELD.formatVersion, 'u16'), 1, 'still written as version 1');
    const engine = openEngine();
    engine.loadOrThrow(plain);
    // 2^12: the readout's stateFracBits; labels starting with "_" are never detected.
    assert.deepEqual(engine.detectParams(), {
      smoothingShift: 5,
      suppressSteps: 100,
      thresholds: [4096, -1, 4096],
    });
    const withFrontend = writeHsm(audioModel(['yes', '_silence_']));
    assert.equal(peek(withFrontend, FILE_FIELD.formatVersion, 'u16'), 2);
    engine.loadOrThrow(withFrontend);
    assert.deepEqual(engine.detectParams().thresholds.map(Math.sign), [1, -1]);
  });

  it('is written as version 3, loads as written and reads back', () => {
    const detect = { smoothingShift: 3, suppressSteps: 77, thresholds: [5, -1, 123456] };
    const bytes = writeHsm({ ...tinyModel(), detect });
    assert.equal(peek(bytes, FILE_FIELD.formatVersion, 'u16'), 3);
    assert.deepEqual(
      splitSections(bytes).map((s) => s.id),
      [1, 2, SECTION_DETECT, 8, 8],
    );
    const engine = openEngine();
    assert.equal(engine.loadOrThrow(bytes).formatVersion, 3);
    assert.deepEqual(engine.detectParams(), detect);
    assert.deepEqual(readHsm(bytes).detect, detect);
    assert.deepEqual(writeHsm(readHsm(bytes)), bytes);
  });

  const withDetect = writeHsm({
    ...audioModel(['a', 'b']),
    detect: { smoothingShift: 1, suppressSteps: 2, thresholds: [3, 4] },
  });
  const sections = splitSections(withDetect);
  const load = (bytes: Uint8Array): string => statusName(openEngine().load(bytes));
  const version = (bytes: Uint8Array, v: number): Uint8Array =>
    edited(bytes, (b) => poke(b, FILE_FIELD.formatVersion, 'u16', v));
  const file = (ids: number[], edit?: (payload: Uint8Array) => Uint8Array): Uint8Array => {
    const picked = ids.map((id) => sections.find((s) => s.id === id) ?? sections[0]);
    const all = [...picked, ...sections.filter((s) => s.id === 8)].map((s) =>
      s.id === SECTION_DETECT && edit ? { ...s, payload: edit(s.payload.slice()) } : s,
    );
    return version(assemble(all), 3);
  };
  const cases: [string, () => Uint8Array, string][] = [
    ['as written', () => withDetect, 'OK'],
    ['assembled by hand', () => file([1, 2, SECTION_FRONTEND, SECTION_DETECT]), 'OK'],
    ['without a front-end', () => file([1, 2, SECTION_DETECT]), 'OK'],
    ['in a version 2 file', () => version(withDetect, 2), 'UNKNOWN_SECTION'],
    ['before FRONTEND', () => file([1, 2, SECTION_DETECT, SECTION_FRONTEND]), 'SECTION_ORDER'],
    ['twice', () => file([1, 2, SECTION_FRONTEND, SECTION_DETECT, SECTION_DETECT]), 'SECTION_ORDER'],
    [
      'smoothing shift 11',
      () => file([1, 2, SECTION_FRONTEND, SECTION_DETECT], (p) => ((p[0] = 11), p)),
      'BAD_DETECT',
    ],
    [
      'a reserved byte set',
      () => file([1, 2, SECTION_FRONTEND, SECTION_DETECT], (p) => ((p[1] = 1), p)),
      'BAD_DETECT',
    ],
    [
      'thresholds for 3 classes of 2',
      () =>
        file([1, 2, SECTION_FRONTEND, SECTION_DETECT], (p) => {
          const longer = new Uint8Array(p.length + 4);
          longer.set(p);
          longer[4] = 3;
          return longer;
        }),
      'BAD_DETECT',
    ],
    [
      'a payload one threshold short',
      () => file([1, 2, SECTION_FRONTEND, SECTION_DETECT], (p) => p.slice(0, p.length - 4)),
      'BAD_SECTION',
    ],
  ];
  for (const [title, build, expected] of cases) {
    it(`${title} -> ${expected}`, () => assert.equal(load(build()), expected));
  }
});
