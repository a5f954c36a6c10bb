/** Magnitude pruning (host/train/prune.ts): the cubic schedule and what one pruning step removes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { densityAt, pruneToDensity, PRUNE_SPAN } from '../../host/train/prune.js';
import { initParams, paramLayout, type NetworkSpec } from '../../host/train/network.js';

test('the density falls from 1 on a cubic to its target by PRUNE_SPAN of the float epochs, then stays', () => {
  const epochs = 20;
  const span = Math.ceil(PRUNE_SPAN * epochs);
  assert.equal(densityAt(0, epochs, 0.3), 1);
  assert.equal(densityAt(span, epochs, 0.3), 0.3);
  assert.equal(densityAt(epochs + 1, epochs, 0.3), 0.3);
  // Halfway through the span: 0.3 + 0.7 * 0.5^3.
  assert.ok(Math.abs(densityAt(span / 2, epochs, 0.3) - (0.3 + 0.7 / 8)) < 1e-12);
  for (let e = 1; e <= span; e++) assert.ok(densityAt(e, epochs, 0.3) < densityAt(e - 1, epochs, 0.3));
  // A run with no float epochs prunes to the target at once.
  assert.equal(densityAt(0, 0, 0.5), 0.5);
});

test('pruning removes the weakest synapses of the spiking layers only, never a self-synapse twice, and freezes them', () => {
  const spec: NetworkSpec = {
    inputCount: 6,
    layers: [
      { kind: 'recurrent', size: 5 },
      { kind: 'readout', size: 3 },
    ],
    rho: 'synapse',
    threshold: 1,
    resetRho: 0.5,
    skipSteps: 0,
  };
  const layout = paramLayout(spec);
  const params = initParams(spec, 4);
  const frozen = new Uint8Array(layout.length);
  const [hidden, readout] = layout.layers;
  const candidates = hidden.rows * hidden.size - hidden.size;
  const weights = (): number[] =>
    Array.from(params.subarray(hidden.weight, hidden.weight + hidden.rows * hidden.size));
  const before = weights();
  const removed = pruneToDensity(layout, params, frozen, 0.4);
  assert.equal(removed, candidates - Math.round(0.4 * candidates));
  const after = weights();
  const zeroed = after.flatMap((w, s) => (w === 0 && before[s] !== 0 ? [s] : []));
  assert.equal(zeroed.length, removed);
  const smallestKept = Math.min(...after.filter((w) => w !== 0).map(Math.abs));
  for (const s of zeroed) {
    assert.ok(Math.abs(before[s]) <= smallestKept, `synapse ${s} was not among the weakest`);
    assert.equal(frozen[hidden.weight + s], 1);
  }
  assert.ok(
    params.subarray(readout.weight, readout.weight + readout.rows * readout.size).every((w) => w !== 0),
  );
  // Pruning again to the same density removes nothing; to a lower one, only the difference.
  assert.equal(pruneToDensity(layout, params, frozen, 0.4), 0);
  assert.equal(
    pruneToDensity(layout, params, frozen, 0.2),
    Math.round(0.4 * candidates) - Math.round(0.2 * candidates),
  );
});
