// One timestep of the network (docs/fixed-point.md, "One timestep"). The hot path: no allocation,
// no checks the loader already made, and the per-layer choices (dense or sparse rows, how levels
// are packed) made once per layer, outside the synapse loops.
//
// Naming: S = bucket sums i32[neuronCount][stateWidth], R = reset currents, z = spikes (u8 0/1).
// A "row" is everything one presynaptic spike touches: row r, neurons j, synapse s.

import { Layer, layerAt, Model, KIND_RECURRENT, KIND_READOUT } from './network';
import { State } from './state';
import { addSat, decay, sat32 } from './fixed';

/** Runs one step on the `inputCount` channels in State.inputList (validated by the caller). */
export function stepNetwork(inputCount: u32): void {
  let list = State.inputList;
  let count = inputCount;
  for (let i = 0; i < Model.layerCount; i++) {
    const L = layerAt(i);
    decaySums(L);
    if (L.kind != KIND_READOUT) updateReset(L);
    accumulateRows(L, list, count, 0);
    if (L.kind == KIND_RECURRENT) accumulateRows(L, L.spikeList, L.spikeCount, L.inputCount);
    if (L.kind == KIND_READOUT) {
      writeScores(L);
    } else {
      fire(L);
      list = L.spikeList;
      count = L.spikeCount;
    }
  }
  accumulateDecision();
  State.stepCount++;
}

function decaySums(L: Layer): void {
  const n = L.neuronCount;
  const alphas = L.levelDecayQ16;
  let slot = L.sums;
  if (L.bucketBits == 0) {
    for (let j: u32 = 0; j < n; j++) {
      const alpha = load<u32>(alphas + (<usize>load<u8>(L.neuronLevel + j) << 2));
      store<i32>(slot, decay(load<i32>(slot), alpha));
      slot += 4;
    }
    return;
  }
  const width = L.stateWidth;
  for (let j: u32 = 0; j < n; j++) {
    for (let k: u32 = 0; k < width; k++) {
      store<i32>(slot, decay(load<i32>(slot), load<u32>(alphas + (<usize>k << 2))));
      slot += 4;
    }
  }
}

/** R = decay(R) + theta * z[t-1], before z is overwritten by this step's spikes. */
function updateReset(L: Layer): void {
  const n = L.neuronCount;
  const alpha = L.resetDecayQ16;
  for (let j: u32 = 0; j < n; j++) {
    const at = L.reset + (<usize>j << 2);
    const kick = load<u8>(L.spikes + j) != 0 ? load<i32>(L.threshold + (<usize>j << 2)) : 0;
    store<i32>(at, addSat(decay(load<i32>(at), alpha), kick));
  }
}

/** Adds the weights of every synapse in the listed rows (row = list entry + rowOffset). */
function accumulateRows(L: Layer, list: usize, count: u32, rowOffset: u32): void {
  if (count == 0) return;
  if (L.sparse) {
    if (L.bucketBits == 0) sparseRows(L, list, count, rowOffset, 0);
    else if (L.bucketBits == 4) sparseRows(L, list, count, rowOffset, 4);
    else sparseRows(L, list, count, rowOffset, 8);
  } else {
    if (L.bucketBits == 0) denseRowsOneSlot(L, list, count, rowOffset);
    else if (L.bucketBits == 4) denseRowsNibbles(L, list, count, rowOffset);
    else denseRowsBytes(L, list, count, rowOffset);
  }
}

@inline
function addWeight(slot: usize, weight: usize, shift: u32): void {
  store<i32>(slot, addSat(load<i32>(slot), <i32>load<i8>(weight) << shift));
}

function denseRowsOneSlot(L: Layer, list: usize, count: u32, rowOffset: u32): void {
  const n = <usize>L.neuronCount;
  const shift = L.weightShift;
  const sums = L.sums;
  for (let e: u32 = 0; e < count; e++) {
    const row = <usize>load<u16>(list + (<usize>e << 1)) + rowOffset;
    const weights = L.weight + row * n;
    for (let j: usize = 0; j < n; j++) addWeight(sums + (j << 2), weights + j, shift);
  }
}

function denseRowsBytes(L: Layer, list: usize, count: u32, rowOffset: u32): void {
  const n = <usize>L.neuronCount;
  const shift = L.weightShift;
  const stride = <usize>L.stateWidth << 2;
  for (let e: u32 = 0; e < count; e++) {
    const row = <usize>load<u16>(list + (<usize>e << 1)) + rowOffset;
    const weights = L.weight + row * n;
    const levels = L.synapseLevel + row * n;
    let slot = L.sums;
    for (let j: usize = 0; j < n; j++) {
      addWeight(slot + (<usize>load<u8>(levels + j) << 2), weights + j, shift);
      slot += stride;
    }
  }
}

/** Two synapses per level byte: low nibble for the even synapse index, high for the odd one. */
function denseRowsNibbles(L: Layer, list: usize, count: u32, rowOffset: u32): void {
  const n = <usize>L.neuronCount;
  const shift = L.weightShift;
  const stride = <usize>L.stateWidth << 2;
  for (let e: u32 = 0; e < count; e++) {
    const row = <usize>load<u16>(list + (<usize>e << 1)) + rowOffset;
    const first = row * n;
    let weights = L.weight + first;
    let levels = L.synapseLevel + (first >> 1);
    let slot = L.sums;
    let j: usize = 0;
    if ((first & 1) != 0) {
      addWeight(slot + ((<usize>load<u8>(levels) >> 4) << 2), weights, shift);
      levels++;
      weights++;
      slot += stride;
      j = 1;
    }
    for (; j + 1 < n; j += 2) {
      const pair = <usize>load<u8>(levels);
      addWeight(slot + ((pair & 15) << 2), weights, shift);
      addWeight(slot + stride + ((pair >> 4) << 2), weights + 1, shift);
      levels++;
      weights += 2;
      slot += stride << 1;
    }
    if (j < n) addWeight(slot + ((<usize>load<u8>(levels) & 15) << 2), weights, shift);
  }
}

@inline
function sparseRows(L: Layer, list: usize, count: u32, rowOffset: u32, bits: u32): void {
  const shift = L.weightShift;
  const stride = <usize>L.stateWidth << 2;
  for (let e: u32 = 0; e < count; e++) {
    const row = <usize>load<u16>(list + (<usize>e << 1)) + rowOffset;
    const end = <usize>load<u32>(L.rowStart + ((row + 1) << 2));
    for (let s = <usize>load<u32>(L.rowStart + (row << 2)); s < end; s++) {
      let level: usize = 0;
      if (bits == 4) level = (<usize>load<u8>(L.synapseLevel + (s >> 1)) >> ((s & 1) << 2)) & 15;
      else if (bits == 8) level = <usize>load<u8>(L.synapseLevel + s);
      const j = <usize>load<u16>(L.column + (s << 1));
      addWeight(L.sums + j * stride + (level << 2), L.weight + s, shift);
    }
  }
}

/** sum_k S[j][k] + b[j] (minus R[j] for a spiking layer), summed in 64 bits, saturated once. */
@inline
export function potential(L: Layer, j: u32): i32 {
  const width = L.stateWidth;
  let slot = L.sums + (<usize>(j * width) << 2);
  let v: i64 = <i64>load<i32>(L.drive + (<usize>j << 2));
  for (let k: u32 = 0; k < width; k++) {
    v += <i64>load<i32>(slot);
    slot += 4;
  }
  if (L.kind != KIND_READOUT) v -= <i64>load<i32>(L.reset + (<usize>j << 2));
  return sat32(v);
}

function fire(L: Layer): void {
  const n = L.neuronCount;
  let count: u32 = 0;
  for (let j: u32 = 0; j < n; j++) {
    const spike = potential(L, j) >= load<i32>(L.threshold + (<usize>j << 2));
    store<u8>(L.spikes + j, <u8>spike);
    if (spike) {
      store<u16>(L.spikeList + (<usize>count << 1), <u16>j);
      count++;
    }
  }
  L.spikeCount = count;
}

function writeScores(L: Layer): void {
  for (let j: u32 = 0; j < L.neuronCount; j++) store<i32>(State.scores + (<usize>j << 2), potential(L, j));
}

function accumulateDecision(): void {
  if (State.stepCount < Model.decisionSkipSteps) return;
  for (let j: u32 = 0; j < Model.labelCount; j++) {
    const at = State.accumulators + (<usize>j << 3);
    store<i64>(at, load<i64>(at) + <i64>load<i32>(State.scores + (<usize>j << 2)));
  }
}

/** The class with the largest accumulated score (lowest index on a tie); -1 before any counted step. */
export function decide(): i32 {
  if (State.stepCount <= Model.decisionSkipSteps) return -1;
  let best: i32 = 0;
  let bestScore = load<i64>(State.accumulators);
  for (let j: u32 = 1; j < Model.labelCount; j++) {
    const score = load<i64>(State.accumulators + (<usize>j << 3));
    if (score > bestScore) {
      best = <i32>j;
      bestScore = score;
    }
  }
  return best;
}

/** A layer's membrane potential (a readout's score) for neuron j, from the state after a step. */
export function membraneOf(layer: i32, j: u32): i32 {
  return potential(layerAt(layer), j);
}
