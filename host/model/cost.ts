/**
 * What a loaded model costs on a board: flash, RAM and integer operations per timestep, from the
 * engine's own description of the model (ModelInfo), so the figures follow the real layout.
 *
 * An "operation" is one state-slot update of the engine's loops: a decay (multiply, round), a
 * synaptic event (load weight and level, saturating add) or a membrane term (add). Synaptic events
 * depend on activity, so they are estimated at a stated input and hidden spike rate.
 */

import type { ModelInfo } from './model-info.js';

export interface ActivityAssumption {
  /** Fraction of input channels spiking per step. */
  inputRate: number;
  /** Fraction of hidden neurons spiking per step. */
  hiddenRate: number;
}

export const WASM_PAGE_BYTES = 65536;

export const DEFAULT_ACTIVITY: ActivityAssumption = { inputRate: 0.05, hiddenRate: 0.03 };

export interface LayerCost {
  /** What evolves from step to step: bucket sums, reset currents and last spikes. */
  dynamicStateBytes: number;
  /** The same with one f32 current per synapse instead of bucket sums (the paper's form). */
  perSynapseStateBytes: number;
  decayOps: number;
  synapticOps: number;
  membraneOps: number;
}

export interface ModelCost {
  activity: ActivityAssumption;
  /** The model file, which the engine reads in place (a board's flash slot). */
  flashBytes: number;
  /**
   * The module's linear memory, the same for every model: static buffers and the state arena
   * (WAMR shrinks linear memory to this, `__heap_base`; the model is not in it on a board).
   */
  linearMemoryBytes: number;
  /** The state arena within it: the most state a model may have. */
  stateArenaBytes: number;
  /** What the engine carves from the state arena: dynamic state plus output and input buffers. */
  stateBytes: number;
  dynamicStateBytes: number;
  perSynapseStateBytes: number;
  layers: LayerCost[];
  opsPerStep: { decay: number; synaptic: number; membrane: number; total: number };
}

export function estimateCost(info: ModelInfo, activity: ActivityAssumption = DEFAULT_ACTIVITY): ModelCost {
  const layers = info.layers.map((layer, index): LayerCost => {
    const spiking = layer.kind !== 'readout';
    const n = layer.neuronCount;
    const slots = n * layer.stateWidth;
    const recurrentRows = layer.kind === 'recurrent' ? n : 0;
    const rows = layer.inputCount + recurrentRows;
    const synapsesPerRow = rows === 0 ? 0 : layer.synapseCount / rows;
    const inputRate = index === 0 ? activity.inputRate : activity.hiddenRate;
    const activeRows = layer.inputCount * inputRate + recurrentRows * activity.hiddenRate;
    return {
      dynamicStateBytes: 4 * slots + (spiking ? 5 * n : 0),
      perSynapseStateBytes: 4 * layer.synapseCount + (spiking ? 5 * n : 0),
      decayOps: slots + (spiking ? n : 0),
      synapticOps: activeRows * synapsesPerRow,
      membraneOps: slots + (spiking ? n : 0),
    };
  });
  const sum = (f: (l: LayerCost) => number): number => layers.reduce((total, l) => total + f(l), 0);
  const decay = sum((l) => l.decayOps);
  const synaptic = sum((l) => l.synapticOps);
  const membrane = sum((l) => l.membraneOps);
  return {
    activity,
    flashBytes: info.modelBytes,
    linearMemoryBytes: info.linearMemoryBytes,
    stateArenaBytes: info.stateArenaBytes,
    stateBytes: info.stateBytes,
    dynamicStateBytes: sum((l) => l.dynamicStateBytes),
    perSynapseStateBytes: sum((l) => l.perSynapseStateBytes),
    layers,
    opsPerStep: { decay, synaptic, membrane, total: decay + synaptic + membrane },
  };
}
