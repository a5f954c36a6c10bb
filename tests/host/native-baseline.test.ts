/**
 * bench/native/engine.c is a second implementation of docs/fixed-point.md, written from the spec
 * alone. Its step-by-step dump must equal the .wasm engine's, line for line, on every layout the
 * format allows and on a network driven into saturation (both engines skip saturation checks while
 * a bound proves them unneeded, so the saturating path has to be shown to agree too). It also keeps
 * the benchmark honest: the baseline computes exactly what the .wasm computes.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../../host/wasm/engine.js';
import { writeHsm } from '../../host/model/hsm-writer.js';
import type { HsmModel } from '../../host/model/hsm.js';
import {
  randomNetwork,
  randomSpikeTrain,
  type RandomNetworkOptions,
} from '../../host/float/random-network.js';
import { quantize, type SparseMode } from '../../host/quantize/quantize.js';
import { encodeSpikeBinary } from '../../host/spikes/spike-file.js';
import { simulate } from '../../host/sim/simulate.js';
import { dumpNative, formatDumpLine } from '../../bench/native.js';

const dir = mkdtempSync(join(tmpdir(), 'hetsyn-native-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

function assertSameDump(name: string, model: HsmModel, steps: number[][]): void {
  const modelPath = join(dir, `${name}.hsm`);
  const spikesPath = join(dir, `${name}.spk`);
  const bytes = writeHsm(model);
  writeFileSync(modelPath, bytes);
  writeFileSync(spikesPath, encodeSpikeBinary({ steps }, model.inputCount));
  const engine = Engine.open();
  engine.loadOrThrow(bytes);
  const wasm = simulate(engine, { steps }, { spikes: true }).map(formatDumpLine);
  const native = dumpNative(modelPath, spikesPath);
  assert.equal(native.length, wasm.length);
  for (let t = 0; t < wasm.length; t++) assert.equal(native[t], wasm[t], `${name}: step ${t} differs`);
}

const LAYOUTS: [string, RandomNetworkOptions, SparseMode, number][] = [
  [
    'kws-4bit',
    {
      seed: 21,
      inputCount: 64,
      layers: [
        { kind: 'recurrent', size: 37 },
        { kind: 'readout', size: 5 },
      ],
    },
    'never',
    16,
  ],
  [
    'deep-8bit',
    {
      seed: 22,
      inputCount: 33,
      levels: 24,
      layers: [
        { kind: 'feedforward', size: 19 },
        { kind: 'recurrent', size: 21 },
        { kind: 'readout', size: 4 },
      ],
    },
    'never',
    24,
  ],
  [
    'neuron-levels',
    {
      seed: 23,
      inputCount: 20,
      rhoMode: 'neuron',
      levels: 6,
      layers: [
        { kind: 'recurrent', size: 15 },
        { kind: 'readout', size: 3 },
      ],
    },
    'never',
    16,
  ],
  [
    'sparse-all-packings',
    {
      seed: 24,
      inputCount: 40,
      density: 0.25,
      levels: 20,
      heterogeneous: true,
      layers: [
        { kind: 'recurrent', size: 23 },
        { kind: 'feedforward', size: 17 },
        { kind: 'readout', size: 6 },
      ],
    },
    'always',
    20,
  ],
];

for (const [name, options, sparse, levels] of LAYOUTS) {
  test(`native C baseline equals the .wasm bit for bit: ${name}`, () => {
    const { hsm } = quantize(randomNetwork(options), { levels, sparse });
    const steps = randomSpikeTrain(options.seed, options.inputCount, 200, 0.08);
    assertSameDump(name, hsm, steps);
  });
}

test('native C baseline equals the .wasm when sums saturate at both limits', () => {
  // Input 0 adds +127 and -128 (times 2^16, about 8.3M) to no-decay slots of neurons 0 and 1, twice
  // per step: within 150 steps neuron 1's membrane sticks at i32 min, and neuron 0's reaches
  // exactly i32 max, the threshold, which only saturation (never wrapping) can produce.
  const model: HsmModel = {
    name: 'saturate',
    timestepUs: 1000,
    inputCount: 2,
    decision: { mode: 'sum', skipSteps: 0 },
    labels: ['up', 'down'],
    layers: [
      {
        kind: 'feedforward',
        inputCount: 2,
        neuronCount: 2,
        bucketBits: 4,
        levelDecayQ16: [65536, 65000],
        resetDecayQ16: 65536,
        weightShift: 16,
        stateFracBits: 16,
        threshold: Int32Array.of(2_147_483_647, 2_147_483_647),
        drive: Int32Array.of(0, -5),
        weight: Int8Array.of(127, -128, -128, 127),
        synapseLevel: Uint8Array.of(0, 0, 1, 1),
      },
      {
        kind: 'readout',
        inputCount: 2,
        neuronCount: 2,
        bucketBits: 0,
        levelDecayQ16: [65536],
        resetDecayQ16: 0,
        weightShift: 16,
        stateFracBits: 16,
        drive: Int32Array.of(0, 0),
        neuronLevel: Uint8Array.of(0, 0),
        weight: Int8Array.of(127, -128, -128, 127),
      },
    ],
  };
  const steps = [
    ...Array.from({ length: 150 }, () => [0, 0]),
    ...Array.from({ length: 150 }, () => [1, 1]),
    ...Array.from({ length: 50 }, () => [] as number[]),
  ];
  assertSameDump('saturate', model, steps);
  const engine = Engine.open();
  engine.loadOrThrow(writeHsm(model));
  const neuron0: number[] = [];
  let spikes0 = 0;
  for (const channels of steps.slice(0, 150)) {
    engine.step(channels);
    neuron0.push(engine.membrane(0, 0));
    spikes0 += engine.spikes(0)[0] ?? 0;
  }
  assert.equal(engine.membrane(0, 1), -2147483648, 'neuron 1 sticks at i32 min');
  assert.ok(neuron0.includes(2147483647), 'neuron 0 reached i32 max');
  assert.equal(spikes0, 1, 'neuron 0 fired once, at saturation, and its reset current holds it below');
});
