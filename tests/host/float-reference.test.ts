import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { parseFloatModel, type FloatLayerJson } from '../../host/float/json.js';
import { FloatReference } from '../../host/float/reference.js';

/** One input channel, one hidden layer, a readout; every value below is a dyadic fraction, so exact. */
function model(hidden: FloatLayerJson, readout: Partial<FloatLayerJson> = {}, skipSteps = 0): FloatReference {
  return new FloatReference(
    parseFloatModel({
      format: 'hetsyn-float',
      version: 1,
      labels: ['up', 'down'],
      inputCount: hidden.weights[0].length,
      decision: { mode: 'sum', skipSteps },
      layers: [
        hidden,
        { kind: 'readout', size: 2, weights: [[1], [-1]], rho: 0.5, drive: [0.25, 0], ...readout },
      ],
    }),
  );
}

function run(sim: FloatReference, inputs: number[][]): { v: number[]; z: number[]; scores: number[][] } {
  const trace = { v: [] as number[], z: [] as number[], scores: [] as number[][] };
  for (const active of inputs) {
    sim.step(active);
    trace.v.push(sim.membrane(0)[0]);
    trace.z.push(sim.spikes(0)[0]);
    trace.scores.push(Array.from(sim.scores()));
  }
  return trace;
}

describe('FloatReference', () => {
  it('follows a vanilla LIF neuron by hand (rho = rho_r = 1/2, w = 3/4, theta = 1)', () => {
    const sim = model({
      kind: 'feedforward',
      size: 1,
      weights: [[0.75]],
      rho: 0.5,
      resetRho: 0.5,
      threshold: 1,
    });
    const trace = run(sim, [[0], [0], [0], [], [0], [0], []]);
    // I = I/2 + 3/4 x;  R = R/2 + z[t-1];  v = I - R
    // t0: I 0.75                      R 0              v 0.75       z 0
    // t1: I 0.375 + 0.75 = 1.125      R 0              v 1.125      z 1
    // t2: I 0.5625 + 0.75 = 1.3125    R 0 + 1 = 1      v 0.3125     z 0
    // t3: I 0.65625                   R 0.5            v 0.15625    z 0
    // t4: I 0.328125 + 0.75           R 0.25           v 0.828125   z 0
    // t5: I 0.5390625 + 0.75          R 0.125          v 1.1640625  z 1
    // t6: I 0.64453125                R 0.0625 + 1     v -0.41796875
    assert.deepEqual(trace.v, [0.75, 1.125, 0.3125, 0.15625, 0.828125, 1.1640625, -0.41796875]);
    assert.deepEqual(trace.z, [0, 1, 0, 0, 0, 1, 0]);
    // The readout sees the hidden spike of the same step: I = I/2 + z, scores = (I + 1/4, -I).
    const I = [0, 1, 0.5, 0.25, 0.125, 1.0625, 0.53125];
    assert.deepEqual(
      trace.scores,
      I.map((i) => [i + 0.25, -i || 0]),
    );
  });

  it('adapts its threshold when the reset current is slow (rho = 1/2, rho_r = 7/8)', () => {
    const inputs = Array.from({ length: 7 }, () => [0]);
    const adapting = model({
      kind: 'feedforward',
      size: 1,
      weights: [[1.5]],
      rho: 0.5,
      resetRho: 0.875,
      threshold: 1,
    });
    const trace = run(adapting, inputs);
    // I = I/2 + 3/2 -> 1.5, 2.25, 2.625, 2.8125, 2.90625, 2.953125, 2.9765625
    // R = 7/8 R + z[t-1] -> 0, 1, 1.875, 1.640625, 2.435546875, 2.131103515625, 1.864715576171875
    assert.deepEqual(trace.v, [1.5, 1.25, 0.75, 1.171875, 0.470703125, 0.822021484375, 1.111846923828125]);
    assert.deepEqual(trace.z, [1, 1, 0, 1, 0, 0, 1]);
    // With rho_r = rho the same neuron is a plain LIF and fires on every step: the slow reset
    // current is what spaces the spikes out.
    const vanilla = model({
      kind: 'feedforward',
      size: 1,
      weights: [[1.5]],
      rho: 0.5,
      resetRho: 0.5,
      threshold: 1,
    });
    assert.deepEqual(run(vanilla, inputs).z, [1, 1, 1, 1, 1, 1, 1]);
  });

  it('decays two synapses of one neuron with their own tau', () => {
    const sim = model({
      kind: 'feedforward',
      size: 1,
      weights: [[0.25, 0.5]],
      rho: [[0.5, 0.75]],
      threshold: 100,
    });
    // Channel 1 listed twice adds its weight twice: I1 = 0.25, I2 = 1 at t0; then
    // v[t] = 0.25 * 0.5^t + 1 * 0.75^t.
    const trace = run(sim, [[0, 1, 1], [], [], []]);
    assert.deepEqual(trace.v, [1.25, 0.875, 0.625, 0.453125]);
    assert.deepEqual(trace.z, [0, 0, 0, 0]);
  });

  it('feeds a recurrent layer its own spikes of the previous step, with the recurrent rho', () => {
    const sim = model({
      kind: 'recurrent',
      size: 1,
      weights: [[1.25]],
      recurrentWeights: [[0.5]],
      rho: 0.5,
      recurrentRho: 0.25,
      resetRho: 0.5,
      threshold: 1,
    });
    // t0: I_in 1.25, I_rec 0 (no spike before t0), R 0          v 1.25    z 1
    // t1: I_in 0.625, I_rec 0.5 (z[t0]), R 1                   v 0.125   z 0
    // t2: I_in 0.3125, I_rec 0.125, R 0.5                       v -0.0625 z 0
    const trace = run(sim, [[0], [], []]);
    assert.deepEqual(trace.v, [1.25, 0.125, -0.0625]);
    assert.deepEqual(trace.z, [1, 0, 0]);
  });

  it('adds the drive to the membrane and compares with a per-neuron threshold', () => {
    const sim = model(
      {
        kind: 'feedforward',
        size: 2,
        weights: [[0.5], [0.5]],
        rho: 0,
        threshold: [0.75, 1],
        drive: [0.25, 0.25],
      },
      {
        weights: [
          [1, 0],
          [0, 1],
        ],
      },
    );
    sim.step([0]);
    // v = 0.5 + 0.25 for both; only the first reaches its threshold.
    assert.deepEqual(Array.from(sim.membrane(0)), [0.75, 0.75]);
    assert.deepEqual(Array.from(sim.spikes(0)), [1, 0]);
  });

  it('reset() clears every state, so a rerun repeats the trace', () => {
    const sim = model(
      { kind: 'recurrent', size: 1, weights: [[0.75]], recurrentWeights: [[0.25]], rho: 0.5, threshold: 1 },
      {},
      2,
    );
    const inputs = [[0], [0], [0], [], [0], [0], [], [], [0]];
    const first = run(sim, inputs);
    assert.ok(first.z.includes(1), 'the trace should contain spikes');
    assert.equal(sim.decision(), 0);
    sim.reset();
    assert.equal(sim.decision(), -1);
    assert.deepEqual(Array.from(sim.scores()), [0, 0]);
    assert.deepEqual(run(sim, inputs), first);
  });

  it('decides over the steps after skipSteps, by the largest summed score', () => {
    // Class 1 scores -I, class 0 scores I + 1/4; with no hidden spikes class 0 wins on its drive.
    const sim = model({ kind: 'feedforward', size: 1, weights: [[0.125]], rho: 0.5, threshold: 1 }, {}, 2);
    sim.step([]);
    sim.step([]);
    assert.equal(sim.decision(), -1);
    sim.step([]);
    assert.equal(sim.decision(), 0);
    const flipped = model(
      { kind: 'feedforward', size: 1, weights: [[0.125]], rho: 0.5, threshold: 1 },
      { drive: [0, 0.25] },
    );
    flipped.step([]);
    assert.equal(flipped.decision(), 1);
  });

  it('rejects an input channel outside the model and an unknown layer', () => {
    const sim = model({ kind: 'feedforward', size: 1, weights: [[1]], rho: 0.5, threshold: 1 });
    assert.throws(() => sim.step([1]), /input channel 1 is outside 0\.\.0/);
    assert.throws(() => sim.step([0.5]), /input channel 0\.5/);
    assert.throws(() => sim.spikes(2), /layer 2 is outside 0\.\.1/);
  });
});
