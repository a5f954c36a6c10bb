/**
 * `.hsm` model -> float model whose parameters are exactly the quantized integers: the model that the
 * fixed-point engine's error bound (docs/fixed-point.md) is stated against.
 */

import type { FloatLayer, FloatModel } from '../float/model.js';
import { DECAY_ONE_Q16, rowCount, type HsmLayer, type HsmModel } from '../model/hsm.js';

function dequantizeLayer(layer: HsmLayer): FloatLayer {
  const { kind, inputCount, neuronCount: size, sparse, bucketBits, levelDecayQ16 } = layer;
  const rows = rowCount(layer);
  const weight = new Float64Array(rows * size);
  const rho = new Float64Array(rows * size);
  const mask = sparse === undefined ? undefined : new Uint8Array(rows * size);
  const weightScale = 2 ** -(layer.stateFracBits - layer.weightShift);
  const stateScale = 2 ** -layer.stateFracBits;
  for (let r = 0; r < rows; r++) {
    const first = sparse === undefined ? r * size : sparse.rowStart[r];
    const end = sparse === undefined ? (r + 1) * size : sparse.rowStart[r + 1];
    for (let s = first; s < end; s++) {
      const j = sparse === undefined ? s - first : sparse.column[s];
      const p = r * size + j;
      const level =
        bucketBits === 0 ? (layer.neuronLevel as Uint8Array)[j] : (layer.synapseLevel as Uint8Array)[s];
      weight[p] = layer.weight[s] * weightScale;
      rho[p] = levelDecayQ16[level] / DECAY_ONE_Q16;
      if (mask !== undefined) mask[p] = 1;
    }
  }
  return {
    kind,
    inputCount,
    size,
    rows,
    weight,
    rho,
    mask,
    threshold:
      layer.threshold === undefined ? undefined : Float64Array.from(layer.threshold, (q) => q * stateScale),
    drive: Float64Array.from(layer.drive, (q) => q * stateScale),
    resetRho: kind === 'readout' ? 0 : layer.resetDecayQ16 / DECAY_ONE_Q16,
  };
}

/** The float model whose parameters are exactly the quantized integers, scaled back. */
export function dequantize(hsm: HsmModel): FloatModel {
  return {
    name: hsm.name,
    labels: [...hsm.labels],
    timestepUs: hsm.timestepUs,
    inputCount: hsm.inputCount,
    decision: { ...hsm.decision },
    layers: hsm.layers.map(dequantizeLayer),
  };
}
