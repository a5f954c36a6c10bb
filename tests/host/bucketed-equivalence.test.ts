import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { BucketedFloat } from '../../host/float/bucketed.js';
import {
  randomNetwork,
  randomSpikeTrain,
  type RandomNetworkOptions,
} from '../../host/float/random-network.js';
import { FloatReference } from '../../host/float/reference.js';
import { NETWORK_LAYOUTS } from './fixtures.js';

const STEPS = 300;

interface Comparison {
  /** Largest |v_bucketed - v_reference| over the largest |v| seen, per layer. */
  relativeError: number[];
  spikeMismatches: number;
  /** Fraction of neuron-steps with a spike, per spiking layer. */
  rates: number[];
  widths: number[];
}

function compare(opts: RandomNetworkOptions, inputRate = 0.05): Comparison {
  const model = randomNetwork(opts);
  const reference = new FloatReference(model);
  const bucketed = new BucketedFloat(model);
  const layers = model.layers.length;
  const maxError = new Array<number>(layers).fill(0);
  const maxMagnitude = new Array<number>(layers).fill(0);
  const spikeCounts = new Array<number>(layers).fill(0);
  let spikeMismatches = 0;
  for (const active of randomSpikeTrain(opts.seed + 1000, opts.inputCount, STEPS, inputRate)) {
    reference.step(active);
    bucketed.step(active);
    for (let l = 0; l < layers; l++) {
      const vr = reference.membrane(l);
      const vb = bucketed.membrane(l);
      const zr = reference.spikes(l);
      const zb = bucketed.spikes(l);
      for (let j = 0; j < vr.length; j++) {
        maxError[l] = Math.max(maxError[l], Math.abs(vr[j] - vb[j]));
        maxMagnitude[l] = Math.max(maxMagnitude[l], Math.abs(vr[j]));
        if (zr[j] !== zb[j]) spikeMismatches++;
        spikeCounts[l] += zr[j];
      }
    }
  }
  return {
    relativeError: maxError.map((e, l) => e / Math.max(1, maxMagnitude[l])),
    spikeMismatches,
    rates: model.layers.slice(0, -1).map((layer, l) => spikeCounts[l] / (STEPS * layer.size)),
    widths: bucketed.stateWidths(),
  };
}

function assertEquivalent(result: Comparison): void {
  for (const e of result.relativeError) assert.ok(e <= 1e-9, `membrane differs by ${e} of its scale`);
  assert.equal(result.spikeMismatches, 0);
  // The comparison only means something if the hidden layers actually spike.
  for (const rate of result.rates) assert.ok(rate > 0.005 && rate < 0.1, `hidden firing rate ${rate}`);
}

describe('BucketedFloat equals FloatReference', () => {
  it('with per-synapse rho, recurrent layers, masks and heterogeneous thresholds', () => {
    const result = compare({
      seed: 11,
      inputCount: 40,
      layers: [
        { kind: 'recurrent', size: 48 },
        { kind: 'feedforward', size: 32 },
        { kind: 'readout', size: 6 },
      ],
      levels: 8,
      density: 0.6,
      heterogeneous: true,
    });
    assertEquivalent(result);
    // 7 decaying levels plus rho = 1 where a synapse drew it; the bucket count is the level count.
    for (const width of result.widths) assert.ok(width >= 7 && width <= 8, `width ${width}`);
  });

  it('with more levels than a nibble holds (K = 40)', () => {
    const result = compare({
      seed: 12,
      inputCount: 64,
      layers: [
        { kind: 'recurrent', size: 64 },
        { kind: 'readout', size: 4 },
      ],
      levels: 40,
    });
    assertEquivalent(result);
    assert.ok(result.widths[0] >= 39, `width ${result.widths[0]}`);
  });

  it('with per-neuron rho (one state per neuron)', () => {
    const result = compare({
      seed: 13,
      inputCount: 32,
      layers: [
        { kind: 'recurrent', size: 40 },
        { kind: 'readout', size: 5 },
      ],
      rhoMode: 'neuron',
      levels: 6,
      density: 0.8,
    });
    assertEquivalent(result);
    assert.deepEqual(result.widths, [1, 1]);
  });

  it('with one rho per layer (vanilla LIF)', () => {
    const result = compare({
      seed: 14,
      inputCount: 32,
      layers: [
        { kind: 'feedforward', size: 40 },
        { kind: 'recurrent', size: 20 },
        { kind: 'readout', size: 3 },
      ],
      rhoMode: 'layer',
    });
    assertEquivalent(result);
    assert.deepEqual(result.widths, [1, 1, 1]);
  });
});

describe('BucketedFloat equals FloatReference on the shared layouts', () => {
  for (const [name, layout] of Object.entries(NETWORK_LAYOUTS) as [string, RandomNetworkOptions][]) {
    it(name, () => {
      const result = compare(layout);
      assertEquivalent(result);
      // One state per neuron unless each synapse has its own time constant.
      const perNeuron = layout.rhoMode === 'neuron' || layout.rhoMode === 'layer';
      for (const width of result.widths) assert.ok(perNeuron ? width === 1 : width > 1, `width ${width}`);
    });
  }
});

describe('randomNetwork', () => {
  const shape: RandomNetworkOptions = {
    seed: 5,
    inputCount: 64,
    layers: [
      { kind: 'recurrent', size: 96 },
      { kind: 'readout', size: 10 },
    ],
  };

  it('is deterministic in its seed', () => {
    const a = randomNetwork(shape);
    const b = randomNetwork(shape);
    const c = randomNetwork({ ...shape, seed: 6 });
    assert.deepEqual(a.layers[0].weight, b.layers[0].weight);
    assert.deepEqual(a.layers[0].rho, b.layers[0].rho);
    assert.notDeepEqual(a.layers[0].weight, c.layers[0].weight);
    assert.deepEqual(randomSpikeTrain(3, 16, 20, 0.2), randomSpikeTrain(3, 16, 20, 0.2));
  });

  it('spreads tau like the paper: median about 7 steps, 5th percentile about 3, 95th about 33', () => {
    const rho = randomNetwork(shape).layers[0].rho;
    const taus = Array.from(rho, (r) => (r === 1 ? Infinity : -1 / Math.log(r))).sort((x, y) => x - y);
    const at = (p: number): number => taus[Math.floor(p * taus.length)];
    assert.ok(at(0.5) > 6 && at(0.5) < 8.5, `median ${at(0.5)}`);
    assert.ok(at(0.05) > 2.5 && at(0.05) < 3.7, `5th percentile ${at(0.05)}`);
    assert.ok(at(0.95) > 23 && at(0.95) < 45, `95th percentile ${at(0.95)}`);
    const noDecay = taus.filter((t) => t === Infinity).length / taus.length;
    assert.ok(noDecay > 0.002 && noDecay < 0.03, `no-decay share ${noDecay}`);
    assert.equal(new Set(rho).size, 16);
  });

  it('calibrates hidden layers to fire at about the target rate', () => {
    const model = randomNetwork({ ...shape, targetRate: 0.04 });
    const sim = new FloatReference(model);
    let spikes = 0;
    for (const active of randomSpikeTrain(99, 64, 400, 0.05)) {
      sim.step(active);
      for (const z of sim.spikes(0)) spikes += z;
    }
    const rate = spikes / (400 * 96);
    assert.ok(rate > 0.025 && rate < 0.06, `rate ${rate}`);
  });

  it('masks absent synapses with weight and rho 0', () => {
    const layer = randomNetwork({ ...shape, density: 0.5 }).layers[0];
    const mask = layer.mask;
    assert.ok(mask !== undefined);
    const present = mask.reduce((n, m) => n + m, 0) / mask.length;
    assert.ok(present > 0.45 && present < 0.55, `density ${present}`);
    for (let s = 0; s < mask.length; s++) {
      if (mask[s] === 0) assert.ok(layer.weight[s] === 0 && layer.rho[s] === 0);
    }
  });
});
