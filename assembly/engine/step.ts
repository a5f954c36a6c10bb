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
import { I32_MAX, addSat, decay, sat32 } from './fixed';

/** Runs one step on the `inputCount` channels in State.inputList (validated by the caller). */
export function stepNetwork(inputCount: u32): void {
  let list = State.inputList;
  let count = inputCount;
  for (let i = 0; i < Model.layerCount; i++) {
    const L = layerAt(i);
    const recurrent = L.kind == KIND_RECURRENT ? L.spikeCount : 0;
    const growth = <u64>(count + recurrent) * ((<u64>128) << L.weightShift);
    if (L.absBound + growth > <u64>I32_MAX) L.absBound = measureAbsMax(L);
    if (L.absBound + growth <= <u64>I32_MAX) {
      exactRows(L, list, count, 0);
      exactRows(L, L.spikeList, recurrent, L.inputCount);
      L.absBound += growth;
    } else {
      saturatingRows(L, list, count, 0);
      saturatingRows(L, L.spikeList, recurrent, L.inputCount);
      L.absBound = <u64>I32_MAX + 1;
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

/** Adds the weights of every synapse in the listed rows (row = list entry + rowOffset), with plain
 *  additions: the caller's L.absBound proves none can overflow. */
function exactRows(L: Layer, list: usize, count: u32, rowOffset: u32): void {
  addRows(L, list, count, rowOffset, true);
}

/** exactRows with saturating additions, for when L.absBound cannot rule out an overflow. */
function saturatingRows(L: Layer, list: usize, count: u32, rowOffset: u32): void {
  addRows(L, list, count, rowOffset, false);
}

// One function per mode: the literal `exact` and the layout's literals specialise each @inline loop
// below. (Inlined twice into one function, this dispatcher's copies get folded back into one with
// the mode tested per synapse.)
@inline
function addRows(L: Layer, list: usize, count: u32, rowOffset: u32, exact: bool): void {
  if (count == 0) return;
  const bits = L.bucketBits;
  if (L.sparse) {
    if (bits == 0) sparseRows(L, list, count, rowOffset, 0, exact);
    else if (bits == 4) sparseRows(L, list, count, rowOffset, 4, exact);
    else sparseRows(L, list, count, rowOffset, 8, exact);
  } else {
    if (bits == 0) denseRowsOneSlot(L, list, count, rowOffset, exact);
    else if (bits == 4) denseRowsNibbles(L, list, count, rowOffset, exact);
    else denseRowsBytes(L, list, count, rowOffset, exact);
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

/**
 * sum_k S[j][k] in 64 bits, then each S[j][k] decayed for the next step (spec step 1, early).
 * `oneSlot` is L.bucketBits == 0 (one slot per neuron, decayed by the neuron's level), read by
 * the caller once per layer. What stays per neuron is a test of that local: a neuron loop
 * specialised per layout, like the row loops, would cost the module ~270 bytes.
 */
@inline
function sumThenDecay(L: Layer, j: u32, oneSlot: bool): i64 {
  const alphas = L.levelDecayQ16;
  if (oneSlot) {
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
  const oneSlot = L.bucketBits == 0;
  let count: u32 = 0;
  for (let j: u32 = 0; j < n; j++) {
    const at = (<usize>j) << 2;
    const theta = load<i32>(L.threshold + at);
    const r = addSat(decay(load<i32>(L.reset + at), resetDecay), load<u8>(L.spikes + j) != 0 ? theta : 0);
    store<i32>(L.reset + at, r);
    const v = sat32(sumThenDecay(L, j, oneSlot) + <i64>load<i32>(L.drive + at) - <i64>r);
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
  const oneSlot = L.bucketBits == 0;
  for (let j: u32 = 0; j < L.neuronCount; j++) {
    const at = (<usize>j) << 2;
    store<i32>(State.scores + at, sat32(sumThenDecay(L, j, oneSlot) + <i64>load<i32>(L.drive + at)));
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
