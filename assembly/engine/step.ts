// One timestep of the network (docs/fixed-point.md, "One timestep"). The hot path: no allocation,
// no checks the loader already made, and the per-layer choices (dense or sparse rows, how levels
// are packed, whether additions can saturate) made once per layer, outside the synapse loops.
//
// Naming: S = bucket sums i32[neuronCount][stateWidth], R = reset currents, z = spikes (u8 0/1).
// A "row" is everything one presynaptic spike touches: row r, neurons j, synapse s.
//
// Two rearrangements make this faster than the spec's literal order while computing exactly the
// same numbers (bench/native/engine.c, written from the spec alone, checks that bit for bit):
//   - The spec's step 1 (decay S) of step t+1 is done in the output pass of step t, right after S
//     is summed into the membrane. After a reset S = 0 = decay(0), so the S that each step's input
//     events meet is exactly the spec's. Step 2 (R) only reads R and z[t-1], so it is done in the
//     same pass just before the membrane. One pass over the state per step instead of three.
//   - A row adds to each state slot at most once (one synapse per row and neuron), by at most
//     128 * 2^weightShift, and decay never grows |S|. So L.absBound, a bound on max |S|, grows by
//     at most rows * maxAdd per step. While it stays <= 2^31 - 1 no saturating addition of the step
//     can saturate, and plain additions give the same result. When the bound runs out it is
//     re-measured; only a state really near 2^31 takes the saturating path.

import { Layer, layerAt, Model, KIND_RECURRENT, KIND_READOUT } from '../model/network';
import { State } from './state';
import { addSat, decay, sat32 } from './fixed';

const I32_MAX: u64 = 0x7fffffff;

/** Runs one step on the `inputCount` channels in State.inputList (validated by the caller). */
export function stepNetwork(inputCount: u32): void {
  let list = State.inputList;
  let count = inputCount;
  for (let i = 0; i < Model.layerCount; i++) {
    const L = layerAt(i);
    const recurrent = L.kind == KIND_RECURRENT ? L.spikeCount : 0;
    const growth = <u64>(count + recurrent) * ((<u64>128) << L.weightShift);
    if (L.absBound + growth > I32_MAX) L.absBound = measureAbsMax(L);
    if (L.absBound + growth <= I32_MAX) {
      accumulateRows(L, list, count, 0, true);
      accumulateRows(L, L.spikeList, recurrent, L.inputCount, true);
      L.absBound += growth;
    } else {
      accumulateRows(L, list, count, 0, false);
      accumulateRows(L, L.spikeList, recurrent, L.inputCount, false);
      L.absBound = I32_MAX + 1;
    }
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

function measureAbsMax(L: Layer): u64 {
  let max: u64 = 0;
  const end = L.sums + ((<usize>(L.neuronCount * L.stateWidth)) << 2);
  for (let slot = L.sums; slot < end; slot += 4) {
    const x = <i64>load<i32>(slot);
    const magnitude = <u64>(x < 0 ? -x : x);
    if (magnitude > max) max = magnitude;
  }
  return max;
}

/** Adds the weights of every synapse in the listed rows (row = list entry + rowOffset). */
function accumulateRows(L: Layer, list: usize, count: u32, rowOffset: u32, exact: bool): void {
  if (count == 0) return;
  // Literal arguments let each @inline loop below be specialised for its layout and mode.
  if (exact) {
    if (L.sparse) {
      if (L.bucketBits == 0) sparseRows(L, list, count, rowOffset, 0, true);
      else if (L.bucketBits == 4) sparseRows(L, list, count, rowOffset, 4, true);
      else sparseRows(L, list, count, rowOffset, 8, true);
    } else {
      if (L.bucketBits == 0) denseRowsOneSlot(L, list, count, rowOffset, true);
      else if (L.bucketBits == 4) denseRowsNibbles(L, list, count, rowOffset, true);
      else denseRowsBytes(L, list, count, rowOffset, true);
    }
  } else {
    if (L.sparse) {
      if (L.bucketBits == 0) sparseRows(L, list, count, rowOffset, 0, false);
      else if (L.bucketBits == 4) sparseRows(L, list, count, rowOffset, 4, false);
      else sparseRows(L, list, count, rowOffset, 8, false);
    } else {
      if (L.bucketBits == 0) denseRowsOneSlot(L, list, count, rowOffset, false);
      else if (L.bucketBits == 4) denseRowsNibbles(L, list, count, rowOffset, false);
      else denseRowsBytes(L, list, count, rowOffset, false);
    }
  }
}

@inline
function addWeight(slot: usize, weight: usize, shift: u32, exact: bool): void {
  const w = (<i32>load<i8>(weight)) << shift;
  store<i32>(slot, exact ? load<i32>(slot) + w : addSat(load<i32>(slot), w));
}

@inline
function denseRowsOneSlot(L: Layer, list: usize, count: u32, rowOffset: u32, exact: bool): void {
  const n = <usize>L.neuronCount;
  const shift = L.weightShift;
  const sums = L.sums;
  for (let e: u32 = 0; e < count; e++) {
    const row = <usize>load<u16>(list + ((<usize>e) << 1)) + rowOffset;
    const weights = L.weight + row * n;
    for (let j: usize = 0; j < n; j++) addWeight(sums + (j << 2), weights + j, shift, exact);
  }
}

@inline
function denseRowsBytes(L: Layer, list: usize, count: u32, rowOffset: u32, exact: bool): void {
  const n = <usize>L.neuronCount;
  const shift = L.weightShift;
  const stride = (<usize>L.stateWidth) << 2;
  for (let e: u32 = 0; e < count; e++) {
    const row = <usize>load<u16>(list + ((<usize>e) << 1)) + rowOffset;
    const weights = L.weight + row * n;
    const levels = L.synapseLevel + row * n;
    let slot = L.sums;
    for (let j: usize = 0; j < n; j++) {
      addWeight(slot + ((<usize>load<u8>(levels + j)) << 2), weights + j, shift, exact);
      slot += stride;
    }
  }
}

/** Two synapses per level byte: low nibble for the even synapse index, high for the odd one. */
@inline
function denseRowsNibbles(L: Layer, list: usize, count: u32, rowOffset: u32, exact: bool): void {
  const n = <usize>L.neuronCount;
  const shift = L.weightShift;
  const stride = (<usize>L.stateWidth) << 2;
  for (let e: u32 = 0; e < count; e++) {
    const row = <usize>load<u16>(list + ((<usize>e) << 1)) + rowOffset;
    const first = row * n;
    let weights = L.weight + first;
    let levels = L.synapseLevel + (first >> 1);
    let slot = L.sums;
    let j: usize = 0;
    if ((first & 1) != 0) {
      addWeight(slot + (((<usize>load<u8>(levels)) >> 4) << 2), weights, shift, exact);
      levels++;
      weights++;
      slot += stride;
      j = 1;
    }
    for (; j + 1 < n; j += 2) {
      const pair = <usize>load<u8>(levels);
      addWeight(slot + ((pair & 15) << 2), weights, shift, exact);
      addWeight(slot + stride + ((pair >> 4) << 2), weights + 1, shift, exact);
      levels++;
      weights += 2;
      slot += stride << 1;
    }
    if (j < n) addWeight(slot + (((<usize>load<u8>(levels)) & 15) << 2), weights, shift, exact);
  }
}

@inline
function sparseRows(L: Layer, list: usize, count: u32, rowOffset: u32, bits: u32, exact: bool): void {
  const shift = L.weightShift;
  const stride = (<usize>L.stateWidth) << 2;
  for (let e: u32 = 0; e < count; e++) {
    const row = <usize>load<u16>(list + ((<usize>e) << 1)) + rowOffset;
    const end = <usize>load<u32>(L.rowStart + ((row + 1) << 2));
    for (let s = <usize>load<u32>(L.rowStart + (row << 2)); s < end; s++) {
      let level: usize = 0;
      if (bits == 4) level = ((<usize>load<u8>(L.synapseLevel + (s >> 1))) >> ((s & 1) << 2)) & 15;
      else if (bits == 8) level = <usize>load<u8>(L.synapseLevel + s);
      const j = <usize>load<u16>(L.column + (s << 1));
      addWeight(L.sums + j * stride + (level << 2), L.weight + s, shift, exact);
    }
  }
}

/** sum_k S[j][k] in 64 bits, then each S[j][k] decayed for the next step (spec step 1, early). */
@inline
function sumThenDecay(L: Layer, j: u32): i64 {
  const alphas = L.levelDecayQ16;
  if (L.bucketBits == 0) {
    const slot = L.sums + ((<usize>j) << 2);
    const x = load<i32>(slot);
    store<i32>(slot, decay(x, load<u32>(alphas + ((<usize>load<u8>(L.neuronLevel + j)) << 2))));
    return <i64>x;
  }
  const width = L.stateWidth;
  let slot = L.sums + ((<usize>(j * width)) << 2);
  let sum: i64 = 0;
  for (let k: u32 = 0; k < width; k++) {
    const x = load<i32>(slot);
    sum += <i64>x;
    store<i32>(slot, decay(x, load<u32>(alphas + ((<usize>k) << 2))));
    slot += 4;
  }
  return sum;
}

/** Spec steps 2 and 4 of a spiking layer: R from z[t-1], v, the new spikes and spike list. */
function fire(L: Layer): void {
  const n = L.neuronCount;
  const resetDecay = L.resetDecayQ16;
  let count: u32 = 0;
  for (let j: u32 = 0; j < n; j++) {
    const at = (<usize>j) << 2;
    const theta = load<i32>(L.threshold + at);
    const r = addSat(decay(load<i32>(L.reset + at), resetDecay), load<u8>(L.spikes + j) != 0 ? theta : 0);
    store<i32>(L.reset + at, r);
    const v = sat32(sumThenDecay(L, j) + <i64>load<i32>(L.drive + at) - <i64>r);
    store<i32>(L.potentials + at, v);
    const spike = v >= theta;
    store<u8>(L.spikes + j, <u8>spike);
    if (spike) {
      store<u16>(L.spikeList + ((<usize>count) << 1), <u16>j);
      count++;
    }
  }
  L.spikeCount = count;
}

function writeScores(L: Layer): void {
  for (let j: u32 = 0; j < L.neuronCount; j++) {
    const at = (<usize>j) << 2;
    store<i32>(State.scores + at, sat32(sumThenDecay(L, j) + <i64>load<i32>(L.drive + at)));
  }
}

function accumulateDecision(): void {
  if (State.stepCount < Model.decisionSkipSteps) return;
  for (let j: u32 = 0; j < Model.labelCount; j++) {
    const at = State.accumulators + ((<usize>j) << 3);
    store<i64>(at, load<i64>(at) + <i64>load<i32>(State.scores + ((<usize>j) << 2)));
  }
}

/** The class with the largest accumulated score (lowest index on a tie); -1 before any counted step. */
export function decide(): i32 {
  if (State.stepCount <= Model.decisionSkipSteps) return -1;
  let best: i32 = 0;
  let bestScore = load<i64>(State.accumulators);
  for (let j: u32 = 1; j < Model.labelCount; j++) {
    const score = load<i64>(State.accumulators + ((<usize>j) << 3));
    if (score > bestScore) {
      best = <i32>j;
      bestScore = score;
    }
  }
  return best;
}

/** A layer's membrane potential (a readout's score) for neuron j at the last step. */
export function membraneOf(layer: i32, j: u32): i32 {
  const L = layerAt(layer);
  const at = (<usize>j) << 2;
  return load<i32>(L.kind == KIND_READOUT ? State.scores + at : L.potentials + at);
}
