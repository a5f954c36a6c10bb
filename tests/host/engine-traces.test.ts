/**
 * Hand-computed traces of the .wasm engine on tiny models (docs/fixed-point.md). The expected
 * numbers are worked out in the comments from the spec's rules, not taken from the engine:
 *
 *   decay(x, a) = sign(x) * floor((|x| * a + 32768) / 65536)   (half away from zero)
 *   R = sat32(decay(R, resetDecay) + (spiked last step ? theta : 0))
 *   v = sat32(sum_k S[k] + b - R), spike when v >= theta
 *
 * plus equivalences between encodings of the same network, which the nibble, byte, per-neuron and
 * sparse code paths must agree on exactly.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Engine } from '../../host/wasm/engine.js';
import { openEngine } from '../../host/wasm/module.js';
import type { HsmLayer, HsmModel } from '../../host/model/hsm.js';
import { writeHsm } from '../../host/model/hsm-writer.js';
import { randomInputs, randomModel, Rng, tinyModel, type LayerSpec } from './fixtures.js';

const I32_MAX = 2147483647;
const I32_MIN = -2147483648;

function load(model: HsmModel): Engine {
  const engine = openEngine();
  engine.loadOrThrow(writeHsm(model));
  return engine;
}

/**
 * `hidden` (one neuron) followed by a readout of one class that sees its spike with weight 7 and no
 * memory (decay 0), so the score is 7 exactly on the steps the neuron fires.
 */
function oneNeuron(
  inputCount: number,
  hidden: Omit<HsmLayer, 'inputCount' | 'neuronCount' | 'drive'> & { drive?: number },
): HsmModel {
  return {
    name: 'one neuron',
    timestepUs: 1000,
    inputCount,
    decision: { mode: 'sum', skipSteps: 0 },
    labels: ['fired'],
    layers: [
      { ...hidden, inputCount, neuronCount: 1, drive: Int32Array.of(hidden.drive ?? 0) },
      {
        kind: 'readout',
        inputCount: 1,
        neuronCount: 1,
        bucketBits: 0,
        levelDecayQ16: [0],
        resetDecayQ16: 0,
        weightShift: 0,
        stateFracBits: 0,
        drive: Int32Array.of(0),
        neuronLevel: Uint8Array.of(0),
        weight: Int8Array.of(7),
      },
    ],
  };
}

/** Steps through `schedule`, recording neuron 0's membrane, its spikes and the readout score. */
function trace(engine: Engine, schedule: number[][]): { v: number[]; fired: number[]; score: number[] } {
  const result = { v: [] as number[], fired: [] as number[], score: [] as number[] };
  schedule.forEach((active, t) => {
    engine.step(active);
    result.v.push(engine.membrane(0, 0));
    if (engine.spikeList(0).length > 0) result.fired.push(t);
    result.score.push(engine.scores()[0] ?? NaN);
  });
  return result;
}

describe('hand traces', () => {
  it('a LIF neuron with a per-neuron level: decay rounds half away from zero, reset by theta', () => {
    // K = 2, the neuron uses level 1 (alpha = 32768 = 0.5), not level 0 (no decay). Channel 0
    // adds +105, channel 1 adds -105 (weightShift 0). theta = 200, reset decay 0 (R lasts one step).
    const engine = load(
      oneNeuron(2, {
        kind: 'feedforward',
        bucketBits: 0,
        levelDecayQ16: [65536, 32768],
        resetDecayQ16: 0,
        weightShift: 0,
        stateFracBits: 0,
        threshold: Int32Array.of(200),
        neuronLevel: Uint8Array.of(1),
        weight: Int8Array.of(105, -105),
      }),
    );
    const schedule = [[1], [], [0], [0], [0], [0], [0], [], [], [0], [], [], [], [], [], [], [], [], []];
    const expected = [
      -105, // t0: 0 - 105
      -53, //  t1: decay(-105) = -floor((105 * 32768 + 32768) / 65536) = -53 (-52.5, away from 0)
      78, //   t2: decay(-53) = -27 (-26.5), + 105
      144, //  t3: decay(78) = 39, + 105
      177, //  t4: decay(144) = 72, + 105
      194, //  t5: decay(177) = 89 (88.5), + 105; 194 < 200
      202, //  t6: decay(194) = 97, + 105 = 202 >= 200: spike
      -99, //  t7: S = decay(202) = 101; R = decay(0, 0) + 200 = 200; v = 101 - 200
      51, //   t8: S = decay(101) = 51 (50.5); R = decay(200, 0) = 0
      131, //  t9: decay(51) = 26 (25.5), + 105
      66, //   t10: 65.5 -> 66
      33, //   t11: 33
      17, //   t12: 16.5 -> 17
      9, //    t13: 8.5 -> 9
      5, //    t14: 4.5 -> 5
      3, //    t15: 2.5 -> 3
      2, //    t16: 1.5 -> 2
      1, //    t17: 1
      1, //    t18: decay(1) = floor((32768 + 32768) / 65536) = 1: the dead zone keeps it
    ];
    const result = trace(engine, schedule);
    assert.deepEqual(result.v, expected);
    assert.deepEqual(result.fired, [6]);
    // The readout sees layer 0's spike in the same step.
    assert.deepEqual(
      result.score,
      expected.map((_, t) => (t === 6 ? 7 : 0)),
    );
  });

  it('threshold adaptation: the reset current R accumulates over successive spikes', () => {
    // No inputs; drive b = 2000, theta = 600, reset decay 61440 (15/16), so v = 2000 - R and R
    // grows by 600 per spike while decaying by 1/16 per step: the spikes thin out.
    const engine = load(
      oneNeuron(1, {
        kind: 'feedforward',
        bucketBits: 0,
        levelDecayQ16: [65536],
        resetDecayQ16: 61440,
        weightShift: 0,
        stateFracBits: 0,
        threshold: Int32Array.of(600),
        drive: 2000,
        neuronLevel: Uint8Array.of(0),
        weight: Int8Array.of(0),
      }),
    );
    const expectedR = [
      0, //    t0: nothing fired before; v = 2000: spike
      600, //  t1: 0 + 600; v = 1400: spike
      1163, // t2: decay(600) = floor((600 * 61440 + 32768) / 65536) = 563 (562.5), + 600; v = 837: spike
      1690, // t3: decay(1163) = 1090 (1090.31), + 600; v = 310
      1584, // t4: 1584.38 -> 1584
      1485, // t5: 1485
      1392, // t6: 1392.19 -> 1392; v = 608: spike
      1905, // t7: decay(1392) = 1305, + 600
      1786, // t8: 1785.94 -> 1786
      1674, // t9: 1674.38 -> 1674
      1569, // t10: 1569.38 -> 1569
      1471, // t11: 1470.94 -> 1471
      1379, // t12: 1379.06 -> 1379; v = 621: spike
      1893, // t13: decay(1379) = 1293 (1292.81), + 600
    ];
    const result = trace(
      engine,
      expectedR.map(() => []),
    );
    assert.deepEqual(
      result.v,
      expectedR.map((R) => 2000 - R),
    );
    assert.deepEqual(result.fired, [0, 1, 2, 6, 12]);
  });

  it('two synapses with different time constants (levels in nibbles)', () => {
    // K = 2: level 0 fast (alpha 32768 = 0.5), level 1 slow (61440 = 15/16). Synapse 0 (channel 0)
    // has level 1 in the low nibble, synapse 1 (channel 1) level 0 in the high nibble. Weights
    // +100 each; theta out of reach, so v = S_fast + S_slow.
    const engine = load(
      oneNeuron(2, {
        kind: 'feedforward',
        bucketBits: 4,
        levelDecayQ16: [32768, 61440],
        resetDecayQ16: 0,
        weightShift: 0,
        stateFracBits: 0,
        threshold: Int32Array.of(1_000_000_000),
        weight: Int8Array.of(100, 100),
        synapseLevel: Uint8Array.of(1, 0),
      }),
    );
    const schedule = [[0], [1], [], [], [], [], [], [], [0, 1]];
    const expected = [
      0 + 100, //   t0: slow 100
      100 + 94, //  t1: fast 100; slow decay(100) = 94 (93.75)
      50 + 88, //   t2: fast 50; slow 88 (88.125)
      25 + 83, //   t3: fast 25; slow decay(88) = 83 (82.5 away from zero)
      13 + 78, //   t4: fast 13 (12.5); slow 78 (77.81)
      7 + 73, //    t5: fast 7 (6.5); slow 73 (73.13)
      4 + 68, //    t6: fast 4 (3.5); slow 68 (68.44)
      2 + 64, //    t7: fast 2; slow 64 (63.75)
      101 + 160, // t8: fast decay(2) = 1, + 100; slow decay(64) = 60, + 100
    ];
    assert.deepEqual(trace(engine, schedule).v, expected);
  });

  it('a recurrent row carries the previous step spike; the next layer sees this step spike', () => {
    // Input weight 100, self weight 50, decay 0 (S holds only this step's events), theta 90.
    const engine = load(
      oneNeuron(1, {
        kind: 'recurrent',
        bucketBits: 0,
        levelDecayQ16: [0],
        resetDecayQ16: 0,
        weightShift: 0,
        stateFracBits: 0,
        threshold: Int32Array.of(90),
        neuronLevel: Uint8Array.of(0),
        weight: Int8Array.of(100, 50),
      }),
    );
    const result = trace(engine, [[0], [], [], [0]]);
    // t0: 100 >= 90, spike. t1: S = 50 (own spike of t0), R = 90: -40. t2: nothing fired at t1: 0.
    assert.deepEqual(result.v, [100, -40, 0, 100]);
    assert.deepEqual(result.fired, [0, 3]);
    assert.deepEqual(result.score, [7, 0, 0, 7]);
  });
});

describe('saturation', () => {
  it('sums stick at the i32 limits, never wrap; scores sum slots in 64 bits; sums in i64', () => {
    // A readout straight on 600 inputs, no decay, weightShift 16: one event adds
    // 127 * 65536 = 8323072 or -128 * 65536 = -8388608. Channel 0 feeds both classes at level 0,
    // channel 1 both at level 0 negatively, channel 2 class 1 at level 1.
    const inputs = 600;
    const weight = new Int8Array(inputs * 2);
    const level = new Uint8Array(inputs * 2);
    weight.set([127, 127, -128, -128, 0, 127]);
    level.set([0, 0, 0, 0, 0, 1]);
    const engine = load({
      name: 'saturation',
      timestepUs: 1000,
      inputCount: inputs,
      decision: { mode: 'sum', skipSteps: 0 },
      labels: ['a', 'b'],
      layers: [
        {
          kind: 'readout',
          inputCount: inputs,
          neuronCount: 2,
          bucketBits: 8,
          levelDecayQ16: [65536, 65536],
          resetDecayQ16: 0,
          weightShift: 16,
          stateFracBits: 16,
          drive: new Int32Array(2),
          weight,
          synapseLevel: level,
        },
      ],
    });
    const times = (n: number, channel: number): number[] => new Array<number>(n).fill(channel);
    const scores = (): number[] => Array.from(engine.scores());

    engine.step(times(300, 0)); // 300 * 8323072 = 2496921600 > 2^31 - 1
    assert.deepEqual(scores(), [I32_MAX, I32_MAX]);
    engine.step([]); // decay(x, 65536) = x exactly
    assert.deepEqual(scores(), [I32_MAX, I32_MAX]);
    engine.step(times(300, 2)); // class 1: both slots at the maximum; their sum saturates once
    assert.deepEqual(scores(), [I32_MAX, I32_MAX]);
    engine.step(times(600, 1)); // level 0 of both: down through 0 to the minimum, and stays
    assert.deepEqual(scores(), [I32_MIN, I32_MIN + I32_MAX]);
    engine.step(times(600, 1));
    assert.deepEqual(scores(), [I32_MIN, -1]);
    // Accumulators: 3 * max + 2 * min and 3 * max - 2, beyond i32.
    assert.deepEqual(Array.from(engine.scoreSums()), [
      3n * BigInt(I32_MAX) + 2n * BigInt(I32_MIN),
      3n * BigInt(I32_MAX) - 2n,
    ]);
    assert.equal(engine.decision(), 1);
  });

  it('a spiking membrane saturates too: S + b - R in 64 bits, saturated once', () => {
    // 600 inputs, weightShift 16: channel 0 adds 127 * 65536, the others -128 * 65536 each.
    // No decay of S or R, drive 0, theta = 2^31 - 1.
    const inputs = 600;
    const engine = load(
      oneNeuron(inputs, {
        kind: 'feedforward',
        bucketBits: 0,
        levelDecayQ16: [65536],
        resetDecayQ16: 65536,
        weightShift: 16,
        stateFracBits: 16,
        threshold: Int32Array.of(I32_MAX),
        neuronLevel: Uint8Array.of(0),
        weight: Int8Array.from({ length: inputs }, (_, c) => (c === 0 ? 127 : -128)),
      }),
    );
    const times = (channel: number): number[] => new Array<number>(inputs).fill(channel);
    const result = trace(engine, [times(0), [], times(1), []]);
    assert.deepEqual(result.v, [
      I32_MAX, // S saturates at the maximum; v = max >= theta: spike
      0, //       R = 0 + theta = max: v = max - max
      I32_MIN, // S runs down to the minimum; R = decay(max, 65536) = max: v = sat32(min - max), not 1
      I32_MIN, // R = max: still saturated
    ]);
    assert.deepEqual(result.fired, [0]);
  });
});

describe('reset and decision', () => {
  it('reset() clears the state; the same inputs then give the same run as after loading', () => {
    const model = tinyModel();
    const engine = load(model);
    const inputs = randomInputs(new Rng(7), model.inputCount, 15, 0.4);
    const run = (): unknown[] =>
      inputs.map((active) => {
        engine.step(active);
        return [
          Array.from(engine.scores()),
          Array.from(engine.spikeList(0)),
          engine.membrane(0, 3),
          engine.decision(),
        ];
      });
    const first = run();
    engine.reset();
    assert.equal(engine.stepCount, 0);
    assert.deepEqual(Array.from(engine.scores()), [0, 0, 0]);
    assert.deepEqual(Array.from(engine.scoreSums()), [0n, 0n, 0n]);
    assert.deepEqual(Array.from(engine.spikeList(0)), []);
    assert.equal(engine.decision(), -1);
    assert.deepEqual(run(), first);
  });

  /** A readout on 3 inputs, input c adding 10 to class c only, no memory (decay 0). */
  function identity(skipSteps: number, drive = 0): Engine {
    return load({
      name: 'identity',
      timestepUs: 1000,
      inputCount: 3,
      decision: { mode: 'sum', skipSteps },
      labels: ['0', '1', '2'],
      layers: [
        {
          kind: 'readout',
          inputCount: 3,
          neuronCount: 3,
          bucketBits: 0,
          levelDecayQ16: [0],
          resetDecayQ16: 0,
          weightShift: 0,
          stateFracBits: 0,
          drive: new Int32Array(3).fill(drive),
          neuronLevel: new Uint8Array(3),
          weight: Int8Array.of(10, 0, 0, 0, 10, 0, 0, 0, 10),
        },
      ],
    });
  }

  it('skips the first skipSteps steps; ties go to the lowest index', () => {
    const engine = identity(2);
    assert.equal(engine.decision(), -1, 'before any step');
    const steps: [number[], number, bigint[]][] = [
      [[0], -1, [0n, 0n, 0n]], //  step 0: skipped
      [[0], -1, [0n, 0n, 0n]], //  step 1: skipped
      [[1], 1, [0n, 10n, 0n]], //  step 2: the first counted
      [[2], 1, [0n, 10n, 10n]], // tie between 1 and 2
      [[0], 0, [10n, 10n, 10n]], // three-way tie
      [[2, 2], 2, [10n, 10n, 30n]],
    ];
    for (const [active, decision, sums] of steps) {
      engine.step(active);
      assert.equal(engine.decision(), decision, `after ${JSON.stringify(active)}`);
      assert.deepEqual(Array.from(engine.scoreSums()), sums);
    }
    engine.reset();
    assert.equal(engine.decision(), -1, 'a reset restarts the skipped steps');
    engine.step([2]);
    engine.step([2]);
    assert.equal(engine.decision(), -1);
    engine.step([]);
    assert.equal(engine.decision(), 0);
  });

  it('with skipSteps 0 the first step counts; negative sums and ties', () => {
    const engine = identity(0, -5);
    assert.equal(engine.decision(), -1);
    engine.step([]); // [-5, -5, -5]
    assert.equal(engine.decision(), 0);
    engine.step([0]); // scores [5, -5, -5]: sums [0, -10, -10]
    assert.equal(engine.decision(), 0);
    engine.step([1, 1]); // scores [-5, 15, -5]: sums [-5, 5, -15]
    assert.equal(engine.decision(), 1);
    assert.deepEqual(Array.from(engine.scoreSums()), [-5n, 5n, -15n]);
  });
});

describe('encodings of the same network run identically', () => {
  const STEPS = 60;

  function runAll(model: HsmModel, inputs: number[][]): unknown[] {
    const engine = load(model);
    return inputs.map((active) => {
      engine.step(active);
      return engine
        .info()
        .layers.map((layer, l) => [
          Array.from(engine.spikeList(l)),
          Array.from({ length: layer.neuronCount }, (_, j) => engine.membrane(l, j)),
        ]);
    });
  }

  function mapLayers(model: HsmModel, change: (layer: HsmLayer) => HsmLayer): HsmModel {
    return { ...model, layers: model.layers.map(change) };
  }

  /** Odd sizes, so rows start on both nibbles of a byte; K <= 16 so nibbles can hold the levels. */
  const shapes = (density?: number): LayerSpec[] => {
    const specs: LayerSpec[] = [
      { kind: 'recurrent', neuronCount: 7, bucketBits: 8, levelCount: 5 },
      { kind: 'feedforward', neuronCount: 5, bucketBits: 8, levelCount: 16 },
      { kind: 'readout', neuronCount: 3, bucketBits: 8, levelCount: 3 },
    ];
    return density === undefined ? specs : specs.map((s) => ({ ...s, density }));
  };

  for (const density of [undefined, 0.5]) {
    const what = density === undefined ? 'dense' : 'sparse';
    it(`${what}: levels in bytes and in nibbles`, () => {
      const rng = new Rng(11);
      const model = randomModel(rng, 9, shapes(density));
      const inputs = randomInputs(rng, 9, STEPS, 0.3);
      const nibbles = mapLayers(model, (layer) => ({ ...layer, bucketBits: 4 }));
      assert.deepEqual(runAll(nibbles, inputs), runAll(model, inputs));
    });
  }

  it('sparse rows holding every synapse and the dense layer', () => {
    const rng = new Rng(12);
    const model = randomModel(rng, 9, shapes());
    const inputs = randomInputs(rng, 9, STEPS, 0.3);
    const sparse = mapLayers(model, (layer) => {
      const rows = layer.inputCount + (layer.kind === 'recurrent' ? layer.neuronCount : 0);
      const n = layer.neuronCount;
      return {
        ...layer,
        sparse: {
          rowStart: Uint32Array.from({ length: rows + 1 }, (_, r) => r * n),
          column: Uint16Array.from({ length: rows * n }, (_, s) => s % n),
        },
      };
    });
    assert.deepEqual(runAll(sparse, inputs), runAll(model, inputs));
  });

  // Small layers take the one-by-one paths; wider ones with busy inputs also the unrolled runs of 8
  // slots and the four rows at a time, with rows and slots left over. minBusiest makes sure the
  // recurrent rows of layer 0 reach four at a time too.
  const oneLevel: {
    what: string;
    inputs: number;
    rate: number;
    specs: LayerSpec[];
    minBusiest: number;
  }[] = [
    { what: 'small layers', inputs: 9, rate: 0.3, specs: shapes(), minBusiest: 0 },
    {
      what: 'runs of 8 slots and 4 rows at a time',
      inputs: 23,
      rate: 0.5,
      specs: [
        { kind: 'recurrent', neuronCount: 19, bucketBits: 8, levelCount: 5 },
        { kind: 'feedforward', neuronCount: 16, bucketBits: 8, levelCount: 16 },
        { kind: 'readout', neuronCount: 11, bucketBits: 8, levelCount: 3 },
      ],
      minBusiest: 4,
    },
  ];
  for (const { what, inputs: inputCount, rate, specs, minBusiest } of oneLevel) {
    it(`one level per neuron and every synapse of a neuron at that neuron's level: ${what}`, () => {
      const rng = new Rng(13);
      const model = randomModel(
        rng,
        inputCount,
        specs.map((s) => ({ ...s, bucketBits: 0 as const })),
      );
      const inputs = randomInputs(rng, inputCount, STEPS, rate);
      const perSynapse = mapLayers(model, (layer) => {
        const levels = layer.neuronLevel ?? new Uint8Array(0);
        const n = layer.neuronCount;
        return {
          ...layer,
          bucketBits: 8,
          neuronLevel: undefined,
          synapseLevel: Uint8Array.from(layer.weight, (_, s) => levels[s % n] ?? 0),
        };
      });
      const trace = runAll(model, inputs) as [number[], number[]][][];
      assert.deepEqual(runAll(perSynapse, inputs), trace);
      const busiest = Math.max(...trace.map((layers) => layers[0]?.[0].length ?? 0));
      assert.ok(busiest >= minBusiest, `spikes per step ${busiest}`);
    });
  }
});
