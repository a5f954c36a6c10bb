import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { DEFAULT_RESET_RHO, uniformNeuronRho } from '../../host/float/model.js';
import {
  FloatModelError,
  floatModelToJson,
  parseFloatModel,
  type FloatModelJson,
} from '../../host/float/json.js';
import { randomNetwork } from '../../host/float/random-network.js';

/** 3 inputs -> recurrent 2 -> readout 2, every field in its long form. */
function sample(): FloatModelJson {
  return {
    format: 'hetsyn-float',
    version: 1,
    name: 'sample',
    labels: ['yes', 'no'],
    timestepUs: 10000,
    inputCount: 3,
    decision: { mode: 'sum', skipSteps: 10 },
    layers: [
      {
        kind: 'recurrent',
        size: 2,
        weights: [
          [1, 2, 3],
          [4, 5, 6],
        ],
        recurrentWeights: [
          [7, 8],
          [9, 10],
        ],
        rho: [
          [0.1, 0.2, 0.3],
          [0.4, 0.5, 0.6],
        ],
        recurrentRho: [
          [0.7, 0.8],
          [0.9, 1],
        ],
        threshold: [1, 2],
        drive: 0.5,
        resetRho: 0.9,
        mask: [
          [1, 0, 1],
          [1, 1, 1],
        ],
        recurrentMask: [
          [true, true],
          [false, true],
        ],
      },
      {
        kind: 'readout',
        size: 2,
        weights: [
          [1, -1],
          [0.5, 0.25],
        ],
        rho: [0.5, 0.75],
      },
    ],
  };
}

function failsAt(mutate: (json: FloatModelJson & Record<string, unknown>) => void, message: string): void {
  const json = sample() as FloatModelJson & Record<string, unknown>;
  mutate(json);
  assert.throws(
    () => parseFloatModel(json),
    (error: unknown) => {
      assert.ok(error instanceof FloatModelError, `expected a FloatModelError, got ${String(error)}`);
      assert.equal(error.message, message);
      return true;
    },
  );
}

describe('parseFloatModel normalises', () => {
  it('matrices into rows (inputs, then recurrent) by neuron, transposing [out][in]', () => {
    const layer = parseFloatModel(sample()).layers[0];
    assert.equal(layer.rows, 5);
    assert.equal(layer.inputCount, 3);
    // Synapse row * 2 + j; input 1 -> neuron 0 is masked out: weight and rho 0.
    assert.deepEqual(Array.from(layer.weight), [1, 4, 0, 5, 3, 6, 7, 0, 8, 10]);
    assert.deepEqual(Array.from(layer.rho), [0.1, 0.4, 0, 0.5, 0.3, 0.6, 0.7, 0, 0.8, 1]);
    assert.deepEqual(Array.from(layer.mask ?? []), [1, 1, 0, 1, 1, 1, 1, 0, 1, 1]);
    assert.deepEqual(Array.from(layer.threshold ?? []), [1, 2]);
    assert.deepEqual(Array.from(layer.drive), [0.5, 0.5]);
    assert.equal(layer.resetRho, 0.9);
  });

  it('scalar and per-neuron rho to every synapse, recurrent rows included', () => {
    const json = sample();
    const layer = json.layers[0];
    layer.rho = [0.25, 0.5];
    delete layer.recurrentRho;
    delete layer.mask;
    delete layer.recurrentMask;
    const parsed = parseFloatModel(json).layers[0];
    assert.deepEqual(Array.from(parsed.rho), [0.25, 0.5, 0.25, 0.5, 0.25, 0.5, 0.25, 0.5, 0.25, 0.5]);
    assert.equal(parsed.mask, undefined);
    assert.deepEqual(Array.from(uniformNeuronRho(parsed) ?? []), [0.25, 0.5]);
    layer.rho = 0.75;
    assert.ok(parseFloatModel(json).layers[0].rho.every((r) => r === 0.75));
  });

  it('the defaults: drive 0, resetRho exp(-1/20), timestep 10 ms, decision sum from step 0', () => {
    const json = sample() as FloatModelJson & Record<string, unknown>;
    delete json.timestepUs;
    delete json.decision;
    delete json.name;
    delete json.layers[0].drive;
    delete json.layers[0].resetRho;
    const model = parseFloatModel(json);
    assert.equal(model.timestepUs, 10000);
    assert.deepEqual(model.decision, { mode: 'sum', skipSteps: 0 });
    assert.equal(model.name, '');
    assert.deepEqual(Array.from(model.layers[0].drive), [0, 0]);
    assert.equal(model.layers[0].resetRho, DEFAULT_RESET_RHO);
    assert.equal(DEFAULT_RESET_RHO, Math.exp(-1 / 20));
    assert.equal(model.layers[1].resetRho, 0);
    assert.equal(model.layers[1].threshold, undefined);
  });

  it('back to JSON and again without change', () => {
    const parsed = parseFloatModel(sample());
    assert.deepEqual(parseFloatModel(JSON.parse(JSON.stringify(floatModelToJson(parsed)))), parsed);
    const random = randomNetwork({
      seed: 3,
      inputCount: 12,
      layers: [
        { kind: 'recurrent', size: 8 },
        { kind: 'readout', size: 3 },
      ],
      density: 0.7,
      heterogeneous: true,
    });
    assert.deepEqual(parseFloatModel(JSON.parse(JSON.stringify(floatModelToJson(random)))), random);
  });

  it('per-neuron rho back to its compact form', () => {
    const json = floatModelToJson(
      randomNetwork({
        seed: 4,
        inputCount: 6,
        layers: [
          { kind: 'recurrent', size: 4 },
          { kind: 'readout', size: 2 },
        ],
        rhoMode: 'neuron',
      }),
    );
    assert.equal((json.layers[0].rho as number[]).length, 4);
    assert.equal(typeof (json.layers[0].rho as number[])[0], 'number');
    assert.equal(json.layers[0].recurrentRho, undefined);
  });
});

describe('parseFloatModel rejects, naming the JSON path', () => {
  it('a rho outside [0, 1]', () => {
    failsAt(
      (j) => ((j.layers[0].rho as number[][])[1][2] = 1.2),
      'layers[0].rho[1][2]: 1.2 is outside [0, 1]',
    );
    failsAt((j) => ((j.layers[1].rho as number[])[1] = -0.5), 'layers[1].rho[1]: -0.5 is outside [0, 1]');
    failsAt(
      (j) => ((j.layers[0].recurrentRho as number[][])[0][1] = 2),
      'layers[0].recurrentRho[0][1]: 2 is outside [0, 1]',
    );
    failsAt((j) => (j.layers[0].resetRho = 1.5), 'layers[0].resetRho: 1.5 is outside [0, 1]');
  });

  it('matrices of the wrong shape', () => {
    failsAt((j) => j.layers[0].weights[1].pop(), 'layers[0].weights[1]: expected 3 entries, got 2');
    failsAt((j) => j.layers[0].weights.pop(), 'layers[0].weights: expected 2 rows, got 1');
    failsAt(
      (j) =>
        (j.layers[1].weights = [
          [1, 2, 3],
          [4, 5, 6],
        ]),
      'layers[1].weights[0]: expected 2 entries, got 3',
    );
    failsAt((j) => (j.layers[1].rho = [0.5]), 'layers[1].rho: expected 2 entries, got 1');
    failsAt((j) => j.layers[0].mask?.[0].push(1), 'layers[0].mask[0]: expected 3 entries, got 4');
  });

  it('values that are not finite numbers, or 0/1 in a mask', () => {
    failsAt(
      (j) => (j.layers[0].weights[0][1] = NaN),
      'layers[0].weights[0][1]: expected a finite number, got NaN',
    );
    failsAt(
      (j) => ((j.layers[0].weights[1] as unknown[])[0] = '4'),
      'layers[0].weights[1][0]: expected a finite number, got "4"',
    );
    failsAt(
      (j) => ((j.layers[0].recurrentMask as number[][])[1][0] = 2),
      'layers[0].recurrentMask[1][0]: expected 0 or 1, got 2',
    );
  });

  it('a threshold that is not positive, or missing', () => {
    failsAt((j) => (j.layers[0].threshold = [1, 0]), 'layers[0].threshold[1]: 0 must be > 0');
    failsAt((j) => delete j.layers[0].threshold, 'layers[0].threshold: a spiking layer needs a threshold');
    failsAt((j) => (j.layers[1].threshold = 1), 'layers[1].threshold: a readout has no threshold');
  });

  it('a readout that is not last, or a last layer that is no readout', () => {
    failsAt((j) => (j.layers[0].kind = 'readout'), 'layers[0].kind: only the last layer may be a readout');
    failsAt((j) => (j.layers[1].kind = 'feedforward'), 'layers[1].kind: the last layer must be a readout');
    failsAt(
      (j) => ((j.layers[1] as { kind: string }).kind = 'conv'),
      'layers[1].kind: expected one of feedforward, recurrent, readout, got "conv"',
    );
  });

  it('recurrent fields where they do not belong, or missing where they do', () => {
    failsAt(
      (j) => (j.layers[1].recurrentWeights = [[1]]),
      'layers[1].recurrentWeights: only a recurrent layer has recurrentWeights',
    );
    failsAt(
      (j) => delete j.layers[0].recurrentRho,
      'layers[0].recurrentRho: required when rho is given per synapse',
    );
    failsAt(
      (j) => delete j.layers[0].recurrentWeights,
      'layers[0].recurrentWeights: a recurrent layer needs recurrentWeights',
    );
  });

  it('labels that do not match the readout', () => {
    failsAt((j) => j.labels.push('up'), 'labels: 3 labels for a readout of 2 neurons');
    failsAt((j) => (j.labels[1] = ''), 'labels[1]: expected a non-empty string, got ""');
  });

  it('the wrong format, version, unknown fields and bad sizes', () => {
    failsAt(
      (j) => ((j as Record<string, unknown>).format = 'onnx'),
      'format: expected "hetsyn-float", got "onnx"',
    );
    failsAt(
      (j) => ((j as Record<string, unknown>).version = 2),
      'version: this reader knows version 1, got 2',
    );
    failsAt(
      (j) => ((j.layers[0] as unknown as Record<string, unknown>).treshold = 1),
      'layers[0].treshold: unknown field',
    );
    failsAt((j) => (j.inputCount = 0), 'inputCount: 0 is not an integer in [1, 4294967295]');
    failsAt((j) => (j.layers[1].size = 2.5), 'layers[1].size: 2.5 is not an integer in [1, 4294967295]');
    failsAt((j) => (j.layers[1].size = 4e9), 'layers[1].weights: expected 4000000000 rows, got 2');
    failsAt((j) => (j.inputCount = 4e9), 'layers[0].weights[0]: expected 4000000000 entries, got 3');
    failsAt(
      (j) => ((j.decision as { mode: string }).mode = 'max'),
      'decision.mode: expected "sum", got "max"',
    );
    assert.throws(
      () => parseFloatModel([]),
      /^FloatModelError: \(root\): expected an object, got an array of 0$/,
    );
  });
});
