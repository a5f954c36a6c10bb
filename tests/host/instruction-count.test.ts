/**
 * The bench's instruction counter (bench/instrument-wasm.ts): exact on hand-written control flow,
 * invisible to what the engine computes (the counting copy of build/hetsyn.wasm gives the real
 * module's front-end spikes, scores, spikes, decisions and detections on the shipped gsc12 model and
 * its sample clips), deterministic, and growing with the work a step does.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import wabtModule from 'wabt';
import { openEngine } from '../../host/wasm/module.js';
import type { Engine } from '../../host/wasm/engine.js';
import { openDataset } from '../../host/data/dataset.js';
import { readWav } from '../../host/audio/read-wav.js';
import { COUNTER_EXPORT, functionCounterExport, instrumentWasm } from '../../bench/instrument-wasm.js';
import { measureHopCost, openCountingEngine, type HopProfile } from '../../bench/instruction-count.js';
import { REPO_ROOT } from './fixtures.js';

const MODEL = readFileSync(join(REPO_ROOT, 'models/gsc12-kws.hsm'));
const SAMPLES = join(REPO_ROOT, 'models/samples/gsc12');

const wabt = await wabtModule();

function countingInstance(
  wat: string,
  perFunction = false,
): { exports: WebAssembly.Exports; counter: WebAssembly.Global } {
  const { buffer } = wabt.parseWat('t.wat', wat).toBinary({});
  const instance = new WebAssembly.Instance(new WebAssembly.Module(instrumentWasm(buffer, perFunction)));
  return { exports: instance.exports, counter: instance.exports[COUNTER_EXPORT] as WebAssembly.Global };
}

const LOOPS_AND_CALLS = `(module
    (global $g (mut i32) (i32.const 0))
    (func (export "down") (param $n i32)
      (loop $l (local.set $n (i32.sub (local.get $n) (i32.const 1))) (br_if $l (local.get $n))))
    (func (export "pick") (param i32) (result i32)
      (if (result i32) (local.get 0) (then (i32.const 1)) (else (i32.const 2))))
    (func (export "twice") (param $n i32) (call 0 (local.get $n)) (call 0 (local.get $n))))`;

test('the counter counts every executed instruction of loops and branches, and nothing else', () => {
  const { exports, counter } = countingInstance(LOOPS_AND_CALLS);
  const cost = (run: () => unknown): bigint => {
    const before = counter.value as bigint;
    run();
    return (counter.value as bigint) - before;
  };
  const down = exports.down as (n: number) => void;
  // loop; per pass local.get i32.const i32.sub local.set local.get br_if; the loop's and the function's end.
  for (const n of [1, 2, 7])
    assert.equal(
      cost(() => down(n)),
      BigInt(1 + 6 * n + 2),
    );
  // local.get if; i32.const and else (or end); the function's end: five either way.
  const pick = exports.pick as (x: number) => number;
  assert.equal(
    cost(() => assert.equal(pick(1), 1)),
    5n,
  );
  assert.equal(
    cost(() => assert.equal(pick(0), 2)),
    5n,
  );
  // Two calls of `down` plus the caller's own local.get call local.get call end.
  assert.equal(
    cost(() => (exports.twice as (n: number) => void)(3)),
    BigInt(5 + 2 * (1 + 6 * 3 + 2)),
  );
});

test('per function, the counter splits the same counts by the function that executed them', () => {
  const { exports, counter } = countingInstance(LOOPS_AND_CALLS, true);
  const byFunction = (): bigint[] =>
    [0, 1, 2].map((i) => (exports[functionCounterExport(i)] as WebAssembly.Global).value as bigint);
  assert.equal(exports[functionCounterExport(3)], undefined);
  (exports.twice as (n: number) => void)(3);
  (exports.pick as (x: number) => number)(0);
  assert.deepEqual(byFunction(), [BigInt(2 * (1 + 6 * 3 + 2)), 5n, 5n]);
  assert.equal(counter.value, BigInt(2 * (1 + 6 * 3 + 2) + 5 + 5));
});

interface HopTrace {
  frontendSpikes: number[][];
  scores: number[][];
  spikes: number[][];
  decisions: number[];
  detections: number[];
}

/** A clip pushed one hop at a time, the network stepped on each step: what the engine reports. */
function traceClip(engine: Engine, samples: Int16Array, hop: number): HopTrace {
  const trace: HopTrace = { frontendSpikes: [], scores: [], spikes: [], decisions: [], detections: [] };
  engine.reset();
  engine.frontendConfigureFromModel();
  for (let at = 0; at < samples.length; at += hop) {
    for (const spikes of engine.encodeAudio(samples.subarray(at, at + hop))) {
      engine.step(spikes);
      trace.frontendSpikes.push(spikes);
      trace.scores.push(Array.from(engine.scores()));
      trace.spikes.push(Array.from(engine.spikeList(0)));
      trace.decisions.push(engine.decision());
      trace.detections.push(engine.detectStep());
    }
  }
  return trace;
}

test('the counting copy of hetsyn.wasm computes what the real one does on the gsc12 sample clips', () => {
  const real = openEngine();
  const { engine: counted } = openCountingEngine();
  const info = real.loadOrThrow(MODEL);
  counted.loadOrThrow(MODEL);
  const hop = ((info.frontend?.hopMs ?? 0) * (info.frontend?.sampleRateHz ?? 0)) / 1000;
  assert.equal(hop, 160);
  const clips = openDataset(SAMPLES).clips('all');
  assert.equal(clips.length, 24);
  for (const clip of clips) {
    const { samples } = readWav(clip.path);
    const expected = traceClip(real, samples, hop);
    assert.ok(expected.scores.length > 90, `${clip.path}: ${expected.scores.length} steps`);
    assert.deepEqual(traceClip(counted, samples, hop), expected, clip.path);
  }
});

test('instruction counts are deterministic and grow with the spikes a step takes', () => {
  const first = measureHopCost(MODEL, SAMPLES);
  assert.deepEqual(measureHopCost(MODEL, SAMPLES), first);
  assert.equal(first.clips, 24);
  assert.ok(first.hops >= 24 * 90);
  assert.ok(first.engineMean > 1000 && first.engineP99 > first.engineMean);
  assert.ok(first.frontendMean > 1000);
  assert.ok(first.detectMean > 10);

  const profile: HopProfile = { frontend: [], engine: [], detect: [] };
  assert.deepEqual(measureHopCost(MODEL, SAMPLES, undefined, profile), first);
  const sum = (counts: number[]): number => counts.reduce((a, b) => a + b, 0);
  assert.equal(sum(profile.frontend) / first.hops, first.frontendMean);
  assert.equal(sum(profile.engine) / first.hops, first.engineMean);
  assert.equal(sum(profile.detect) / first.hops, first.detectMean);

  const { engine, count } = openCountingEngine();
  const info = engine.loadOrThrow(MODEL);
  const fromReset = (channels: number[]): number => {
    engine.reset();
    return count(() => engine.step(channels)).instructions;
  };
  const costs = [0, 1, 4, 16].map((n) => fromReset(Array.from({ length: n }, (_, i) => i * 3)));
  for (let i = 1; i < costs.length; i++) assert.ok(costs[i] > costs[i - 1], `costs ${costs.join(' < ')}`);
  assert.equal(fromReset([5, 9]), fromReset([5, 9]));
  // A dense row adds to every hidden neuron: each input spike costs at least one instruction per neuron.
  assert.ok(costs[2] - costs[1] >= 3 * (info.layers[0]?.neuronCount ?? 0));
});
