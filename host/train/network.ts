/**
 * The trainable HetSynLIF network (docs/training.md): its shape, its parameters in one flat
 * Float64Array (so workers can share them and the optimizer sees one vector), and the "effective"
 * per-synapse arrays the forward pass runs on.
 *
 * Synapse layout is the float model's (host/float/model.ts): synapse `row * size + j`, a layer's
 * input rows first, then, when recurrent, its own neurons. So a trained network becomes a
 * FloatModel without reordering.
 */
import type { LayerKind } from '../model/hsm.js';
import { Prng } from '../util/prng.js';

/** How finely rho is learned: the paper's per synapse, one per neuron, or one per layer (vanilla LIF). */
export type RhoGranularity = 'synapse' | 'neuron' | 'layer';
export const RHO_GRANULARITIES: readonly RhoGranularity[] = ['synapse', 'neuron', 'layer'];

export interface NetworkSpec {
  inputCount: number;
  /** Hidden layers (spiking), then the readout last. */
  layers: { kind: LayerKind; size: number }[];
  rho: RhoGranularity;
  /** Spike threshold of every spiking neuron (the starting value when thresholds are learned). */
  threshold: number;
  /** Learn a constant drive per spiking neuron (external heterogeneity); the readout always learns its own. */
  learnDrive?: boolean;
  /** Learn a threshold per spiking neuron (intrinsic heterogeneity; with rho per neuron, its time constant too). */
  learnThreshold?: boolean;
  /**
   * Keep this fraction of each spiking layer's synapses (network heterogeneity): the weakest are
   * pruned during the float epochs (prune.ts, densityAt) and exported as sparse rows.
   */
  density?: number;
  /** Reset-current decay rho_r. */
  resetRho: number;
  /** Readout steps left out of the decision (and the loss) at the start of a clip. */
  skipSteps: number;
  /**
   * The largest rho training may reach (1 when absent: no decay). Below 1 every current forgets,
   * so a network that runs forever cannot latch on a sum that never decays.
   */
  maxRho?: number;
}

export interface LayerShape {
  kind: LayerKind;
  inputCount: number;
  size: number;
  rows: number;
}

/** Where one layer's tensors sit in the flat parameter vector. */
export interface LayerSlots extends LayerShape {
  weight: number;
  /** rows * size, size or 1 values, by granularity. */
  rho: number;
  rhoLength: number;
  /** A learned drive (bias) per neuron: always for the readout, for spiking layers with learnDrive; else -1 (drive 0). */
  bias: number;
  /** Learned thresholds per neuron (spiking layers with learnThreshold); else -1 (the spec's threshold). */
  threshold: number;
}

export interface ParamLayout {
  layers: LayerSlots[];
  length: number;
  /** The spec's threshold: every spiking neuron's, or where learned thresholds start. */
  threshold: number;
}

export function layerShapes(spec: NetworkSpec): LayerShape[] {
  let below = spec.inputCount;
  return spec.layers.map(({ kind, size }) => {
    const shape = { kind, inputCount: below, size, rows: below + (kind === 'recurrent' ? size : 0) };
    below = size;
    return shape;
  });
}

export function paramLayout(spec: NetworkSpec): ParamLayout {
  let at = 0;
  const layers = layerShapes(spec).map((shape) => {
    const weight = at;
    at += shape.rows * shape.size;
    const rhoLength =
      spec.rho === 'synapse' ? shape.rows * shape.size : spec.rho === 'neuron' ? shape.size : 1;
    const rho = at;
    at += rhoLength;
    const spiking = shape.kind !== 'readout';
    let bias = -1;
    if (!spiking || spec.learnDrive) {
      bias = at;
      at += shape.size;
    }
    let threshold = -1;
    if (spiking && spec.learnThreshold) {
      threshold = at;
      at += shape.size;
    }
    return { ...shape, weight, rho, rhoLength, bias, threshold };
  });
  return { layers, length: at, threshold: spec.threshold };
}

/** Initial time constants are log-uniform over this range, in steps (20-250 ms at 10 ms). */
export const INIT_TAU_STEPS: readonly [number, number] = [2, 25];

/**
 * Fresh parameters: weights uniform in +-gain / sqrt(rows) (the recurrent block smaller, so the
 * untrained network is driven by its input rather than by itself), rho from log-uniform tau.
 */
export function initParams(spec: NetworkSpec, seed: number, gain = 1): Float64Array {
  const layout = paramLayout(spec);
  const p = new Float64Array(layout.length);
  const rng = new Prng(seed);
  const [tauLow, tauHigh] = INIT_TAU_STEPS;
  for (const l of layout.layers) {
    const inputScale = gain / Math.sqrt(l.inputCount);
    const recurrentScale = (0.5 * gain) / Math.sqrt(Math.max(1, l.size));
    for (let r = 0; r < l.rows; r++) {
      const scale = r < l.inputCount ? inputScale : recurrentScale;
      for (let j = 0; j < l.size; j++) {
        // A recurrent neuron does not feed itself: its own spike already resets it.
        const self = r - l.inputCount === j;
        p[l.weight + r * l.size + j] = self ? 0 : (2 * rng.uniform() - 1) * scale;
      }
    }
    for (let k = 0; k < l.rhoLength; k++) {
      const tau = Math.exp(Math.log(tauLow) + rng.uniform() * Math.log(tauHigh / tauLow));
      p[l.rho + k] = Math.exp(-1 / tau);
    }
    if (l.threshold >= 0) p.fill(spec.threshold, l.threshold, l.threshold + l.size);
  }
  return p;
}

/** A layer as the forward pass runs it: one rho per synapse whatever the granularity, one threshold per neuron. */
export interface EffectiveLayer extends LayerShape {
  weight: Float64Array;
  rho: Float64Array;
  bias: Float64Array;
  /** Spiking layers: each neuron's threshold; empty for the readout. */
  threshold: Float64Array;
}

/** Expands rho to per synapse; `weightOf` may fake-quantize the weights (quantization-aware finish). */
export function effectiveLayers(
  layout: ParamLayout,
  params: Float64Array,
  weightOf: (layer: number, weights: Float64Array) => Float64Array = (_, w) => w,
): EffectiveLayer[] {
  return layout.layers.map((l, index) => {
    const synapses = l.rows * l.size;
    const weight = weightOf(index, params.slice(l.weight, l.weight + synapses));
    const rho = new Float64Array(synapses);
    const source = params.subarray(l.rho, l.rho + l.rhoLength);
    if (l.rhoLength === synapses) rho.set(source);
    else if (l.rhoLength === l.size) for (let r = 0; r < l.rows; r++) rho.set(source, r * l.size);
    else rho.fill(source[0]);
    const bias = l.bias < 0 ? new Float64Array(l.size) : params.slice(l.bias, l.bias + l.size);
    const threshold =
      l.kind === 'readout'
        ? new Float64Array(0)
        : l.threshold < 0
          ? new Float64Array(l.size).fill(layout.threshold)
          : params.slice(l.threshold, l.threshold + l.size);
    const { kind, inputCount, size, rows } = l;
    return { kind, inputCount, size, rows, weight, rho, bias, threshold };
  });
}

/** Folds per-synapse rho gradients into the parameter gradient at the layer's granularity. */
export function addRhoGradient(slots: LayerSlots, perSynapse: Float64Array, grad: Float64Array): void {
  const synapses = slots.rows * slots.size;
  if (slots.rhoLength === synapses) {
    for (let s = 0; s < synapses; s++) grad[slots.rho + s] += perSynapse[s];
  } else if (slots.rhoLength === slots.size) {
    for (let s = 0; s < synapses; s++) grad[slots.rho + (s % slots.size)] += perSynapse[s];
  } else {
    let sum = 0;
    for (let s = 0; s < synapses; s++) sum += perSynapse[s];
    grad[slots.rho] += sum;
  }
}

/**
 * The lowest learned threshold, as a fraction of the spec's: the surrogate's half-width is the
 * threshold, so a threshold near 0 would leave a neuron with no gradient.
 */
export const MIN_THRESHOLD_FRACTION = 0.05;

/**
 * Keeps every rho in [0, maxRho] (at most 1, the model format's range), learned thresholds at
 * least MIN_THRESHOLD_FRACTION of the spec's, and recurrent self-synapses at 0.
 */
export function clampParams(layout: ParamLayout, params: Float64Array, maxRho = 1): void {
  const lowest = MIN_THRESHOLD_FRACTION * layout.threshold;
  for (const l of layout.layers) {
    for (let k = l.rho; k < l.rho + l.rhoLength; k++) params[k] = Math.min(maxRho, Math.max(0, params[k]));
    if (l.threshold >= 0)
      for (let k = l.threshold; k < l.threshold + l.size; k++) params[k] = Math.max(lowest, params[k]);
    if (l.kind === 'recurrent') {
      for (let j = 0; j < l.size; j++) params[l.weight + (l.inputCount + j) * l.size + j] = 0;
    }
  }
}
