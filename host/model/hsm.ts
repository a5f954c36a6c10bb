/**
 * The in-memory form of a `.hsm` model on the host: exactly the integers the file holds
 * (docs/model-format.md), before packing. The quantizer produces it, the writer packs it.
 */

import type { FrontendConfig } from './frontend-config.js';
import type { DetectParams } from './detection.js';

/**
 * The newest format version (3: DETECT section). The writer writes the oldest version that holds
 * the model's sections, so a board with an older engine still runs a model that needs nothing new.
 */
export const FORMAT_VERSION = 3;
/** The version of files with a FRONTEND section and no DETECT section. */
export const FORMAT_VERSION_FRONTEND = 2;
/** The version of files without a FRONTEND section, byte-identical to what earlier writers made. */
export const FORMAT_VERSION_PLAIN = 1;
export const MAGIC = 'HSYN';

/** Section ids (docs/model-format.md), written by hsm-writer.ts and read by hsm-reader.ts. */
export const SECTION_MODEL = 1;
export const SECTION_LABELS = 2;
export const SECTION_FRONTEND = 3;
export const SECTION_DETECT = 4;
export const SECTION_LAYER = 8;

export type LayerKind = 'feedforward' | 'recurrent' | 'readout';
export const LAYER_KIND_CODE: Record<LayerKind, number> = { feedforward: 0, recurrent: 1, readout: 2 };

/** How a layer's time-constant levels are assigned: per neuron (0) or per synapse (4 or 8 bits each). */
export type BucketBits = 0 | 4 | 8;

export type DecisionMode = 'sum';
export const DECISION_MODE_CODE: Record<DecisionMode, number> = { sum: 0 };

/** Q0.16 decay multiplier: 65536 is exactly 1 (no decay). */
export const DECAY_ONE_Q16 = 65536;

/** The format's limits (docs/model-format.md); the engine's parser enforces the same numbers. */
export const HSM_LIMITS = {
  layers: 16,
  /** inputCount, neuronCount, decisionSkipSteps. */
  u16: 0xffff,
  /** Name and label bytes (UTF-8). */
  textBytes: 63,
  /** Levels with bucketBits 0 or 4. */
  levelsNibble: 16,
  /** Levels with bucketBits 8. */
  levelsByte: 64,
  weightShift: 16,
  stateFracBits: 62,
} as const;

export interface HsmSparseRows {
  /** rows + 1 entries; the synapses of row r are rowStart[r] .. rowStart[r + 1] - 1. */
  rowStart: Uint32Array;
  /** Postsynaptic neuron of each synapse, strictly increasing within a row. */
  column: Uint16Array;
}

export interface HsmLayer {
  kind: LayerKind;
  inputCount: number;
  neuronCount: number;
  bucketBits: BucketBits;
  /** K level decays, Q0.16. */
  levelDecayQ16: number[];
  /** Q0.16; 0 for a readout. */
  resetDecayQ16: number;
  /** A weight adds weight * 2^weightShift to the state. */
  weightShift: number;
  /** State LSB = 2^-stateFracBits float units (reports and comparisons only). */
  stateFracBits: number;
  /** Spiking layers only, state LSB, each >= 1. */
  threshold?: Int32Array | undefined;
  /** State LSB. */
  drive: Int32Array;
  /** bucketBits 0 only: the level of each neuron. */
  neuronLevel?: Uint8Array | undefined;
  /** Absent: dense, synapse s = row * neuronCount + j. */
  sparse?: HsmSparseRows | undefined;
  /** One per synapse, rows in order (inputs, then a recurrent layer's own neurons). */
  weight: Int8Array;
  /** bucketBits 4 or 8 only: the level of each synapse, one byte each (the writer packs nibbles). */
  synapseLevel?: Uint8Array | undefined;
}

/** The FRONTEND section: the audio front-end the model was trained with (docs/frontend.md). */
export interface HsmFrontend extends FrontendConfig {
  /** Only the up/down delta encoding (code 0) exists. */
  encoding: 'delta';
}
export const FRONTEND_ENCODING_CODE: Record<HsmFrontend['encoding'], number> = { delta: 0 };

export interface HsmModel {
  name: string;
  timestepUs: number;
  inputCount: number;
  decision: { mode: DecisionMode; skipSteps: number };
  labels: string[];
  /** Present: written as format version 2 with a FRONTEND section; inputCount must be 2 * bands. */
  frontend?: HsmFrontend;
  /** Present: written as format version 3 with a DETECT section (else the engine's defaults apply). */
  detect?: DetectParams;
  layers: HsmLayer[];
}

/** Presynaptic rows of a layer: its inputs, plus its own neurons when recurrent. */
export function rowCount(layer: Pick<HsmLayer, 'kind' | 'inputCount' | 'neuronCount'>): number {
  return layer.inputCount + (layer.kind === 'recurrent' ? layer.neuronCount : 0);
}

/** State slots per neuron: K with per-synapse levels, 1 with per-neuron levels. */
export function stateWidth(layer: Pick<HsmLayer, 'bucketBits' | 'levelDecayQ16'>): number {
  return layer.bucketBits === 0 ? 1 : layer.levelDecayQ16.length;
}
