/**
 * The float model: what a user exports from PyTorch (docs/float-model.md), parsed and normalised
 * into one layout that the reference simulations and the quantizer share.
 *
 * Internal layout, chosen so a presynaptic spike touches one contiguous run of memory (the same
 * row order as the `.hsm` file): a layer has `rows` presynaptic rows, its inputs `0 .. inputCount-1`
 * and, when recurrent, its own neurons `inputCount + j`. Synapse `s = row * size + j` connects `row`
 * to neuron `j`. The JSON's matrices are [out][in] (PyTorch's nn.Linear), so parsing transposes.
 * An absent synapse (mask 0) holds weight 0 and rho 0, so it never carries current.
 */
import type { DecisionMode, LayerKind } from '../model/hsm.js';

export const FLOAT_MODEL_FORMAT = 'hetsyn-float';
export const FLOAT_MODEL_VERSION = 1;
export const DEFAULT_TIMESTEP_US = 10000;
/** tau_r = 20 steps: the official HetSyn code's reset time constant (20 ms at its 1 ms step). */
export const DEFAULT_RESET_RHO = Math.exp(-1 / 20);

export interface FloatLayer {
  kind: LayerKind;
  /** Size of what feeds the layer: the model's inputCount for layer 0, else the previous layer's size. */
  inputCount: number;
  /** Neurons (n_out). */
  size: number;
  /** Presynaptic rows: inputCount, plus size for a recurrent layer. */
  rows: number;
  /** rows * size, synapse row * size + j. */
  weight: Float64Array;
  /** rows * size, each in [0, 1]. */
  rho: Float64Array;
  /** rows * size, 1 = synapse present; undefined = dense. */
  mask?: Uint8Array | undefined;
  /** Spiking layers only, each > 0. */
  threshold?: Float64Array | undefined;
  drive: Float64Array;
  /** Reset-current decay; 0 for a readout. */
  resetRho: number;
}

export interface FloatModel {
  name: string;
  labels: string[];
  timestepUs: number;
  inputCount: number;
  decision: { mode: DecisionMode; skipSteps: number };
  layers: FloatLayer[];
}

/** Scalar (whole layer), per neuron [n_out], or per synapse [n_out][n_in]. */

/**
 * The rho of each neuron when all of that neuron's present synapses share one value, else
 * undefined. A neuron without synapses takes the layer's first present rho (0 if there is none),
 * so it adds no time constant of its own.
 */
export function uniformNeuronRho(layer: FloatLayer): Float64Array | undefined {
  const { rows, size, rho, mask } = layer;
  const neuronRho = new Float64Array(size).fill(NaN);
  let first = NaN;
  for (let s = 0; s < rows * size; s++) {
    if (mask !== undefined && mask[s] === 0) continue;
    const j = s % size;
    if (Number.isNaN(neuronRho[j])) neuronRho[j] = rho[s];
    else if (neuronRho[j] !== rho[s]) return undefined;
    if (Number.isNaN(first)) first = rho[s];
  }
  for (let j = 0; j < size; j++)
    if (Number.isNaN(neuronRho[j])) neuronRho[j] = Number.isNaN(first) ? 0 : first;
  return neuronRho;
}
