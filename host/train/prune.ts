/**
 * Network heterogeneity by magnitude pruning (docs/training.md, "Heterogeneity"): the spiking
 * layers' weakest synapses are removed step by step during the float epochs, on the cubic schedule
 * of Zhu and Gupta (2017), and the network trains on with what remains. A pruned weight is set to
 * exactly 0 and frozen, so the optimizer never revives it and a checkpoint carries the mask; the
 * export turns the zeros into the engine's sparse rows (export.ts).
 */
import type { ParamLayout } from './network.js';

/** The share of the float epochs over which the density falls to its target; the rest fine-tune. */
export const PRUNE_SPAN = 0.6;

/** The density the spiking layers are pruned to at the start of `epoch` (0-based) of `epochs` float epochs. */
export function densityAt(epoch: number, epochs: number, density: number): number {
  const span = Math.ceil(PRUNE_SPAN * epochs);
  if (epoch >= span) return density;
  return density + (1 - density) * (1 - epoch / span) ** 3;
}

/**
 * Prunes each spiking layer to `density` of its synapses (recurrent self-synapses, always 0,
 * do not count), removing the smallest |w| among those still present. Returns the synapses
 * removed.
 */
export function pruneToDensity(
  layout: ParamLayout,
  params: Float64Array,
  frozen: Uint8Array,
  density: number,
): number {
  let removed = 0;
  for (const l of layout.layers) {
    if (l.kind === 'readout') continue;
    const present: number[] = [];
    for (let r = 0; r < l.rows; r++) {
      for (let j = 0; j < l.size; j++) {
        const k = l.weight + r * l.size + j;
        const self = l.kind === 'recurrent' && r - l.inputCount === j;
        if (!self && frozen[k] === 0) present.push(k);
      }
    }
    const candidates = l.rows * l.size - (l.kind === 'recurrent' ? l.size : 0);
    const excess = present.length - Math.round(density * candidates);
    if (excess <= 0) continue;
    // Ties broken by position, so a seed prunes the same synapses on any machine.
    present.sort((a, b) => Math.abs(params[a]) - Math.abs(params[b]) || a - b);
    for (let p = 0; p < excess; p++) {
      params[present[p]] = 0;
      frozen[present[p]] = 1;
    }
    removed += excess;
  }
  return removed;
}
