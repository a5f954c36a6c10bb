// The named integer operations of docs/fixed-point.md. Every state update goes through these.

/** The range sat32 and addSat clamp to. */
export const I32_MAX: i32 = 0x7fffffff;
export const I32_MIN: i32 = -I32_MAX - 1;

/** sat32(a + b) without 64-bit arithmetic: overflow happened iff a and b share a sign r lacks. */
@inline
export function addSat(a: i32, b: i32): i32 {
  const r = a + b;
  return ((a ^ r) & (b ^ r)) < 0 ? (a >> 31) ^ I32_MAX : r;
}


@inline
export function sat32(x: i64): i32 {
  return x > <i64>I32_MAX ? I32_MAX : x < <i64>I32_MIN ? I32_MIN : <i32>x;
}

/**
 * x * alpha / 2^16, rounded half away from zero; alpha <= 65536 so |result| <= |x|. Branch-free:
 * for x < 0, -floor((-p + 2^15) / 2^16) = floor((p + 2^15 - 1) / 2^16) with p = x * alpha, and
 * the arithmetic shift floors.
 */
@inline
export function decay(x: i32, alphaQ16: u32): i32 {
  return decayWide(<i64>x, <i64>alphaQ16);
}

/** decay() of an x and an alpha already widened (x sign-, alpha zero-extended): the unrolled
 *  output pass widens each alpha once per layer and each x once for its sum and its decay. */
@inline
export function decayWide(x: i64, alphaQ16: i64): i32 {
  return <i32>decayWide64(x, alphaQ16);
}

/** decayWide() left in 64 bits (its value fits in i32), for a caller that goes on in 64 bits. */
@inline
export function decayWide64(x: i64, alphaQ16: i64): i64 {
  return (x * alphaQ16 + 0x8000 + (x >> 63)) >> 16;
}
