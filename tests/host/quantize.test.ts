import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { type FloatModel } from '../../host/float/model.js';
import { parseFloatModel, type FloatLayerJson } from '../../host/float/json.js';
import { randomNetwork, randomSpikeTrain } from '../../host/float/random-network.js';
import { FloatReference } from '../../host/float/reference.js';
import { chooseLevels, q16ToTau, rhoToQ16 } from '../../host/quantize/levels.js';
import { QuantizeError, quantize, roundHalfAway, weightExponent } from '../../host/quantize/quantize.js';
import { dequantize } from '../../host/quantize/dequantize.js';
import { formatReport } from '../../host/quantize/report.js';

/** 3 inputs -> one hidden layer -> readout of 2. */
function oneLayer(hidden: Partial<FloatLayerJson>): FloatModel {
  return parseFloatModel({
    format: 'hetsyn-float',
    version: 1,
    labels: ['a', 'b'],
    inputCount: 3,
    layers: [
      {
        kind: 'feedforward',
        size: 2,
        weights: [
          [0.25, -0.5, 0.75],
          [1, -1, 0.125],
        ],
        rho: 0.5,
        threshold: 1,
        ...hidden,
      },
      {
        kind: 'readout',
        size: 2,
        weights: [
          [1, 0],
          [0, 1],
        ],
        rho: 0.5,
      },
    ],
  });
}

const logTau = (q: number): number => Math.log(q16ToTau(q));

describe('chooseLevels', () => {
  it('uses the distinct Q0.16 values exactly when there are at most K', () => {
    const choice = chooseLevels([0.5, 0.9, 0.5, 1, 0.9, 0.9 + 1e-7], 4);
    assert.deepEqual(choice.levelsQ16, [32768, 58982, 65536]);
    assert.deepEqual(Array.from(choice.assignment), [0, 1, 0, 2, 1, 1]);
  });

  it('keeps rho = 1 and rho = 0 as exact levels and clusters the rest in log tau', () => {
    const rho: number[] = [1, 1, 0];
    for (let i = 0; i < 300; i++) rho.push(Math.exp(-1 / (2 * Math.pow(25, i / 299))));
    const { levelsQ16, assignment } = chooseLevels(rho, 6);
    assert.equal(levelsQ16.length, 6);
    assert.equal(levelsQ16[0], 0);
    assert.equal(levelsQ16[5], 65536);
    assert.deepEqual(Array.from(assignment.subarray(0, 3)), [5, 5, 0]);
    // Levels ascend, stay strictly inside (0, 1), and spread over the tau range 2..50.
    for (let k = 1; k < 5; k++) assert.ok(levelsQ16[k] > levelsQ16[k - 1] && levelsQ16[k] < 65536);
    assert.ok(
      q16ToTau(levelsQ16[1]) < 4 && q16ToTau(levelsQ16[4]) > 25,
      `levels ${levelsQ16.map(q16ToTau).join(', ')}`,
    );
    // Every other value sits at its nearest interior level in log tau.
    for (let s = 3; s < rho.length; s++) {
      const x = logTau(rhoToQ16(rho[s]));
      const mine = Math.abs(x - logTau(levelsQ16[assignment[s]]));
      for (let k = 1; k < 5; k++) assert.ok(mine <= Math.abs(x - logTau(levelsQ16[k])) + 1e-12);
    }
  });

  it('finds two clear clusters at their geometric-mean tau', () => {
    const rho = [2.9, 3, 3.1, 29, 30, 31].map((tau) => Math.exp(-1 / tau));
    const { levelsQ16, assignment } = chooseLevels([...rho, Math.exp(-1 / 3.05)], 2);
    const taus = levelsQ16.map(q16ToTau);
    assert.ok(Math.abs(taus[0] - 3) < 0.02 && Math.abs(taus[1] - 30) < 0.1, `taus ${taus.join(', ')}`);
    assert.deepEqual(Array.from(assignment), [0, 0, 0, 1, 1, 1, 0]);
  });

  it('is deterministic and refuses a K that cannot keep the exact levels', () => {
    const rho = Array.from({ length: 500 }, (_, i) => Math.exp(-1 / (1 + (i % 97))));
    assert.deepEqual(chooseLevels(rho, 16), chooseLevels(rho, 16));
    assert.throws(() => chooseLevels([0, 1, 0.5, 0.6], 2), /2 level\(s\) cannot keep rho = 0 and 1 exact/);
    assert.throws(() => chooseLevels([0.5], 0), /level count 0/);
  });
});

describe('quantize', () => {
  it('chooses the largest power-of-two weight scale that keeps |w| <= 127', () => {
    assert.equal(weightExponent(0.5), 7); // 0.5 * 256 = 128 would not fit
    assert.equal(weightExponent(0.99), 7); // 126.72 -> 127
    assert.equal(weightExponent(0.99609375), 6); // exactly 127.5 at e = 7 rounds away to 128
    assert.equal(weightExponent(200), -1);
    assert.equal(weightExponent(1e-3), 16);
    assert.equal(weightExponent(0), 0);
    assert.equal(roundHalfAway(-2.5), -3);
    assert.equal(roundHalfAway(2.5), 3);
    assert.equal(roundHalfAway(0.49999999999999994), 0);
  });

  it('transposes [out][in] weights into rows of the file and scales them', () => {
    const { hsm, report } = quantize(oneLayer({}));
    const layer = hsm.layers[0];
    // max |w| = 1 -> 2^6; W[0] = 16 -32 48, W[1] = 64 -64 8; weight[row * 2 + j] = W[j][row].
    assert.deepEqual(Array.from(layer.weight), [16, 64, -32, -64, 48, 8]);
    assert.equal(report.layers[0].weightExponent, 6);
    assert.equal(layer.stateFracBits, 14);
    assert.equal(layer.weightShift, 8);
    assert.equal(report.layers[0].weightRmsError, 0);
  });

  it('scales thresholds, drives and the reset decay to state LSB', () => {
    const { hsm, report } = quantize(oneLayer({ threshold: [1, 0.3], drive: [-0.25, 0], resetRho: 0.9 }));
    const layer = hsm.layers[0];
    assert.deepEqual(Array.from(layer.threshold ?? []), [16384, 4915]); // 0.3 * 2^14 = 4915.2
    assert.deepEqual(Array.from(layer.drive), [-4096, 0]);
    assert.equal(layer.resetDecayQ16, 58982);
    assert.equal(report.layers[0].thresholdMin, 4915);
    assert.equal(report.layers[0].thresholdMax, 16384);
    assert.equal(hsm.layers[1].resetDecayQ16, 0);
    assert.equal(hsm.layers[1].threshold, undefined);
  });

  it('picks one level per neuron when every neuron has one rho, else a level per synapse', () => {
    const perLayer = quantize(oneLayer({ rho: 0.5 })).hsm.layers[0];
    assert.equal(perLayer.bucketBits, 0);
    assert.deepEqual(perLayer.levelDecayQ16, [32768]);
    assert.deepEqual(Array.from(perLayer.neuronLevel ?? []), [0, 0]);
    assert.equal(perLayer.synapseLevel, undefined);

    const perNeuron = quantize(oneLayer({ rho: [0.75, 0.5] })).hsm.layers[0];
    assert.equal(perNeuron.bucketBits, 0);
    assert.deepEqual(perNeuron.levelDecayQ16, [32768, 49152]);
    assert.deepEqual(Array.from(perNeuron.neuronLevel ?? []), [1, 0]);

    const rho = [
      [0.5, 0.75, 1],
      [1, 0.5, 0.5],
    ];
    const perSynapse = quantize(oneLayer({ rho })).hsm.layers[0];
    assert.equal(perSynapse.bucketBits, 4);
    assert.deepEqual(perSynapse.levelDecayQ16, [32768, 49152, 65536]);
    assert.deepEqual(Array.from(perSynapse.synapseLevel ?? []), [0, 2, 1, 0, 2, 0]);
  });

  it('uses byte level indices above 16 levels', () => {
    const model = randomNetwork({
      seed: 21,
      inputCount: 40,
      layers: [
        { kind: 'recurrent', size: 30 },
        { kind: 'readout', size: 2 },
      ],
      levels: 32,
    });
    const { hsm, report } = quantize(model, { levels: 32 });
    assert.equal(hsm.layers[0].bucketBits, 8);
    assert.equal(report.layers[0].levelCount, 32);
    assert.ok(report.layers[0].rhoMaxError <= 0.5 / 65536 + 1e-12, 'exact levels, only Q0.16 rounding');
    const fewer = quantize(model, { levels: 8 });
    assert.equal(fewer.hsm.layers[0].bucketBits, 4);
    assert.equal(fewer.report.layers[0].levelCount, 8);
    assert.ok(fewer.report.layers[0].rhoMaxError > 1e-3);
  });

  it('stores masked layers as compressed rows when that is smaller', () => {
    const mask = [
      [1, 0, 0],
      [0, 0, 1],
    ];
    const sparse = quantize(oneLayer({ mask }), { sparse: 'always' }).hsm.layers[0];
    assert.deepEqual(Array.from(sparse.sparse?.rowStart ?? []), [0, 1, 1, 2]);
    assert.deepEqual(Array.from(sparse.sparse?.column ?? []), [0, 1]);
    // Absent synapses do not count towards the scale: max |w| = 0.25 -> 2^8.
    assert.deepEqual(Array.from(sparse.weight), [64, 32]);
    const dense = quantize(oneLayer({ mask }), { sparse: 'never' }).hsm.layers[0];
    assert.equal(dense.sparse, undefined);
    assert.deepEqual(Array.from(dense.weight), [64, 0, 0, 0, 0, 32]);
    // Three rows of row starts cost more than the four absent synapses save.
    assert.equal(quantize(oneLayer({ mask })).hsm.layers[0].sparse, undefined);
    assert.equal(quantize(oneLayer({})).hsm.layers[0].sparse, undefined);

    const big = randomNetwork({
      seed: 22,
      inputCount: 64,
      layers: [
        { kind: 'recurrent', size: 64 },
        { kind: 'readout', size: 3 },
      ],
      density: 0.2,
    });
    const { hsm, report } = quantize(big);
    assert.ok(hsm.layers[0].sparse !== undefined);
    const present = big.layers[0].mask?.reduce((n, m) => n + m, 0);
    assert.equal(hsm.layers[0].weight.length, present);
    assert.equal(report.layers[0].synapseCount, present);
    assert.equal(report.layers[0].sparse, true);
  });

  it('round-trips through dequantize: the integers exactly, the floats within half an LSB', () => {
    const model = randomNetwork({
      seed: 23,
      inputCount: 48,
      layers: [
        { kind: 'recurrent', size: 40 },
        { kind: 'feedforward', size: 20 },
        { kind: 'readout', size: 4 },
      ],
      levels: 12,
      density: 0.3,
      heterogeneous: true,
    });
    const { hsm, report } = quantize(model);
    const back = dequantize(hsm);
    assert.deepEqual(quantize(back).hsm, hsm);
    model.layers.forEach((layer, l) => {
      const q = back.layers[l];
      const r = report.layers[l];
      const weightLsb = 2 ** -r.weightExponent;
      const stateLsb = 2 ** -r.stateFracBits;
      let zeroed = 0;
      for (let s = 0; s < layer.weight.length; s++) {
        if (layer.mask !== undefined && layer.mask[s] === 0) continue;
        assert.ok(Math.abs(layer.weight[s] - q.weight[s]) <= weightLsb / 2, `layer ${l} weight ${s}`);
        assert.ok(Math.abs(layer.rho[s] - q.rho[s]) <= r.rhoMaxError + 1e-15, `layer ${l} rho ${s}`);
        if (layer.weight[s] !== 0 && q.weight[s] === 0) zeroed++;
      }
      assert.equal(r.weightsZeroed, zeroed);
      assert.equal(r.weightsClipped, 0);
      assert.ok(r.weightRmsError > 0 && r.weightRmsError < 0.05, `rms error ${r.weightRmsError}`);
      layer.drive.forEach((b, j) => assert.ok(Math.abs(b - q.drive[j]) <= stateLsb / 2));
      layer.threshold?.forEach((theta, j) =>
        assert.ok(Math.abs(theta - (q.threshold?.[j] ?? NaN)) <= stateLsb / 2),
      );
      assert.ok(Math.abs(layer.resetRho - q.resetRho) <= 0.5 / 65536);
    });
  });

  it('costs few spikes at K = 16 and more at K = 2 (measured, on a feed-forward layer)', () => {
    // Feed-forward, so a differing spike is a rounding near the threshold, not recurrent chaos.
    const model = randomNetwork({
      seed: 24,
      inputCount: 48,
      layers: [
        { kind: 'feedforward', size: 40 },
        { kind: 'readout', size: 4 },
      ],
    });
    const train = randomSpikeTrain(25, 48, 200, 0.05);
    const mismatches = (levels: number): { spikes: number; differ: number } => {
      const original = new FloatReference(model);
      const quantized = new FloatReference(dequantize(quantize(model, { levels }).hsm));
      let spikes = 0;
      let differ = 0;
      for (const active of train) {
        original.step(active);
        quantized.step(active);
        const a = original.spikes(0);
        const b = quantized.spikes(0);
        for (let j = 0; j < a.length; j++) {
          spikes += a[j];
          if (a[j] !== b[j]) differ++;
        }
      }
      return { spikes, differ };
    };
    const fine = mismatches(16);
    const coarse = mismatches(2);
    assert.ok(fine.spikes > 100, `only ${fine.spikes} spikes`);
    assert.ok(fine.differ < 0.25 * fine.spikes, `K = 16: ${fine.differ} of ${fine.spikes} spikes differ`);
    assert.ok(coarse.differ > 2 * fine.differ, `K = 2: ${coarse.differ} differ, K = 16: ${fine.differ}`);
  });

  it('reproduces a model whose parameters are already representable exactly', () => {
    const model = oneLayer({
      rho: [
        [0.5, 0.75, 1],
        [1, 0.5, 0.25],
      ],
      threshold: [1, 0.5],
      drive: [0.0625, -0.125],
      resetRho: 0.875,
    });
    assert.deepEqual(dequantize(quantize(model).hsm), model);
  });

  it('throws clear errors for what the file cannot hold', () => {
    assert.throws(
      () =>
        quantize(
          oneLayer({
            weights: [
              [1e-6, 0, 0],
              [0, 0, 0],
            ],
          }),
        ),
      (error: unknown) =>
        error instanceof QuantizeError &&
        /layers\[0\]\.threshold\[0\] = 17179869184 state LSB does not fit i32/.test(error.message),
    );
    assert.throws(() => quantize(oneLayer({}), { levels: 65 }), /levels 65 is not an integer in \[1, 64\]/);
    const exactLevels = oneLayer({
      rho: [
        [0, 1, 0.5],
        [0.6, 0.5, 1],
      ],
    });
    assert.throws(
      () => quantize(exactLevels, { levels: 2 }),
      /^QuantizeError: layers\[0\]: 2 level\(s\) cannot keep/,
    );
    assert.throws(() => quantize(oneLayer({}), { weightShift: 17 }), /weightShift 17/);
    const long = oneLayer({});
    long.labels[0] = 'x'.repeat(64);
    assert.throws(() => quantize(long), /labels\[0\] is 64 UTF-8 bytes/);
  });

  it('reports per layer in a form a person can read', () => {
    const { report } = quantize(
      oneLayer({
        rho: [
          [0.5, 0.75, 1],
          [1, 0.5, 0.5],
        ],
        mask: [
          [1, 1, 1],
          [1, 1, 0],
        ],
      }),
    );
    assert.deepEqual(report.layers[0].levelTau, [q16ToTau(32768), q16ToTau(49152), Infinity]);
    assert.equal(report.levels, 16);
    assert.equal(report.weightShift, 8);
    const text = formatReport(report);
    assert.match(text, /layer 0 feedforward: 3 -> 2, 6 synapses dense/);
    assert.match(text, /levels: 3 per synapse, 4-bit index; tau \(steps\): 1\.4 3\.5 inf/);
    assert.match(text, /threshold: 16384 state LSB \(stateFracBits 14\)/);
    assert.match(text, /layer 1 readout: 2 -> 2/);
  });
});
