// The loaded network: one descriptor per layer, filled by the parser with pointers into the model
// bytes (the engine runs from the file as it lies in memory) and by the state carver with pointers
// to the layer's state. Everything lives in static memory or the arena; nothing is allocated.

/** The most layers a .hsm file may have (docs/model-format.md). */
export const FORMAT_MAX_LAYERS: i32 = 16;
/**
 * The most layers this build loads: the format's 16 by default. A board build may name fewer with
 * `--use HETSYN_MAX_LAYERS=N` (asconfig.json's board-small target: 4), as each costs the layer
 * table a Layer descriptor of static RAM; a model with more than N (and at most 16) is refused with
 * TOO_LARGE, like one whose state does not fit the arena.
 */
export const MAX_LAYERS: i32 = isDefined(HETSYN_MAX_LAYERS) ? <i32>HETSYN_MAX_LAYERS : FORMAT_MAX_LAYERS;

export const KIND_FEEDFORWARD: u32 = 0;
export const KIND_RECURRENT: u32 = 1;
export const KIND_READOUT: u32 = 2;


@unmanaged
export class Layer {
  kind: u32;
  inputCount: u32;
  neuronCount: u32;
  /** Presynaptic rows: inputs, plus the layer's own neurons when recurrent. */
  rows: u32;
  levelCount: u32;
  /** State slots per neuron: levelCount with per-synapse levels, 1 with per-neuron levels. */
  stateWidth: u32;
  bucketBits: u32;
  sparse: bool;
  weightShift: u32;
  stateFracBits: u32;
  resetDecayQ16: u32;
  synapseCount: u32;
  // Into the model bytes.
  levelDecayQ16: usize;
  threshold: usize;
  drive: usize;
  neuronLevel: usize;
  rowStart: usize;
  column: usize;
  weight: usize;
  synapseLevel: usize;
  // Into the state arena.
  sums: usize;
  reset: usize;
  /** i32[neuronCount]: the membrane potentials of the last step (spiking layers). */
  potentials: usize;
  spikes: usize;
  spikeList: usize;
  spikeCount: u32;
  /** An upper bound on |S| over the layer; while it proves no addition can overflow, none saturates. */
  absBound: u64;
}

const LAYER_TABLE = memory.data(MAX_LAYERS * offsetof<Layer>(), 8);


@inline
export function layerAt(index: i32): Layer {
  return changetype<Layer>(LAYER_TABLE + <usize>index * offsetof<Layer>());
}

/** Model-wide fields, set by the parser; `loaded` only once the whole file has passed. */
export class Model {
  static loaded: bool = false;
  static base: usize = 0;
  static bytes: u32 = 0;
  static timestepUs: u32 = 0;
  static inputCount: u32 = 0;
  static layerCount: i32 = 0;
  static decisionMode: u32 = 0;
  static decisionSkipSteps: u32 = 0;
  static name: usize = 0;
  static nameBytes: u32 = 0;
  static labels: usize = 0;
  static labelCount: u32 = 0;
  static stateBytes: u32 = 0;
}
