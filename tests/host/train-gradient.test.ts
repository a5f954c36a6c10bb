/**
 * The trainer's BPTT against finite differences: with the spike step replaced by a sigmoid the
 * network is differentiable, so its exact gradient for every weight, rho and bias must match
 * central differences of the loss. A wrong sign or a missed path (recurrence, reset current, the
 * layer above) shows up as a mismatch.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Bptt, type ClipSpikes } from '../../host/train/bptt.js';
import {
  effectiveLayers,
  initParams,
  paramLayout,
  type NetworkSpec,
  type RhoGranularity,
} from '../../host/train/network.js';
import { Prng } from '../../host/util/prng.js';

function randomClip(seed: number, channels: number, steps: number): ClipSpikes {
  const rng = new Prng(seed);
  const offsets = new Int32Array(steps + 1);
  const list: number[] = [];
  for (let t = 0; t < steps; t++) {
    for (let c = 0; c < channels; c++) if (rng.uniform() < 0.4) list.push(c);
    offsets[t + 1] = list.length;
  }
  return { steps, offsets, channels: Uint16Array.from(list) };
}

function check(
  rho: RhoGranularity,
  hidden: ('recurrent' | 'feedforward')[],
  learned: Pick<NetworkSpec, 'learnDrive' | 'learnThreshold'> = {},
): void {
  const spec: NetworkSpec = {
    inputCount: 3,
    layers: [...hidden.map((kind) => ({ kind, size: 4 })), { kind: 'readout' as const, size: 3 }],
    rho,
    threshold: 0.5,
    resetRho: 0.8,
    skipSteps: 2,
    ...learned,
  };
  const layout = paramLayout(spec);
  const params = initParams(spec, 7, 2.5);
  // Self-synapses are zero in training; give them a value so their path is checked too. Learned
  // thresholds each get their own value, so a gradient filed under the wrong neuron shows.
  for (let k = 0; k < params.length; k++) if (params[k] === 0) params[k] = 0.1;
  for (const l of layout.layers)
    if (l.threshold >= 0) for (let j = 0; j < l.size; j++) params[l.threshold + j] = 0.35 + 0.1 * j;
  const options = {
    resetRho: spec.resetRho,
    skipSteps: spec.skipSteps,
    smooth: 0.2,
  };
  const bptt = new Bptt(layout, options);
  const clip = randomClip(3, 3, 12);
  const label = 1;
  const grad = new Float64Array(layout.length);
  bptt.run(effectiveLayers(layout, params), clip, label, grad);
  const lossAt = (p: Float64Array): number =>
    new Bptt(layout, options).run(effectiveLayers(layout, p), clip, label).loss;
  const h = 1e-6;
  let checked = 0;
  for (let k = 0; k < params.length; k++) {
    const plus = params.slice();
    const minus = params.slice();
    plus[k] += h;
    minus[k] -= h;
    const numeric = (lossAt(plus) - lossAt(minus)) / (2 * h);
    const scale = Math.max(1e-4, Math.abs(numeric), Math.abs(grad[k]));
    assert.ok(
      Math.abs(numeric - grad[k]) / scale < 1e-4,
      `parameter ${k}: BPTT ${grad[k]}, finite difference ${numeric}`,
    );
    if (Math.abs(numeric) > 1e-6) checked++;
  }
  // The check means something only if most parameters actually move the loss.
  assert.ok(checked > params.length * 0.8, `only ${checked} of ${params.length} parameters had a gradient`);
}

test('BPTT gradient equals finite differences: recurrent layer, rho per synapse', () =>
  check('synapse', ['recurrent']));
test('BPTT gradient equals finite differences: two layers, rho per neuron', () =>
  check('neuron', ['feedforward', 'recurrent']));
test('BPTT gradient equals finite differences: rho per layer (vanilla LIF)', () =>
  check('layer', ['recurrent']));
test('BPTT gradient equals finite differences: drives and thresholds learned per neuron', () =>
  check('synapse', ['recurrent'], { learnDrive: true, learnThreshold: true }));
test('BPTT gradient equals finite differences: two layers, learned thresholds, rho per neuron', () =>
  check('neuron', ['recurrent', 'feedforward'], { learnThreshold: true }));
