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
import { I32_MAX, addSat, decay, decayWide, decayWide64, sat32 } from './fixed';

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
    outputs(L);
    if (L.kind != KIND_READOUT) {
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

/**
 * Adds the weights of every synapse in the listed rows (row = list entry + rowOffset), with plain
 * additions: the caller's L.absBound proves none can overflow. One loop per layout, chosen once
 * per call; the layout's literals specialise each @inline loop below.
 */
function exactRows(L: Layer, list: usize, count: u32, rowOffset: u32): void {
  if (count == 0) return;
  const bits = L.bucketBits;
  if (L.sparse) {
    if (bits == 0) sparseRows(L, list, count, rowOffset, 0);
    else if (bits == 4) sparseRows(L, list, count, rowOffset, 4);
    else sparseRows(L, list, count, rowOffset, 8);
  } else {
    if (bits == 0) denseRowsOneSlot(L, list, count, rowOffset);
    else if (bits == 4) denseRowsNibbles(L, list, count, rowOffset);
    else denseRowsBytes(L, list, count, rowOffset);
  }
}

/**
 * exactRows with saturating additions, for when L.absBound cannot rule out an overflow: only a
 * state really near 2^31 takes it, so it is one compact loop for every layout (the layout tested
 * per synapse; a copy of exactRows' specialised loops cost the module ~1.2 KB). Each slot gets at
 * most one addition per row and rows go in list order, so the saturations happen as in the spec.
 */
function saturatingRows(L: Layer, list: usize, count: u32, rowOffset: u32): void {
  const n = <usize>L.neuronCount;
  const bits = L.bucketBits;
  const stride = (<usize>L.stateWidth) << 2;
  for (let e: u32 = 0; e < count; e++) {
    const row = <usize>load<u16>(list + ((<usize>e) << 1)) + rowOffset;
    const first = L.sparse ? <usize>load<u32>(L.rowStart + (row << 2)) : row * n;
    const end = L.sparse ? <usize>load<u32>(L.rowStart + ((row + 1) << 2)) : first + n;
    for (let s = first; s < end; s++) {
      const j = L.sparse ? <usize>load<u16>(L.column + (s << 1)) : s - first;
      let level: usize = 0;
      if (bits == 4) level = ((<usize>load<u8>(L.synapseLevel + (s >> 1))) >> ((s & 1) << 2)) & 15;
      else if (bits == 8) level = <usize>load<u8>(L.synapseLevel + s);
      const slot = L.sums + j * stride + (level << 2);
      store<i32>(slot, addSat(load<i32>(slot), (<i32>load<i8>(L.weight + s)) << L.weightShift));
    }
  }
}


@inline
function addWeight(slot: usize, weight: usize, shift: u32): void {
  store<i32>(slot, load<i32>(slot) + ((<i32>load<i8>(weight)) << shift));
}

/**
 * One slot per neuron (rho per layer or per neuron). Four rows at a time: each slot is loaded and
 * stored once for four weights, and since these additions cannot saturate (see the top of the
 * file) and i32 addition wraps, adding the four weights' sum, shifted, gives the same slot as
 * adding them one by one. Runs of 8 neighbouring slots are unrolled (constant offsets, counted by
 * the slot pointer alone); the last rows and slots go one by one.
 */
@inline
function denseRowsOneSlot(L: Layer, list: usize, count: u32, rowOffset: u32): void {
  const n = <usize>L.neuronCount;
  const shift = L.weightShift;
  const sums = L.sums;
  const runsEnd = sums + ((n >> 3) << 5);
  const rest = n & 7;
  let e: u32 = 0;
  for (; e + 4 <= count; e += 4) {
    let w0 = rowWeights(L, list, e, rowOffset, n);
    let w1 = rowWeights(L, list, e + 1, rowOffset, n);
    let w2 = rowWeights(L, list, e + 2, rowOffset, n);
    let w3 = rowWeights(L, list, e + 3, rowOffset, n);
    let slot = sums;
    while (slot < runsEnd) {
      addFour(slot, w0, w1, w2, w3, shift, 0);
      addFour(slot, w0, w1, w2, w3, shift, 1);
      addFour(slot, w0, w1, w2, w3, shift, 2);
      addFour(slot, w0, w1, w2, w3, shift, 3);
      addFour(slot, w0, w1, w2, w3, shift, 4);
      addFour(slot, w0, w1, w2, w3, shift, 5);
      addFour(slot, w0, w1, w2, w3, shift, 6);
      addFour(slot, w0, w1, w2, w3, shift, 7);
      w0 += 8;
      w1 += 8;
      w2 += 8;
      w3 += 8;
      slot += 32;
    }
    for (let j: usize = 0; j < rest; j++) addFour(slot, w0, w1, w2, w3, shift, j);
  }
  for (; e < count; e++) {
    let w = rowWeights(L, list, e, rowOffset, n);
    let slot = sums;
    while (slot < runsEnd) {
      addWeight(slot + 0, w + 0, shift);
      addWeight(slot + 4, w + 1, shift);
      addWeight(slot + 8, w + 2, shift);
      addWeight(slot + 12, w + 3, shift);
      addWeight(slot + 16, w + 4, shift);
      addWeight(slot + 20, w + 5, shift);
      addWeight(slot + 24, w + 6, shift);
      addWeight(slot + 28, w + 7, shift);
      w += 8;
      slot += 32;
    }
    for (let j: usize = 0; j < rest; j++) addWeight(slot + (j << 2), w + j, shift);
  }
}

/** Where the weights of the row of list entry e start (dense rows of n weights). */
@inline
function rowWeights(L: Layer, list: usize, e: u32, rowOffset: u32, n: usize): usize {
  return L.weight + (<usize>load<u16>(list + ((<usize>e) << 1)) + rowOffset) * n;
}

/** Slot j of a run gets the j-th weight of four rows (a constant j folds into the offsets). */
@inline
function addFour(slot: usize, w0: usize, w1: usize, w2: usize, w3: usize, shift: u32, j: usize): void {
  const sum = <i32>load<i8>(w0 + j) + <i32>load<i8>(w1 + j) + <i32>load<i8>(w2 + j) + <i32>load<i8>(w3 + j);
  const at = slot + (j << 2);
  store<i32>(at, load<i32>(at) + (sum << shift));
}


@inline
function denseRowsBytes(L: Layer, list: usize, count: u32, rowOffset: u32): void {
  const n = <usize>L.neuronCount;
  const shift = L.weightShift;
  const stride = (<usize>L.stateWidth) << 2;
  for (let e: u32 = 0; e < count; e++) {
    const row = <usize>load<u16>(list + ((<usize>e) << 1)) + rowOffset;
    const weights = L.weight + row * n;
    const levels = L.synapseLevel + row * n;
    let slot = L.sums;
    for (let j: usize = 0; j < n; j++) {
      addWeight(slot + ((<usize>load<u8>(levels + j)) << 2), weights + j, shift);
      slot += stride;
    }
  }
}

/**
 * Two synapses per level byte: low nibble for the even synapse index, high for the odd one. With
 * K = 16 (a 64-byte stride, the shipped models' K), runs of 8 synapses are unrolled: one load for
 * their 8 levels and constant offsets for their slots.
 */
@inline
function denseRowsNibbles(L: Layer, list: usize, count: u32, rowOffset: u32): void {
  const n = <usize>L.neuronCount;
  const shift = L.weightShift;
  const stride = (<usize>L.stateWidth) << 2;
  const by8 = stride == 64;
  for (let e: u32 = 0; e < count; e++) {
    const row = <usize>load<u16>(list + ((<usize>e) << 1)) + rowOffset;
    const first = row * n;
    let weights = L.weight + first;
    let levels = L.synapseLevel + (first >> 1);
    let slot = L.sums;
    let j: usize = 0;
    if ((first & 1) != 0) {
      addWeight(slot + (((<usize>load<u8>(levels)) >> 4) << 2), weights, shift);
      levels++;
      weights++;
      slot += stride;
      j = 1;
    }
    if (by8) {
      // Counted by the slot pointer alone: one test per run of 8.
      const runs = (n - j) >> 3;
      const stop = slot + (runs << 9);
      while (slot < stop) {
        addEight(slot, weights, <usize>load<u32>(levels), shift);
        levels += 4;
        weights += 8;
        slot += 512;
      }
      j += runs << 3;
    }
    for (; j + 1 < n; j += 2) {
      const pair = <usize>load<u8>(levels);
      addWeight(slot + ((pair & 15) << 2), weights, shift);
      addWeight(slot + stride + ((pair >> 4) << 2), weights + 1, shift);
      levels++;
      weights += 2;
      slot += stride << 1;
    }
    if (j < n) addWeight(slot + (((<usize>load<u8>(levels)) & 15) << 2), weights, shift);
  }
}

/** Plain additions of 8 weights into the slots their 8 nibble levels `v` pick, 64 bytes apart. */
@inline
function addEight(slot: usize, weights: usize, v: usize, shift: u32): void {
  let a = slot + ((v << 2) & 60);
  store<i32>(a, load<i32>(a) + ((<i32>load<i8>(weights)) << shift));
  a = slot + ((v >> 2) & 60);
  store<i32>(a, load<i32>(a, 64) + ((<i32>load<i8>(weights, 1)) << shift), 64);
  a = slot + ((v >> 6) & 60);
  store<i32>(a, load<i32>(a, 128) + ((<i32>load<i8>(weights, 2)) << shift), 128);
  a = slot + ((v >> 10) & 60);
  store<i32>(a, load<i32>(a, 192) + ((<i32>load<i8>(weights, 3)) << shift), 192);
  a = slot + ((v >> 14) & 60);
  store<i32>(a, load<i32>(a, 256) + ((<i32>load<i8>(weights, 4)) << shift), 256);
  a = slot + ((v >> 18) & 60);
  store<i32>(a, load<i32>(a, 320) + ((<i32>load<i8>(weights, 5)) << shift), 320);
  a = slot + ((v >> 22) & 60);
  store<i32>(a, load<i32>(a, 384) + ((<i32>load<i8>(weights, 6)) << shift), 384);
  a = slot + ((v >> 26) & 60);
  store<i32>(a, load<i32>(a, 448) + ((<i32>load<i8>(weights, 7)) << shift), 448);
}


@inline
function sparseRows(L: Layer, list: usize, count: u32, rowOffset: u32, bits: u32): void {
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
      addWeight(L.sums + j * stride + (level << 2), L.weight + s, shift);
    }
  }
}

/**
 * sum_k S[j][k] in 64 bits, then each S[j][k] decayed for the next step (spec step 1, early): the
 * reference loop, for any width. `oneSlot` is L.bucketBits == 0 (one slot per neuron, decayed by
 * the neuron's level), read by the caller once per layer, as are L's arrays.
 */
@inline
function sumThenDecay(L: Layer, sums: usize, alphas: usize, levels: usize, j: u32, oneSlot: bool): i64 {
  if (oneSlot) {
    const slot = sums + ((<usize>j) << 2);
    const x = load<i32>(slot);
    store<i32>(slot, decay(x, load<u32>(alphas + ((<usize>load<u8>(levels + j)) << 2))));
    return <i64>x;
  }
  const width = L.stateWidth;
  let slot = sums + ((<usize>(j * width)) << 2);
  let sum: i64 = 0;
  for (let k: u32 = 0; k < width; k++) {
    const x = load<i32>(slot);
    sum += <i64>x;
    store<i32>(slot, decay(x, load<u32>(alphas + ((<usize>k) << 2))));
    slot += 4;
  }
  return sum;
}

/** sumThenDecay for K = 16, unrolled: constant offsets, the alphas widened in the caller's locals. */
@inline
function sumThenDecay16(
  s: usize,
  a0: i64,
  a1: i64,
  a2: i64,
  a3: i64,
  a4: i64,
  a5: i64,
  a6: i64,
  a7: i64,
  a8: i64,
  a9: i64,
  a10: i64,
  a11: i64,
  a12: i64,
  a13: i64,
  a14: i64,
  a15: i64,
): i64 {
  const x0 = <i64>load<i32>(s, 0);
  store<i32>(s, decayWide(x0, a0), 0);
  const x1 = <i64>load<i32>(s, 4);
  store<i32>(s, decayWide(x1, a1), 4);
  const x2 = <i64>load<i32>(s, 8);
  store<i32>(s, decayWide(x2, a2), 8);
  const x3 = <i64>load<i32>(s, 12);
  store<i32>(s, decayWide(x3, a3), 12);
  const x4 = <i64>load<i32>(s, 16);
  store<i32>(s, decayWide(x4, a4), 16);
  const x5 = <i64>load<i32>(s, 20);
  store<i32>(s, decayWide(x5, a5), 20);
  const x6 = <i64>load<i32>(s, 24);
  store<i32>(s, decayWide(x6, a6), 24);
  const x7 = <i64>load<i32>(s, 28);
  store<i32>(s, decayWide(x7, a7), 28);
  const x8 = <i64>load<i32>(s, 32);
  store<i32>(s, decayWide(x8, a8), 32);
  const x9 = <i64>load<i32>(s, 36);
  store<i32>(s, decayWide(x9, a9), 36);
  const x10 = <i64>load<i32>(s, 40);
  store<i32>(s, decayWide(x10, a10), 40);
  const x11 = <i64>load<i32>(s, 44);
  store<i32>(s, decayWide(x11, a11), 44);
  const x12 = <i64>load<i32>(s, 48);
  store<i32>(s, decayWide(x12, a12), 48);
  const x13 = <i64>load<i32>(s, 52);
  store<i32>(s, decayWide(x13, a13), 52);
  const x14 = <i64>load<i32>(s, 56);
  store<i32>(s, decayWide(x14, a14), 56);
  const x15 = <i64>load<i32>(s, 60);
  store<i32>(s, decayWide(x15, a15), 60);
  return x0 + x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10 + x11 + x12 + x13 + x14 + x15;
}

/** Level k's alpha, widened, when the layer takes the unrolled pass (0 otherwise: unused). */
@inline
function alphaWide(L: Layer, k: usize, unrolled: bool): i64 {
  return unrolled ? <i64>load<u32>(L.levelDecayQ16 + (k << 2)) : 0;
}

/**
 * Spec steps 2 and 4, and step 1 of the next step, for every neuron: the sum of its slots (each
 * decayed in place), then for a spiking layer R from z[t-1], v, the new spikes and spike list, for
 * the readout its score. One neuron loop for both kinds (a loop-invariant test per neuron): a
 * second copy of the unrolled sum would cost the module ~600 bytes.
 */
function outputs(L: Layer): void {
  const n = L.neuronCount;
  const readout = L.kind == KIND_READOUT;
  const resetDecay = <i64>L.resetDecayQ16;
  const oneSlot = L.bucketBits == 0;
  const unrolled = L.stateWidth == 16;
  const a0 = alphaWide(L, 0, unrolled);
  const a1 = alphaWide(L, 1, unrolled);
  const a2 = alphaWide(L, 2, unrolled);
  const a3 = alphaWide(L, 3, unrolled);
  const a4 = alphaWide(L, 4, unrolled);
  const a5 = alphaWide(L, 5, unrolled);
  const a6 = alphaWide(L, 6, unrolled);
  const a7 = alphaWide(L, 7, unrolled);
  const a8 = alphaWide(L, 8, unrolled);
  const a9 = alphaWide(L, 9, unrolled);
  const a10 = alphaWide(L, 10, unrolled);
  const a11 = alphaWide(L, 11, unrolled);
  const a12 = alphaWide(L, 12, unrolled);
  const a13 = alphaWide(L, 13, unrolled);
  const a14 = alphaWide(L, 14, unrolled);
  const a15 = alphaWide(L, 15, unrolled);
  // The layer's arrays in locals: a store may alias any field of L, which would be reloaded.
  const sums = L.sums;
  const alphas = L.levelDecayQ16;
  const levels = L.neuronLevel;
  const drive = L.drive;
  const threshold = L.threshold;
  const reset = L.reset;
  const potentials = L.potentials;
  const spikes = L.spikes;
  const spikeList = L.spikeList;
  const scores = State.scores;
  let count: u32 = 0;
  for (let j: u32 = 0; j < n; j++) {
    const at = (<usize>j) << 2;
    const sum = unrolled
      ? sumThenDecay16(
          sums + ((<usize>j) << 6),
          a0,
          a1,
          a2,
          a3,
          a4,
          a5,
          a6,
          a7,
          a8,
          a9,
          a10,
          a11,
          a12,
          a13,
          a14,
          a15,
        )
      : sumThenDecay(L, sums, alphas, levels, j, oneSlot);
    if (readout) {
      store<i32>(scores + at, sat32(sum + <i64>load<i32>(drive + at)));
      continue;
    }
    const theta = load<i32>(threshold + at);
    // Each address once: R and z are read, then written.
    const rAt = reset + at;
    const zAt = spikes + j;
    // Decay never grows |R|, so only a kick (addSat, as sat32 of the 64-bit sum) can saturate.
    let r64 = decayWide64(<i64>load<i32>(rAt), resetDecay);
    if (load<u8>(zAt) != 0) r64 = <i64>sat32(r64 + <i64>theta);
    store<i32>(rAt, <i32>r64);
    const v = sat32(sum + <i64>load<i32>(drive + at) - r64);
    store<i32>(potentials + at, v);
    const spike = v >= theta;
    store<u8>(zAt, <u8>spike);
    if (spike) {
      store<u16>(spikeList + ((<usize>count) << 1), <u16>j);
      count++;
    }
  }
  if (!readout) L.spikeCount = count;
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
