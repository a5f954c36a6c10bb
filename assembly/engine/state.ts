// Carves the network state out of the static state arena, in the order docs/model-format.md
// ("Memory") gives, and clears it. Runs once per load, after validation.

import { Layer, layerAt, Model, KIND_READOUT } from '../model/network';
import { align8, stateArenaEnd, stateArenaStart, zero8 } from './arena';

export class State {
  /** What a reset clears: everything but the thresholds. */
  static base: usize = 0;
  static bytes: u32 = 0;
  static scores: usize = 0;
  static accumulators: usize = 0;
  static inputList: usize = 0;
  /** i32[classes]: the detector's thresholds (parameters, kept across resets) and running means. */
  static detectThresholds: usize = 0;
  static detectMeans: usize = 0;
  static stepCount: u32 = 0;
}

/** Places the state in the state arena; false when it does not fit (nothing is cleared then). */
export function carveState(): bool {
  const start = stateArenaStart();
  const classes = <u64>Model.labelCount;
  // The thresholds come first: a reset clears everything after them.
  State.detectThresholds = <usize>start;
  let at = align8(start + 4 * classes);
  const cleared = at;
  for (let i = 0; i < Model.layerCount; i++) {
    const L = layerAt(i);
    const n = <u64>L.neuronCount;
    L.sums = <usize>at;
    at = align8(at + 4 * n * <u64>L.stateWidth);
    L.reset = <usize>at;
    if (L.kind != KIND_READOUT) at = align8(at + 4 * n);
    L.potentials = <usize>at;
    if (L.kind != KIND_READOUT) at = align8(at + 4 * n);
    L.spikes = <usize>at;
    if (L.kind != KIND_READOUT) at = align8(at + n);
    L.spikeList = <usize>at;
    if (L.kind != KIND_READOUT) at = align8(at + 2 * n);
  }
  State.scores = <usize>at;
  at = align8(at + 4 * classes);
  State.accumulators = <usize>at;
  at = align8(at + 8 * classes);
  State.inputList = <usize>at;
  at = align8(at + 2 * <u64>Model.inputCount);
  State.detectMeans = <usize>at;
  at = align8(at + 4 * classes);
  if (at > stateArenaEnd()) return false;
  State.base = <usize>cleared;
  State.bytes = <u32>(at - cleared);
  Model.stateBytes = <u32>(at - start);
  resetState();
  return true;
}

export function resetState(): void {
  zero8(State.base, State.bytes);
  for (let i = 0; i < Model.layerCount; i++) {
    layerAt(i).spikeCount = 0;
    layerAt(i).absBound = 0;
  }
  State.stepCount = 0;
}
