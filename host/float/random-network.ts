/**
 * Seeded synthetic HetSynLIF networks and spike trains for tests and benchmarks. The same seed
 * gives the same network on every machine (Prng, no Math.random).
 *
 * Time constants follow what training the paper's network on our data produced: log tau with
 * median 7 steps, 5th percentile 3 and 95th 33 (a split normal in log tau, so both tails match),
 * and, per synapse, a small share of "no decay" synapses (rho = 1). Weights are scaled, layer by
 * layer, by simulating the network on a seeded input train until each hidden layer fires on
 * about `targetRate` of its neuron-steps, the regime trained networks run in (2-3 %).
 */
import type { LayerKind } from '../model/hsm.js';
import { BucketedFloat } from './bucketed.js';
import { DEFAULT_RESET_RHO, DEFAULT_TIMESTEP_US, type FloatLayer, type FloatModel } from './model.js';
import { Prng } from '../util/prng.js';

export type RhoMode = 'synapse' | 'neuron' | 'layer';

export interface RandomNetworkOptions {
  seed: number;
  inputCount: number;
  /** The last must be the readout. */
  layers: { kind: LayerKind; size: number }[];
  /** Distinct rho values per layer (synapse and neuron modes), default 16. */
  levels?: number;
  /** Whose time constant: each synapse's (default), each neuron's, or one per layer (tau 7 steps). */
  rhoMode?: RhoMode;
  /** Probability that an input channel spikes in a step, default 0.05. */
  inputRate?: number;
  /** Probability that a synapse exists, default 1 (dense, no masks). */
  density?: number;
  /** Per-neuron thresholds in [0.8, 1.2] and drives in [-0.1, 0.1] instead of 1 and 0. */
  heterogeneous?: boolean;
  /** Fraction of neuron-steps on which hidden neurons fire, default 0.03. */
  targetRate?: number;
}

const MEDIAN_TAU = 7;
/** ln(7/3) / 1.645 and ln(33/7) / 1.645: the 5th and 95th percentiles at 3 and 33 steps. */
const LOG_TAU_SIGMA_LOW = Math.log(MEDIAN_TAU / 3) / 1.6448536;
const LOG_TAU_SIGMA_HIGH = Math.log(33 / MEDIAN_TAU) / 1.6448536;
const NO_DECAY_SHARE = 0.01;
/** Feed-forward weights lean excitatory so activity follows the input; recurrent ones are balanced. */
const FEEDFORWARD_MEAN = 0.5;
const RECURRENT_GAIN = 0.5;
const CALIBRATION_STEPS = 400;
const CALIBRATION_WARMUP = 50;
const CALIBRATION_ITERATIONS = 24;
const LOG2_GAIN_RANGE = 12;

/** Inverse standard normal CDF (Acklam's rational approximation, relative error < 1.2e-9). */
function probit(p: number): number {
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const tail = (q: number): number =>
    (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
    ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  const pLow = 0.02425;
  if (p < pLow) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - pLow) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) /
    (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
  );
}

/** The tau (steps) at quantile p of the paper-like distribution. */
function tauQuantile(p: number): number {
  const z = probit(p);
  return MEDIAN_TAU * Math.exp(z * (z < 0 ? LOG_TAU_SIGMA_LOW : LOG_TAU_SIGMA_HIGH));
}

/**
 * A picker of rho values: `count` decaying levels at evenly spaced quantiles, chosen uniformly, so
 * the picks follow the distribution; with `noDecay`, rho = 1 on NO_DECAY_SHARE of the picks.
 */
function rhoPicker(count: number, noDecay: boolean): (prng: Prng) => number {
  const levels = Array.from({ length: count }, (_, i) => Math.exp(-1 / tauQuantile((i + 0.5) / count)));
  if (!noDecay) return (prng) => levels[prng.int(count)];
  return (prng) => (prng.uniform() < NO_DECAY_SHARE ? 1 : levels[prng.int(count)]);
}

interface Draft {
  layer: FloatLayer;
  /** Weights before the calibrated gain. */
  unscaled: Float64Array;
}

function draftLayer(
  prng: Prng,
  kind: LayerKind,
  inputCount: number,
  size: number,
  opts: RandomNetworkOptions,
): Draft {
  const recurrent = kind === 'recurrent';
  const rows = inputCount + (recurrent ? size : 0);
  const density = opts.density ?? 1;
  const levels = opts.levels ?? 16;
  const mode = opts.rhoMode ?? 'synapse';
  const rho = new Float64Array(rows * size);
  const unscaled = new Float64Array(rows * size);
  const mask = density < 1 ? new Uint8Array(rows * size) : undefined;

  if (mode === 'layer') {
    rho.fill(Math.exp(-1 / MEDIAN_TAU));
  } else if (mode === 'neuron') {
    // A neuron that never forgets would integrate its input without bound: no rho = 1 here.
    const pick = rhoPicker(levels, false);
    const neuronRho = Float64Array.from({ length: size }, () => pick(prng));
    for (let r = 0; r < rows; r++) rho.set(neuronRho, r * size);
  } else {
    const pick = rhoPicker(levels > 1 ? levels - 1 : 1, levels > 1);
    for (let s = 0; s < rho.length; s++) rho[s] = pick(prng);
  }

  const feedforwardScale = 1 / Math.sqrt(inputCount * density);
  const recurrentScale = RECURRENT_GAIN / Math.sqrt(size * density);
  for (let s = 0; s < unscaled.length; s++) {
    const fromInput = s < inputCount * size;
    // rho = 1 synapses never forget, so a mean would grow without bound: keep them balanced.
    const mean = fromInput && rho[s] < 1 && kind !== 'readout' ? FEEDFORWARD_MEAN : 0;
    unscaled[s] = (prng.normal() + mean) * (fromInput ? feedforwardScale : recurrentScale);
    if (mask !== undefined) {
      mask[s] = prng.uniform() < density ? 1 : 0;
      if (mask[s] === 0) {
        unscaled[s] = 0;
        rho[s] = 0;
      }
    }
  }

  const spiking = kind !== 'readout';
  const heterogeneous = opts.heterogeneous ?? false;
  const threshold = spiking
    ? Float64Array.from({ length: size }, () => (heterogeneous ? 0.8 + 0.4 * prng.uniform() : 1))
    : undefined;
  const drive = Float64Array.from({ length: size }, () =>
    heterogeneous && spiking ? 0.2 * prng.uniform() - 0.1 : 0,
  );
  const layer: FloatLayer = {
    kind,
    inputCount,
    size,
    rows,
    weight: unscaled.slice(),
    rho,
    mask,
    threshold,
    drive,
    resetRho: spiking ? DEFAULT_RESET_RHO : 0,
  };
  return { layer, unscaled };
}

/** A silent one-neuron readout, so a truncated network is a complete model to simulate. */
function silentReadout(inputCount: number): FloatLayer {
  return {
    kind: 'readout',
    inputCount,
    size: 1,
    rows: inputCount,
    weight: new Float64Array(inputCount),
    rho: new Float64Array(inputCount),
    drive: new Float64Array(1),
    resetRho: 0,
  };
}

function firingRate(model: FloatModel, layer: number, train: number[][]): number {
  const sim = new BucketedFloat(model);
  let spikes = 0;
  for (let t = 0; t < train.length; t++) {
    sim.step(train[t]);
    if (t < CALIBRATION_WARMUP) continue;
    const z = sim.spikes(layer);
    for (let j = 0; j < z.length; j++) spikes += z[j];
  }
  return spikes / ((train.length - CALIBRATION_WARMUP) * model.layers[layer].size);
}

/** Scales layer l's weights so it fires at `target` given the (final) layers below it. */
function calibrate(base: FloatModel, drafts: Draft[], l: number, train: number[][], target: number): void {
  const model: FloatModel = {
    ...base,
    layers: [...drafts.slice(0, l + 1).map((d) => d.layer), silentReadout(drafts[l].layer.size)],
  };
  const { layer, unscaled } = drafts[l];
  const setGain = (log2Gain: number): void => {
    const gain = 2 ** log2Gain;
    for (let s = 0; s < unscaled.length; s++) layer.weight[s] = unscaled[s] * gain;
  };
  // Bisection on log gain: more gain, more firing (up to the refractory effect of the reset current).
  let low = -LOG2_GAIN_RANGE;
  let high = LOG2_GAIN_RANGE;
  for (let i = 0; i < CALIBRATION_ITERATIONS; i++) {
    const middle = (low + high) / 2;
    setGain(middle);
    if (firingRate(model, l, train) < target) low = middle;
    else high = middle;
  }
  setGain((low + high) / 2);
}

/** A seeded random network shaped by `opts` (see RandomNetworkOptions). */
export function randomNetwork(opts: RandomNetworkOptions): FloatModel {
  const shapes = opts.layers;
  if (shapes.length === 0 || shapes[shapes.length - 1].kind !== 'readout') {
    throw new RangeError('randomNetwork: the last layer must be a readout');
  }
  if (shapes.slice(0, -1).some((s) => s.kind === 'readout')) {
    throw new RangeError('randomNetwork: only the last layer may be a readout');
  }
  const density = opts.density ?? 1;
  if (!(density > 0 && density <= 1))
    throw new RangeError(`randomNetwork: density ${density} is outside (0, 1]`);
  const levels = opts.levels ?? 16;
  if (!Number.isInteger(levels) || levels < 1)
    throw new RangeError(`randomNetwork: levels ${levels} is not >= 1`);

  const prng = new Prng(opts.seed);
  const drafts: Draft[] = [];
  let inputCount = opts.inputCount;
  for (const shape of shapes) {
    drafts.push(draftLayer(prng, shape.kind, inputCount, shape.size, opts));
    inputCount = shape.size;
  }
  const readoutSize = shapes[shapes.length - 1].size;
  const model: FloatModel = {
    name: `random-${opts.seed}`,
    labels: Array.from({ length: readoutSize }, (_, c) => `class${c}`),
    timestepUs: DEFAULT_TIMESTEP_US,
    inputCount: opts.inputCount,
    decision: { mode: 'sum', skipSteps: 0 },
    layers: drafts.map((d) => d.layer),
  };
  const train = randomSpikeTrain(
    opts.seed ^ 0x9e3779b9,
    opts.inputCount,
    CALIBRATION_STEPS,
    opts.inputRate ?? 0.05,
  );
  for (let l = 0; l < drafts.length - 1; l++) calibrate(model, drafts, l, train, opts.targetRate ?? 0.03);
  return model;
}

/** Bernoulli spikes: per step, the sorted list of channels that spiked. */
export function randomSpikeTrain(seed: number, channels: number, steps: number, rate: number): number[][] {
  const prng = new Prng(seed);
  const train: number[][] = [];
  for (let t = 0; t < steps; t++) {
    const active: number[] = [];
    for (let c = 0; c < channels; c++) if (prng.uniform() < rate) active.push(c);
    train.push(active);
  }
  return train;
}
