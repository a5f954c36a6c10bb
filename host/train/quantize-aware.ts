/**
 * The quantization-aware finish (docs/training.md): rho snapped to the K levels the quantizer
 * will choose, then frozen, and weights run on the fixed-point grid in the forward pass while the
 * gradient updates the float weights underneath (straight-through). Both use the quantizer's own
 * functions, so the exported model is on exactly the grid trained on.
 */
import { chooseLevels } from '../quantize/levels.js';
import { clampWeight, roundHalfAway, weightExponent } from '../quantize/quantize.js';
import { DECAY_ONE_Q16 } from '../model/hsm.js';
import type { ParamLayout } from './network.js';

/** The weights as the .hsm stores them: round(w * 2^e) / 2^e with the layer's exponent e. */
export function fakeQuantizeWeights(_layer: number, weights: Float64Array): Float64Array {
  let maxAbs = 0;
  for (let s = 0; s < weights.length; s++) maxAbs = Math.max(maxAbs, Math.abs(weights[s]));
  const scale = 2 ** weightExponent(maxAbs);
  const out = new Float64Array(weights.length);
  for (let s = 0; s < weights.length; s++) {
    out[s] = clampWeight(roundHalfAway(weights[s] * scale)) / scale;
  }
  return out;
}

/**
 * Replaces each layer's rho values by their level (at most `levels` per layer, chosen as the
 * quantizer chooses them) and marks them frozen. Returns each layer's level count.
 */
export function snapRho(
  layout: ParamLayout,
  params: Float64Array,
  levels: number,
  frozen: Uint8Array,
): number[] {
  return layout.layers.map((l) => {
    const rho = params.subarray(l.rho, l.rho + l.rhoLength);
    const { levelsQ16, assignment } = chooseLevels(rho, levels);
    for (let k = 0; k < rho.length; k++) rho[k] = levelsQ16[assignment[k]] / DECAY_ONE_Q16;
    frozen.fill(1, l.rho, l.rho + l.rhoLength);
    return levelsQ16.length;
  });
}
