/**
 * What the engine reports about a loaded model (its modelInfo/layerInfo exports, read by
 * host/wasm/engine.ts): the shape the cost model, the CLI and the protocol describe a model by.
 */

import type { FrontendConfig } from './frontend-config.js';
import type { LayerKind } from './hsm.js';

export interface LayerInfo {
  kind: LayerKind;
  inputCount: number;
  neuronCount: number;
  levelCount: number;
  bucketBits: number;
  sparse: boolean;
  synapseCount: number;
  weightShift: number;
  stateFracBits: number;
  resetDecayQ16: number;
  stateWidth: number;
  levelDecayQ16: number[];
}

export interface ModelInfo {
  formatVersion: number;
  engineVersion: number;
  name: string;
  labels: string[];
  inputCount: number;
  classCount: number;
  timestepUs: number;
  decisionMode: number;
  decisionSkipSteps: number;
  /** Bytes of the model file, which the engine runs from in place. */
  modelBytes: number;
  /** Bytes of network state the engine carves from its state arena. */
  stateBytes: number;
  /** The engine's state arena: the most state a model may need (more is refused, TOO_LARGE). */
  stateArenaBytes: number;
  /**
   * The module's linear memory on a board (`__heap_base`, to which WAMR shrinks it): its static
   * buffers and the state arena, whatever the model; the model itself is read in place (flash).
   */
  linearMemoryBytes: number;
  /** The FRONTEND section: the audio front-end the model was trained with (format version 2). */
  frontend?: FrontendConfig;
  layers: LayerInfo[];
}

/** Steps per second at which the model hears its input as it happens: one step per timestep. */
export function realTimeStepsPerSecond(info: Pick<ModelInfo, 'timestepUs'>): number {
  return 1e6 / info.timestepUs;
}
