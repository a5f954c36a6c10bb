// The audio front-end (docs/frontend.md): 16-bit PCM -> frames -> Hann window -> Q15 radix-2 FFT
// -> power -> triangular mel filterbank -> log2 -> per-band up/down delta spikes. Integer-only,
// static memory, no allocation. The host writes samples at frontendSamples(); every completed hop
// gives one step whose spikes (u16 channels, increasing) land in SPIKES and, when a model with
// at least 2 * bands inputs is loaded, in the engine's input list, so `step` can follow directly.
//
// Naming: ...Q15 / ...Q16 are fixed-point with 15 / 16 fractional bits; `u` is the warped
// frequency log2(1 + f / 700) (mel / 781.17), in which the filterbank's triangles are equal.

import * as E from '../model/errors';
import { MAX_BANDS, ModelFrontend, validConfig } from '../model/frontend-section';
import { Model } from '../model/network';
import { State } from '../engine/state';

const MAX_N: u32 = 512; // the FFT size of validConfig's longest window, 32 ms at 16 kHz
const SAMPLE_CAP: u32 = MAX_N; // samples the buffer holds: the longest window (a bigger one cost a 16 kHz model its single 64 KiB page)
const INPUT_SHIFT: u32 = 6; // windowed samples enter the FFT as x << 6 (|x| < 2^21)
const FLOOR_Q16: u32 = 27 << 16; // log2 energy floor: silence and quiet noise sit here

// sin(2 pi k / 512) in Q15 (rounded, 32767 at k = 128), k = 0..128: the FFT twiddles and the window.
@lazy const SIN_Q15 = memory.data<i16>([
  0, 402, 804, 1206, 1608, 2009, 2410, 2811, 3212, 3612, 4011, 4410, 4808, 5205, 5602, 5998, 6393, 6786, 7179,
  7571, 7962, 8351, 8739, 9126, 9512, 9896, 10278, 10659, 11039, 11417, 11793, 12167, 12539, 12910, 13279,
  13645, 14010, 14372, 14732, 15090, 15446, 15800, 16151, 16499, 16846, 17189, 17530, 17869, 18204, 18537,
  18868, 19195, 19519, 19841, 20159, 20475, 20787, 21096, 21403, 21705, 22005, 22301, 22594, 22884, 23170,
  23452, 23731, 24007, 24279, 24547, 24811, 25072, 25329, 25582, 25832, 26077, 26319, 26556, 26790, 27019,
  27245, 27466, 27683, 27896, 28105, 28310, 28510, 28706, 28898, 29085, 29268, 29447, 29621, 29791, 29956,
  30117, 30273, 30424, 30571, 30714, 30852, 30985, 31113, 31237, 31356, 31470, 31580, 31685, 31785, 31880,
  31971, 32057, 32137, 32213, 32285, 32351, 32412, 32469, 32521, 32567, 32609, 32646, 32678, 32705, 32728,
  32745, 32757, 32765, 32767,
]);

// log2(1 + i / 32) in Q16 (rounded), i = 0..32: the mantissa of log2Q16, interpolated linearly.
@lazy const LOG2_Q16 = memory.data<u32>([
  0, 2909, 5732, 8473, 11136, 13727, 16248, 18704, 21098, 23433, 25711, 27936, 30109, 32234, 34312, 36346,
  38336, 40286, 42196, 44068, 45904, 47705, 49472, 51207, 52911, 54584, 56229, 57845, 59434, 60997, 62534,
  64047, 65536,
]);

const SAMPLES = memory.data(SAMPLE_CAP << 1, 4); // i16, host-written
const WINDOW = memory.data(MAX_N << 1, 4); // u16 Q15 Hann, W entries
const RE = memory.data(MAX_N << 2, 8); // i32
const IM = memory.data(MAX_N << 2, 8); // i32
const BIN_SEG = memory.data((MAX_N >> 1) + 1); // u8: filterbank segment of each bin
const BIN_RISE = memory.data(((MAX_N >> 1) + 1) << 1, 4); // u16 Q15: weight of the rising band
const ENERGY = memory.data(MAX_BANDS << 3, 8); // u64 per band
const REF = memory.data(MAX_BANDS << 2, 4); // u32 Q16 per band: the encoder's reference level
const SPIKES = memory.data(MAX_BANDS << 2, 4); // u16: the channels of the last step

/** Configures the front-end from the loaded model's FRONTEND section. */
export function configureFromModel(): i32 {
  if (!Model.loaded) return E.NO_MODEL;
  if (!ModelFrontend.present) return E.BAD_FRONTEND;
  const rate = ModelFrontend.sampleRateHz;
  return configure(
    rate,
    ModelFrontend.bands,
    ModelFrontend.windowMs,
    ModelFrontend.hopMs,
    ModelFrontend.thresholdQ8,
  );
}

export class Frontend {
  static configured: bool = false;
  static bands: u32 = 0;
  static fftBits: u32 = 0;
  static window: u32 = 0; // samples
  static hop: u32 = 0; // samples
  static thresholdQ16: u32 = 0;
  static have: u32 = 0; // valid samples at SAMPLES
  static spikeCount: u32 = 0;
}

/** cos(2 pi a / 512) in Q15 for a in [0, 256]. */
@inline
function cos512(a: u32): i32 {
  return a <= 128
    ? <i32>load<i16>(SIN_Q15 + ((128 - a) << 1))
    : -(<i32>load<i16>(SIN_Q15 + ((a - 128) << 1)));
}

/**
 * cos and sin(2 pi a / 512) in Q15 for a in [0, 128], straight from the table: the FFT's
 * twiddles, whose angles k * 512 / size (k <= size / 4) never pass a quarter turn.
 */
@inline
function cosQuarter(a: u32): i32 {
  return <i32>load<i16>(SIN_Q15 + ((128 - a) << 1));
}


@inline
function sinQuarter(a: u32): i32 {
  return <i32>load<i16>(SIN_Q15 + (a << 1));
}

/** log2(x) in Q16 for x >= 1 (0 for x = 0): exponent from clz, mantissa from LOG2_Q16. */
export function log2Q16(x: u64): u32 {
  if (x == 0) return 0;
  const z = <u32>clz(x);
  const m = x << z; // top bit at 63
  const i = (<u32>(m >> 58)) & 31; // 5 mantissa bits below the leading one
  const f = (<u32>(m >> 42)) & 0xffff; // the next 16 bits interpolate
  const lo = load<u32>(LOG2_Q16 + (i << 2));
  const hi = load<u32>(LOG2_Q16 + ((i + 1) << 2));
  return ((63 - z) << 16) + lo + <u32>((<u64>(hi - lo) * f + 0x8000) >> 16);
}

/**
 * Sets the front-end up (it then starts from silence): sample rate 8000 or 16000 Hz, 1..64 bands,
 * a window of 1..32 ms, a hop of 1..windowMs ms, a threshold of 1..65535 in log2 power units Q8.
 */
export function configure(sampleRateHz: u32, bands: u32, windowMs: u32, hopMs: u32, thresholdQ8: u32): i32 {
  Frontend.configured = false;
  if (!validConfig(sampleRateHz, bands, windowMs, hopMs, thresholdQ8)) return E.BAD_FRONTEND;
  const bits: u32 = sampleRateHz == 8000 ? 8 : 9;
  const n: u32 = 1 << bits;
  const perMs = sampleRateHz / 1000;
  const w = windowMs * perMs;
  Frontend.bands = bands;
  Frontend.fftBits = bits;
  Frontend.window = w;
  Frontend.hop = hopMs * perMs;
  Frontend.thresholdQ16 = thresholdQ8 << 8;

  // Periodic Hann, w[i] = (1 - cos(2 pi i / W)) / 2: the phase in 1/(512 * 256) turns, the
  // cosine interpolated linearly between table points (error < 1 LSB of Q15).
  for (let i: u32 = 0; i < w; i++) {
    const phase = (i << 17) / w; // [0, 2^17)
    let a = phase >> 8;
    const frac = <i32>(phase & 255);
    let c0: i32, c1: i32;
    if (a < 256) {
      c0 = cos512(a);
      c1 = cos512(a + 1);
    } else {
      a = 512 - a; // cos is symmetric about half a turn
      c0 = cos512(a);
      c1 = cos512(a - 1);
    }
    const c = c0 * 256 + (c1 - c0) * frac; // Q23
    const q: i32 = (((<i32>32767) << 8) - c + 256) >> 9; // (1 - cos) / 2 in Q15, rounded
    store<u16>(WINDOW + (i << 1), <u16>q);
  }
  // Zero weights past the window, so the FFT's input needs no test there (the samples those
  // weights meet, if any, are stale).
  for (let i: u32 = w; i < n; i++) store<u16>(WINDOW + (i << 1), 0);

  // The filterbank: bin k at frequency k * rate / n has u_k = log2(700 n + k rate) - log2(700 n);
  // the band edges split [0, u(rate / 2)] into bands + 1 equal segments. Bin k lies in segment
  // s = floor(u_k (bands + 1) / uMax), rising in band s with weight r = its position in the
  // segment (Q15) and falling in band s - 1 with 32768 - r.
  const base = log2Q16(<u64>700 * n);
  const half = n >> 1;
  const uMax = <u64>(log2Q16(<u64>700 * n + <u64>half * sampleRateHz) - base);
  for (let k: u32 = 0; k <= half; k++) {
    const scaled = <u64>(log2Q16(<u64>700 * n + <u64>k * sampleRateHz) - base) * (bands + 1);
    store<u8>(BIN_SEG + k, <u8>(scaled / uMax));
    store<u16>(BIN_RISE + (k << 1), <u16>(((scaled % uMax) << 15) / uMax));
  }
  Frontend.configured = true;
  reset();
  return E.OK;
}

/** Forgets buffered samples and sets every band's reference to the floor (silence). */
export function reset(): void {
  Frontend.have = 0;
  Frontend.spikeCount = 0;
  for (let b: u32 = 0; b < MAX_BANDS; b++) store<u32>(REF + (b << 2), FLOOR_Q16);
}

/** Where the host writes its next samples (room(): how many fit). */
export function samplesAt(): usize {
  return SAMPLES + ((<usize>Frontend.have) << 1);
}

export function room(): u32 {
  return SAMPLE_CAP - Frontend.have;
}

/** Takes `count` samples written at samplesAt(); returns the steps now ready (or -1 if not configured). */
export function push(count: u32): i32 {
  if (!Frontend.configured) return -1;
  Frontend.have += count < room() ? count : room();
  return ready();
}


@inline
function ready(): i32 {
  const have = Frontend.have;
  return have < Frontend.window ? 0 : <i32>((have - Frontend.window) / Frontend.hop + 1);
}

/** Encodes the oldest complete frame into one step; its spike count, or -1 if no frame is ready. */
export function nextStep(): i32 {
  if (!Frontend.configured || ready() == 0) return -1;
  spectrum();
  melEnergies();
  encode();
  // Drop one hop of samples: moved forwards 4 at a time (a hop is at least 8 samples, so no
  // 8-byte move reads what an earlier one wrote), the last 0-3 one by one.
  const hop = Frontend.hop;
  const keep = Frontend.have - hop;
  const from = SAMPLES + (hop << 1);
  let i: usize = 0;
  for (; i + 8 <= keep << 1; i += 8) store<u64>(SAMPLES + i, load<u64>(from + i));
  for (; i < keep << 1; i += 2) store<i16>(SAMPLES + i, load<i16>(from + i));
  Frontend.have = keep;
  return <i32>Frontend.spikeCount;
}

export function spikesAt(): usize {
  return SPIKES;
}

export function spikeCount(): u32 {
  return Frontend.spikeCount;
}

/**
 * rhaz(q, 1) for an i32 q (each stage's halving): q minus q / 2 truncated towards zero is
 * ceil(q / 2) for q >= 0 and floor(q / 2) below. Four wasm instructions instead of six for the
 * comparison form, (q + (q >= 0)) >> 1; the division by 2 compiles to shifts under AOT.
 */
@inline
function half(q: i32): i32 {
  return q - q / 2;
}

/** rhaz(p, 15) of a 64-bit product sum, as i32: a twiddled value at the input's scale. */
@inline
function q15(p: i64): i32 {
  return <i32>((p + 0x4000 + (p >> 63)) >> 15);
}

/**
 * q15(x * 32767) (a twiddle of 1 or -i) in i32, for |x| < 2^22: x * 32767 = x * 2^15 - x, so the
 * rounding only moves -x: rhaz(x 2^15 - x, 15) = x + ((2^14 - [x < 0] - x) >> 15), the product
 * having x's sign. No 64-bit multiply.
 */
@inline
function q15Unit(x: i32): i32 {
  return x + ((0x4000 + (x >> 31) - x) >> 15);
}

/**
 * The windowed sample at byte `at` = 2 i of the frame (i < n), the FFT's input (0 beyond the
 * window: its weight is 0):
 * rhaz(p, 9) as rhaz(p / 2^8, 1), the division truncating towards zero (for p >= 0,
 * floor((floor(p / 2^8) + 1) / 2) = floor((p + 2^8) / 2^9); both sides are odd in p).
 */
@inline
function windowed(at: u32): i32 {
  const p = <i32>load<i16>(at, SAMPLES) * <i32>load<u16>(at, WINDOW);
  return half(p / (1 << (14 - INPUT_SHIFT)));
}

/**
 * Windowed frame -> RE/IM bins 0..n/2 of DFT(x << INPUT_SHIFT) / n, the spec's radix-2 FFT
 * (docs/frontend.md) bit for bit: samples enter in bit-reversed order, and each of the log2(n)
 * decimation-in-time stages halves its outputs (rounded half away from zero), so no magnitude ever
 * exceeds the input bound 2^21 and every product fits in 64 bits. The sums of a butterfly stay
 * below 2^23, so only its products are 64-bit.
 *
 * The input is real, so after every stage each block X of `size` elements is exactly conjugate
 * symmetric, X[size - m] = conj(X[m]), in the spec's integers too: rhaz and the halving are odd
 * functions and the table gives cos(half - j) = -cos(j), sin(half - j) = sin(j) exactly, so
 * butterfly half - j computes the conjugate of butterfly j's results, negated where the spec says.
 * Only elements 0..size/2 of each block are computed (half the butterflies); the rest of RE/IM
 * holds stale values that nothing reads.
 *
 * Stages 1 and 2 are fused with the reordering: samples i, i + n/2, i + n/4, i + 3n/4 land at
 * j = rev(i) .. j + 3, and their four butterflies have the twiddles 0 and n/4 (cos and sin 32767 or
 * 0) on inputs whose IM is 0, so each reduces to one product (element j + 3, the conjugate of
 * j + 1, is not stored).
 */
function spectrum(): void {
  const bits = Frontend.fftBits;
  const n: u32 = 1 << bits;
  const quarter2 = n >> 1; // a quarter of the samples, bytes
  const half2 = n;
  const threeQuarters2 = quarter2 * 3;
  let j: u32 = 0; // rev(i), stepped by adding one at the top bit and carrying downwards
  for (let at: u32 = 0; at < quarter2; at += 2) {
    const x0 = windowed(at);
    const x2 = windowed(at + quarter2);
    const t1 = q15Unit(windowed(at + half2));
    const t3 = q15Unit(windowed(at + threeQuarters2));
    // Stage 1: (x0, x1) and (x2, x3) at j, j + 1 and j + 2, j + 3; IM stays 0.
    const p0 = half(x0 + t1);
    const p1 = half(x0 - t1);
    const p2 = half(x2 + t3);
    const p3 = half(x2 - t3);
    // Stage 2: (p0, p2) with twiddle 1, (p1, p3) with -i.
    const u = q15Unit(p2);
    const v = q15Unit(-p3);
    const to = j << 2;
    store<i32>(to, half(p0 + u), RE);
    store<i32>(to, half(p1), RE + 4);
    store<i32>(to, half(p0 - u), RE + 8);
    store<i32>(to, 0, IM);
    store<i32>(to, half(v), IM + 4);
    store<i32>(to, 0, IM + 8);
    let bit = n >> 1;
    while ((j & bit) != 0) {
      j ^= bit;
      bit >>= 1;
    }
    j |= bit;
  }
  // Stages 3, 4, ... in pairs (each element loaded and stored once for two stages); of the 7 stages
  // left at n = 512 the last goes alone.
  let size: u32 = 8;
  for (; size << 1 <= n; size <<= 2) twoStages(size, n);
  if (size == n) lastStage(n);
}

/**
 * The stages of blocks of `size` and 2 size together, on first halves as lastStage() does. In a
 * block g of 2 size, with h = size/2 and k <= h/2, the first stage's butterfly k of the sub-blocks
 * g and g + size gives A = X[k], B = X[h - k] and C, D (the same of the second sub-block); the
 * second stage's butterfly k on (A, C) gives Y[k] and Y[size - k], and its butterfly h - k on
 * (B, D) gives Y[h - k] and Y[h + k]: four elements in, four out. Butterfly h - k's twiddle is a
 * quarter turn back from k's: cos(128 - a) = sin(a), sin(128 - a) = cos(a) in the table's terms.
 *
 * At k = 0 and k = h/2 the inputs are real (the middles of symmetric blocks), so those units are
 * a few products: the first stage's twiddles are 1 and -i, the second's at k = h/2 an eighth of a
 * turn, and at k = 0 its butterfly h is a quarter turn. The IM of a real element is not stored: it
 * stays 0, as no stage writes a nonzero IM at a multiple of size/4 before this pair (stages 1-2
 * store 0 at elements 0 and 2 of each 4).
 */
function twoStages(size: u32, n: u32): void {
  const half4 = (size >> 1) << 2;
  const size4 = size << 2;
  const block4 = size << 3;
  const step = MAX_N / size;
  const end = n << 2;
  // k = 0: X[0], X[h] of both halves, then Y[0], Y[size] (twiddle 1) and Y[h] (-i), all real.
  for (let g: u32 = 0; g < end; g += block4) {
    let t = q15Unit(load<i32>(g + half4, RE));
    let e = load<i32>(g, RE);
    const a = half(e + t);
    const b = half(e - t);
    t = q15Unit(load<i32>(g + size4 + half4, RE));
    e = load<i32>(g + size4, RE);
    const u = q15Unit(half(e + t));
    const d = half(e - t);
    store<i32>(g, half(a + u), RE);
    store<i32>(g + size4, half(a - u), RE);
    store<i32>(g + half4, half(b), RE);
    store<i32>(g + half4, half(q15Unit(-d)), IM);
  }
  // k = h/2: the second stage's twiddle is an eighth of a turn whatever the size.
  const c8 = <i64>cosQuarter(64);
  const s8 = <i64>sinQuarter(64);
  for (let e0 = half4 >> 1; e0 < end; e0 += block4) {
    const ar = half(load<i32>(e0, RE));
    const ai = half(q15Unit(-load<i32>(e0 + half4, RE)));
    const cr = <i64>half(load<i32>(e0 + size4, RE));
    const ci = <i64>half(q15Unit(-load<i32>(e0 + size4 + half4, RE)));
    const tr = q15(cr * c8 + ci * s8);
    const ti = q15(ci * c8 - cr * s8);
    store<i32>(e0, half(ar + tr), RE);
    store<i32>(e0, half(ai + ti), IM);
    store<i32>(e0 + half4, half(ar - tr), RE);
    store<i32>(e0 + half4, half(ti - ai), IM);
  }
  for (let k: u32 = 1; k < size >> 2; k++) {
    const c = <i64>cosQuarter(k * step);
    const s = <i64>sinQuarter(k * step);
    const c2 = <i64>cosQuarter((k * step) >> 1);
    const s2 = <i64>sinQuarter((k * step) >> 1);
    const back = k << 3; // from element h + k to element h - k, bytes
    for (let e0: u32 = k << 2; e0 < end; e0 += block4) {
      const e1 = e0 + half4;
      const e2 = e0 + size4;
      const e3 = e2 + half4;
      let br = <i64>load<i32>(e1, RE);
      let bi = <i64>load<i32>(e1, IM);
      let tr = q15(br * c + bi * s);
      let ti = q15(bi * c - br * s);
      let er = load<i32>(e0, RE);
      let ei = load<i32>(e0, IM);
      const ar = half(er + tr);
      const ai = half(ei + ti);
      const xr = half(er - tr);
      const xi = half(ti - ei);
      br = <i64>load<i32>(e3, RE);
      bi = <i64>load<i32>(e3, IM);
      tr = q15(br * c + bi * s);
      ti = q15(bi * c - br * s);
      er = load<i32>(e2, RE);
      ei = load<i32>(e2, IM);
      const cr = <i64>half(er + tr);
      const ci = <i64>half(ei + ti);
      const dr = <i64>half(er - tr);
      const di = <i64>half(ti - ei);
      tr = q15(cr * c2 + ci * s2);
      ti = q15(ci * c2 - cr * s2);
      store<i32>(e0, half(ar + tr), RE);
      store<i32>(e0, half(ai + ti), IM);
      store<i32>(e2 - back, half(ar - tr), RE);
      store<i32>(e2 - back, half(ti - ai), IM);
      tr = q15(dr * s2 + di * c2);
      ti = q15(di * s2 - dr * c2);
      store<i32>(e1 - back, half(xr + tr), RE);
      store<i32>(e1 - back, half(xi + ti), IM);
      store<i32>(e1, half(xr - tr), RE);
      store<i32>(e1, half(ti - xi), IM);
    }
  }
}

/**
 * The last stage alone (n = 2^9: stages 3-8 went in pairs), one block, on the first halves of
 * conjugate-symmetric blocks: for k <= n/4, butterfly k gives bin k (its top output) and bin
 * n/2 - k, the conjugate of its bottom output n/2 + k. It reads E[k] and O[k] (k <= n/4, what the
 * stage before computed) and writes positions no other butterfly reads. At k = 0 the mirror is
 * the bottom itself (bin n/2, real), at k = n/4 the top (written twice, the same value).
 */
function lastStage(n: u32): void {
  const half4 = (n >> 1) << 2;
  const step = MAX_N / n;
  for (let k: u32 = 0; k <= n >> 2; k++) {
    const c = <i64>cosQuarter(k * step);
    const s = <i64>sinQuarter(k * step);
    const top = k << 2;
    const bottom = top + half4;
    const br = <i64>load<i32>(bottom, RE);
    const bi = <i64>load<i32>(bottom, IM);
    // t = bottom * e^(-i 2 pi k / n), rounded to the input's scale.
    const tr = q15(br * c + bi * s);
    const ti = q15(bi * c - br * s);
    const ar = load<i32>(top, RE);
    const ai = load<i32>(top, IM);
    const mirror = half4 - top; // bin n/2 - k, bytes
    store<i32>(top, half(ar + tr), RE);
    store<i32>(top, half(ai + ti), IM);
    store<i32>(mirror, half(ar - tr), RE);
    store<i32>(mirror, half(ti - ai), IM);
  }
}

/**
 * ENERGY[b] = sum over bins of weight (Q15) * (re^2 + im^2); at most 2^57. Bins come in segment
 * order (u_k grows with k), and segment s's bins rise in band s with weight r and fall in band s - 1
 * with 32768 - r, so per segment two sums do: R = sum r * P and T = sum P, whose falling part is
 * 32768 T - R (u64 arithmetic is exact modulo 2^64 in any order, so these are the spec's sums).
 */
function melEnergies(): void {
  const bands = Frontend.bands;
  for (let b: u32 = 0; b < bands; b++) store<u64>(ENERGY + (b << 3), 0);
  const half = ((<u32>1) << Frontend.fftBits) >> 1;
  let segment: u32 = 0;
  let rising: u64 = 0;
  let total: u64 = 0;
  for (let k: u32 = 0; k <= half; k++) {
    const s = <u32>load<u8>(k, BIN_SEG);
    if (s != segment) {
      addSegment(segment, rising, total, bands);
      segment = s;
      rising = 0;
      total = 0;
    }
    const re = <i64>load<i32>(k << 2, RE);
    const im = <i64>load<i32>(k << 2, IM);
    const power = <u64>(re * re + im * im);
    rising += <u64>load<u16>(k << 1, BIN_RISE) * power;
    total += power;
  }
  addSegment(segment, rising, total, bands);
}

/** A segment's sums into the bands it rises in (s) and falls in (s - 1), where those exist. */
@inline
function addSegment(s: u32, rising: u64, total: u64, bands: u32): void {
  if (s < bands) {
    const at = ENERGY + (s << 3);
    store<u64>(at, load<u64>(at) + rising);
  }
  if (s >= 1 && s <= bands) {
    const at = ENERGY + ((s - 1) << 3);
    store<u64>(at, load<u64>(at) + (total << 15) - rising);
  }
}

/** Per band: L = max(log2 E, floor); UP (2b) when L > ref + T, then ref += T; DOWN (2b + 1) mirrored. */
function encode(): void {
  const bands = Frontend.bands;
  const t = Frontend.thresholdQ16;
  let count: u32 = 0;
  for (let b: u32 = 0; b < bands; b++) {
    let level = log2Q16(load<u64>(ENERGY + (b << 3)));
    if (level < FLOOR_Q16) level = FLOOR_Q16;
    const at = REF + (b << 2);
    const ref = load<u32>(at);
    if (level > ref + t) {
      store<u32>(at, ref + t);
      store<u16>(SPIKES + (count << 1), <u16>(b << 1));
      count++;
    } else if (level + t < ref) {
      store<u32>(at, ref - t);
      store<u16>(SPIKES + (count << 1), <u16>((b << 1) + 1));
      count++;
    }
  }
  Frontend.spikeCount = count;
  if (Model.loaded && Model.inputCount >= bands << 1) {
    for (let e: u32 = 0; e < count; e++) {
      store<u16>(State.inputList + (e << 1), load<u16>(SPIKES + (e << 1)));
    }
  }
}
