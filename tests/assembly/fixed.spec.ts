// The named operations of docs/fixed-point.md, at the cases the rounding and saturation rules are
// about: exact halves of both signs, the ends of the alpha range, the i32 limits.

import { addSat, decay, sat32 } from '../../assembly/engine/fixed';

const MAX = i32.MAX_VALUE;
const MIN = i32.MIN_VALUE;

/** The spec's formula, with the magnitude computed exactly in 64 bits. */
function reference(x: i32, alpha: u32): i32 {
  const magnitude = x < 0 ? -(<i64>x) : <i64>x;
  const r = (magnitude * <i64>alpha + 0x8000) >> 16;
  return <i32>(x < 0 ? -r : r);
}

describe('decay', () => {
  it('rounds an exact half away from zero, for both signs', () => {
    expect<i32>(decay(105, 32768)).toBe(53, '52.5');
    expect<i32>(decay(-105, 32768)).toBe(-53, '-52.5');
    expect<i32>(decay(1, 32768)).toBe(1, '0.5');
    expect<i32>(decay(-1, 32768)).toBe(-1, '-0.5');
    expect<i32>(decay(3, 32768)).toBe(2, '1.5');
    expect<i32>(decay(-3, 32768)).toBe(-2, '-1.5');
    expect<i32>(decay(600, 61440)).toBe(563, '562.5');
    expect<i32>(decay(-600, 61440)).toBe(-563, '-562.5');
  });

  it('rounds every other fraction to the nearest integer', () => {
    expect<i32>(decay(100, 61440)).toBe(94, '93.75');
    expect<i32>(decay(-100, 61440)).toBe(-94, '-93.75');
    expect<i32>(decay(1163, 61440)).toBe(1090, '1090.31');
    expect<i32>(decay(-1163, 61440)).toBe(-1090, '-1090.31');
    expect<i32>(decay(3, 21845)).toBe(1, '0.99998');
    expect<i32>(decay(1, 32767)).toBe(0, '0.49998');
    expect<i32>(decay(-1, 32767)).toBe(0, '-0.49998');
  });

  it('alpha 0 clears, alpha 65536 is exactly the identity', () => {
    const values: i32[] = [0, 1, -1, 12345, -12345, MAX, MIN, MAX - 1, MIN + 1];
    for (let i = 0; i < values.length; i++) {
      expect<i32>(decay(values[i], 0)).toBe(0);
      expect<i32>(decay(values[i], 65536)).toBe(values[i]);
    }
  });

  it('takes the i32 limits without overflow', () => {
    expect<i32>(decay(MAX, 32768)).toBe(1073741824, '1073741823.5');
    expect<i32>(decay(MIN, 32768)).toBe(-1073741824, 'exact');
    expect<i32>(decay(MIN + 1, 32768)).toBe(-1073741824, '-1073741823.5');
    expect<i32>(decay(MAX, 65535)).toBe(2147450879, '2147450879.00002');
    expect<i32>(decay(MIN, 65535)).toBe(-2147450880, 'exact');
    expect<i32>(decay(MAX, 1)).toBe(32768, '32767.99998');
    expect<i32>(decay(MIN, 1)).toBe(-32768, 'exact');
  });

  it('is symmetric, never grows |x| and matches the formula on a grid', () => {
    const alphas: u32[] = [0, 1, 2, 3, 32767, 32768, 32769, 43690, 61440, 65535, 65536];
    for (let a = 0; a < alphas.length; a++) {
      const alpha = alphas[a];
      for (let x: i32 = -3000; x <= 3000; x += 41) {
        const y = decay(x, alpha);
        expect<i32>(y).toBe(reference(x, alpha));
        expect<i32>(decay(-x, alpha)).toBe(-y);
        expect<bool>(abs<i32>(y) <= abs<i32>(x)).toBe(true);
      }
      for (let x: i32 = MAX; x > MAX - 2000; x -= 97) {
        expect<i32>(decay(x, alpha)).toBe(reference(x, alpha));
        expect<i32>(decay(-x, alpha)).toBe(reference(-x, alpha));
      }
    }
  });
});

describe('addSat', () => {
  it('sticks at the maximum', () => {
    expect<i32>(addSat(MAX, 1)).toBe(MAX);
    expect<i32>(addSat(MAX, MAX)).toBe(MAX);
    expect<i32>(addSat(MAX - 5, 5)).toBe(MAX, 'reaches it exactly');
    expect<i32>(addSat(MAX - 5, 6)).toBe(MAX);
    expect<i32>(addSat(1, MAX)).toBe(MAX);
  });

  it('sticks at the minimum', () => {
    expect<i32>(addSat(MIN, -1)).toBe(MIN);
    expect<i32>(addSat(MIN, MIN)).toBe(MIN);
    expect<i32>(addSat(MIN + 5, -5)).toBe(MIN, 'reaches it exactly');
    expect<i32>(addSat(MIN + 5, -6)).toBe(MIN);
    expect<i32>(addSat(-1, MIN)).toBe(MIN);
  });

  it('adds exactly when nothing overflows', () => {
    expect<i32>(addSat(MAX, MIN)).toBe(-1);
    expect<i32>(addSat(MIN, MAX)).toBe(-1);
    expect<i32>(addSat(-5, 3)).toBe(-2);
    expect<i32>(addSat(0, MIN)).toBe(MIN);
    expect<i32>(addSat(MAX, 0)).toBe(MAX);
  });

  it('equals sat32 of the 64-bit sum near both limits', () => {
    const near: i32[] = [MAX, MAX - 1, MAX - 127 * 65536, MIN, MIN + 1, MIN + 128 * 65536, 0, 1, -1];
    const steps: i32[] = [0, 1, -1, 127 << 16, -128 << 16, MAX, MIN, 8323072, -8388608];
    for (let i = 0; i < near.length; i++) {
      for (let k = 0; k < steps.length; k++) {
        expect<i32>(addSat(near[i], steps[k])).toBe(sat32(<i64>near[i] + <i64>steps[k]));
      }
    }
  });
});

describe('sat32', () => {
  it('passes i32 values through', () => {
    expect<i32>(sat32(0)).toBe(0);
    expect<i32>(sat32(-7)).toBe(-7);
    expect<i32>(sat32(<i64>MAX)).toBe(MAX);
    expect<i32>(sat32(<i64>MIN)).toBe(MIN);
  });

  it('clamps what lies outside, where a wrap would differ', () => {
    expect<i32>(sat32(<i64>MAX + 1)).toBe(MAX);
    expect<i32>(sat32(<i64>MIN - 1)).toBe(MIN);
    expect<i32>(sat32(4294967296)).toBe(MAX, 'wraps to 0');
    expect<i32>(sat32(-4294967295)).toBe(MIN, 'wraps to 1');
    expect<i32>(sat32(<i64>MAX + <i64>MAX)).toBe(MAX, 'wraps to -2');
    expect<i32>(sat32(i64.MAX_VALUE)).toBe(MAX);
    expect<i32>(sat32(i64.MIN_VALUE)).toBe(MIN);
  });
});
