/**
 * The trainer's forward pass (host/train/bptt.ts) against the float reference
 * (host/float/reference.ts), bridged the way a trained network is exported: toFloatModel
 * (host/train/export.ts) turns the trainer's spec and flat parameters into the FloatModel the
 * reference runs and the quantizer turns into the .hsm. If the two forward passes disagreed, the
 * trainer would optimise a different network from the one it ships.
 *
 * Same network, same input spikes, every step compared:
 *   - hidden layers: spikes and membranes exactly equal. Both passes sum a neuron's synaptic
 *     currents in the same row order from the same zero start, add the same zero drive and
 *     subtract the same reset current, so not even rounding may differ. With learned drives the
 *     trainer starts its sum at the drive, as for the readout: membranes to 1e-12 relative;
 *   - readout scores: equal to 1e-12 relative. The trainer starts its sum at the bias and adds the
 *     currents, the reference adds the drive after the currents: the same terms in another order;
 *   - the clip's result (decision, loss, spike counts) from the reference's side equals Bptt.run's.
 *
 * What the trainer does differently on purpose is not in its forward pass: the triangle surrogate
 * (SURROGATE_HEIGHT) only shapes the backward pass, and clampParams (rho into [0, 1], recurrent
 * self-synapses 0) edits the parameters between updates, which both sides then read alike. The
 * one forward-pass difference is the `smooth` option (a sigmoid in place of the spike step), used
 * only by the gradient check in train-gradient.test.ts and never by the trainer (the worker builds
 * its Bptt without it), so it is not compared here.
 *
 * The shapes are local: tests/host/fixtures.ts holds fixed-point .hsm shapes (LayerSpec), not
 * trainer NetworkSpecs, and the float shape tables of the other tests are not exported.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Bptt, type ClipSpikes } from '../../host/train/bptt.js';
import { flatSpikes } from '../../host/train/clip-store.js';
import { toFloatModel } from '../../host/train/export.js';
import {
  clampParams,
  effectiveLayers,
  initParams,
  paramLayout,
  type NetworkSpec,
} from '../../host/train/network.js';
import { fakeQuantizeWeights } from '../../host/train/quantize-aware.js';
import { FloatReference } from '../../host/float/reference.js';
import { type FloatModel } from '../../host/float/model.js';
import { floatModelToJson, parseFloatModel } from '../../host/float/json.js';
import { randomSpikeTrain } from '../../host/float/random-network.js';
import { pruneToDensity } from '../../host/train/prune.js';
import { Prng } from '../../host/util/prng.js';
import { defaultFrontend } from '../../host/model/frontend-config.js';

const STEPS = 300;

/**
 * Bptt keeps every step's membranes and spikes for the backward pass; they are TypeScript-private,
 * and this test reads them (rather than widening the trainer's API for a test). Layer l's values of
 * step t are at [t * size, (t + 1) * size); for the readout the membrane is the score.
 */
interface BpttTrace {
  membranes: Float64Array[];
  spikes: Float64Array[];
}

interface Case {
  name: string;
  spec: NetworkSpec;
  /** initParams' weight gain: large enough that the hidden layers spike. */
  gain: number;
  inputRate: number;
  /** Run the weights on the fixed-point grid, as the quantization-aware finish does. */
  onGrid?: boolean;
}

const CASES: Case[] = [
  {
    name: 'recurrent, rho per synapse (the gsc12 shape, smaller)',
    spec: {
      inputCount: 64,
      layers: [
        { kind: 'recurrent', size: 48 },
        { kind: 'readout', size: 12 },
      ],
      rho: 'synapse',
      threshold: 1,
      resetRho: Math.exp(-1 / 2),
      skipSteps: 2,
    },
    gain: 3,
    inputRate: 0.06,
  },
  {
    name: 'feed-forward then recurrent, rho per neuron',
    spec: {
      inputCount: 20,
      layers: [
        { kind: 'feedforward', size: 24 },
        { kind: 'recurrent', size: 16 },
        { kind: 'readout', size: 5 },
      ],
      rho: 'neuron',
      threshold: 0.5,
      resetRho: 0.8,
      skipSteps: 0,
    },
    gain: 2,
    inputRate: 0.1,
  },
  {
    name: 'two recurrent layers, rho per layer (vanilla LIF), no reset memory',
    spec: {
      inputCount: 30,
      layers: [
        { kind: 'recurrent', size: 20 },
        { kind: 'recurrent', size: 12 },
        { kind: 'readout', size: 4 },
      ],
      rho: 'layer',
      threshold: 2,
      resetRho: 0,
      skipSteps: 5,
    },
    gain: 5,
    inputRate: 0.15,
  },
  {
    name: 'feed-forward, rho per neuron, a reset current that never decays',
    spec: {
      inputCount: 16,
      layers: [
        { kind: 'feedforward', size: 10 },
        { kind: 'readout', size: 3 },
      ],
      rho: 'neuron',
      threshold: 0.7,
      resetRho: 1,
      skipSteps: 1,
    },
    gain: 3,
    inputRate: 0.2,
  },
  {
    name: 'recurrent, learned drives and thresholds per neuron, a third of the synapses pruned',
    spec: {
      inputCount: 24,
      layers: [
        { kind: 'recurrent', size: 20 },
        { kind: 'readout', size: 4 },
      ],
      rho: 'neuron',
      threshold: 1,
      learnDrive: true,
      learnThreshold: true,
      density: 0.67,
      resetRho: Math.exp(-1 / 2),
      skipSteps: 2,
    },
    gain: 3,
    inputRate: 0.12,
  },
  {
    name: 'readout only, rho per synapse',
    spec: {
      inputCount: 16,
      layers: [{ kind: 'readout', size: 6 }],
      rho: 'synapse',
      threshold: 1,
      resetRho: 0.5,
      skipSteps: 3,
    },
    gain: 1,
    inputRate: 0.1,
  },
  {
    name: 'recurrent, rho per synapse, weights on the fixed-point grid (quantization-aware finish)',
    spec: {
      inputCount: 40,
      layers: [
        { kind: 'recurrent', size: 32 },
        { kind: 'readout', size: 8 },
      ],
      rho: 'synapse',
      threshold: 1,
      resetRho: Math.exp(-1 / 2),
      skipSteps: 2,
    },
    gain: 3,
    inputRate: 0.08,
    onGrid: true,
  },
];

const EXPORT_INFO = { name: 'bptt-vs-reference', frontend: defaultFrontend(16000) };

function labelsOf(spec: NetworkSpec): string[] {
  const classes = spec.layers[spec.layers.length - 1]?.size ?? 0;
  return Array.from({ length: classes }, (_, c) => `class ${c}`);
}

/** Random input spikes; now and then a channel listed twice in a step (both passes count it twice). */
function inputSteps(seed: number, inputCount: number, rate: number): number[][] {
  const steps = randomSpikeTrain(seed, inputCount, STEPS, rate);
  const prng = new Prng(seed ^ 0x5a5a);
  for (const active of steps) {
    const first = active[0];
    if (first !== undefined && prng.uniform() < 0.1) active.push(first);
  }
  return steps;
}

/**
 * Trained-looking parameters: initParams, drawn drives (the readout's, and the hidden ones where
 * learned), drawn thresholds where learned, pruned to the spec's density, clamped as the trainer
 * clamps.
 */
function paramsFor(c: Case, seed: number): Float64Array {
  const layout = paramLayout(c.spec);
  const params = initParams(c.spec, seed, c.gain);
  const prng = new Prng(seed + 1);
  for (const l of layout.layers) {
    for (let j = 0; l.bias >= 0 && j < l.size; j++) params[l.bias + j] = prng.uniform() - 0.5;
    for (let j = 0; l.threshold >= 0 && j < l.size; j++)
      params[l.threshold + j] = c.spec.threshold * (0.5 + prng.uniform());
  }
  if (c.spec.density !== undefined)
    pruneToDensity(layout, params, new Uint8Array(layout.length), c.spec.density);
  clampParams(layout, params);
  return params;
}

interface Compared {
  spikeTotals: number[];
  maxScoreError: number;
}

/** Runs both passes on `steps` and asserts equality step by step; returns what was seen. */
function compare(c: Case, params: Float64Array, steps: number[][], model: FloatModel): Compared {
  const { spec } = c;
  const layout = paramLayout(spec);
  const net = effectiveLayers(layout, params, c.onGrid ? fakeQuantizeWeights : undefined);
  const bptt = new Bptt(layout, {
    resetRho: spec.resetRho,
    skipSteps: spec.skipSteps,
  });
  const clip: ClipSpikes = flatSpikes(steps);
  const label = 0;
  const result = bptt.run(net, clip, label);
  const trace = bptt as unknown as BpttTrace;

  const reference = new FloatReference(model);
  reference.reset();
  const L = spec.layers.length;
  const spikeTotals = new Array<number>(L - 1).fill(0);
  const sums = new Float64Array(spec.layers[L - 1]?.size ?? 0);
  let maxScoreError = 0;
  for (let t = 0; t < steps.length; t++) {
    reference.step(steps[t] ?? []);
    for (let l = 0; l < L; l++) {
      const n = net[l]?.size ?? 0;
      const membrane = trace.membranes[l]?.subarray(t * n, (t + 1) * n);
      assert.ok(membrane, `layer ${l} membranes`);
      if (l === L - 1) {
        const scores = reference.scores();
        for (let j = 0; j < n; j++) {
          const a = membrane[j] ?? NaN;
          const b = scores[j] ?? NaN;
          const error = Math.abs(a - b) / Math.max(1, Math.abs(b));
          maxScoreError = Math.max(maxScoreError, error);
          assert.ok(error <= 1e-12, `step ${t}: score ${j} is ${a} in BPTT, ${b} in the reference`);
        }
        continue;
      }
      const spiked = trace.spikes[l]?.subarray(t * n, (t + 1) * n);
      assert.ok(spiked, `layer ${l} spikes`);
      const refSpikes = reference.spikes(l);
      const refMembrane = reference.membrane(l);
      for (let j = 0; j < n; j++) {
        assert.equal(spiked[j], refSpikes[j], `step ${t}: layer ${l} neuron ${j} spike`);
        const at = `step ${t}: layer ${l} neuron ${j} membrane`;
        if (spec.learnDrive) {
          const a = membrane[j] ?? NaN;
          const b = refMembrane[j] ?? NaN;
          assert.ok(Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b)), `${at}: ${a} against ${b}`);
        } else assert.equal(membrane[j], refMembrane[j], at);
        spikeTotals[l] = (spikeTotals[l] ?? 0) + (refSpikes[j] ?? 0);
      }
    }
    if (t >= spec.skipSteps) reference.scores().forEach((s, j) => (sums[j] = (sums[j] ?? 0) + s));
  }

  // The clip's result: Bptt.run's from its own pass, the same quantities from the reference's.
  assert.deepEqual(result.spikeCounts, spikeTotals, 'spikes per layer over the clip');
  const window = steps.length - spec.skipSteps;
  const mean = Array.from(sums, (s) => s / window);
  const max = Math.max(...mean);
  const logSum = Math.log(mean.reduce((a, m) => a + Math.exp(m - max), 0));
  const loss = -(mean[label] ?? NaN) + max + logSum;
  assert.ok(
    Math.abs(result.loss - loss) <= 1e-9 * Math.max(1, loss),
    `loss ${result.loss} in BPTT, ${loss} from the reference's scores`,
  );
  const sorted = [...mean].sort((a, b) => b - a);
  if ((sorted[0] ?? 0) - (sorted[1] ?? -Infinity) > 1e-9) {
    assert.equal(result.predicted, reference.decision(), 'decision');
  }
  return { spikeTotals, maxScoreError };
}

CASES.forEach((c, index) => {
  test(`BPTT forward pass equals the float reference: ${c.name}`, (t) => {
    const seed = 100 + index;
    const params = paramsFor(c, seed);
    const steps = inputSteps(seed, c.spec.inputCount, c.inputRate);
    const model = toFloatModel(
      c.spec,
      params,
      { ...EXPORT_INFO, labels: labelsOf(c.spec) },
      c.onGrid ?? false,
    );
    const { spikeTotals, maxScoreError } = compare(c, params, steps, model);
    t.diagnostic(
      `spikes per layer ${spikeTotals.join('/')}; largest relative score difference ${maxScoreError}`,
    );
    // The comparison means something only if the hidden layers spike, and not on every step.
    c.spec.layers.slice(0, -1).forEach(({ size }, l) => {
      const rate = (spikeTotals[l] ?? 0) / (STEPS * size);
      assert.ok(
        rate > 0.01 && rate < 0.6,
        `layer ${l} spikes at ${(100 * rate).toFixed(1)}% of neuron-steps`,
      );
    });
    // The float model written by `hetsyn train --float-output` (its JSON form) runs the same.
    compare(c, params, steps, parseFloatModel(floatModelToJson(model)));
  });
});

test('the fixed-point grid is what the quantization-aware finish runs: off the grid, scores differ', () => {
  const c = CASES.find((x) => x.onGrid) as Case;
  const params = paramsFor(c, 7);
  const steps = inputSteps(7, c.spec.inputCount, c.inputRate);
  const info = { ...EXPORT_INFO, labels: labelsOf(c.spec) };
  compare(c, params, steps, toFloatModel(c.spec, params, info, true));
  assert.throws(
    () => compare(c, params, steps, toFloatModel(c.spec, params, info, false)),
    assert.AssertionError,
  );
});

test('a clip that ends before the decision window: no loss and no decision on either side', () => {
  const c = CASES[2];
  const layout = paramLayout(c.spec);
  const params = paramsFor(c, 11);
  const steps = inputSteps(11, c.spec.inputCount, c.inputRate).slice(0, c.spec.skipSteps);
  const result = new Bptt(layout, {
    resetRho: c.spec.resetRho,
    skipSteps: c.spec.skipSteps,
  }).run(effectiveLayers(layout, params), flatSpikes(steps), 0);
  const reference = new FloatReference(
    toFloatModel(c.spec, params, { ...EXPORT_INFO, labels: labelsOf(c.spec) }, false),
  );
  for (const active of steps) reference.step(active);
  assert.ok(Number.isNaN(result.loss));
  assert.equal(result.predicted, -1);
  assert.equal(reference.decision(), -1);
});
