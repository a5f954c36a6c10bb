/**
 * The training kernels of host/train/fast-bptt.ts, in 128-bit SIMD (four float32 lanes): one
 * layer's step of the forward pass and of the backward pass. Host only: the board's module is
 * assembly/, WebAssembly MVP. The host lays every array out in this module's memory (above
 * heapBase()) and passes addresses; a layer's per-synapse arrays are `rows x width` float32, row
 * major, `width` the layer's size rounded up to whole lanes (padding lanes hold zeros and stay zero).
 *
 * No per-step history of the currents is kept. Between two input events of a row (steps with
 * x != 0) its currents only decay, I[t-1] = I[s] rho^(t-1-s) after the event at s, so the rho
 * gradient sum_t lambda[t] I[t-1] over that stretch is I[s] times the backward sum
 * P = lambda[t] + rho P, restarted at each event: only the currents at events are kept, on a stack
 * the forward pass pushes and the backward pass reads in reverse step order.
 *
 * A row is live from its first event on (`live[r]`, one byte per row, kept by the host). Before
 * it, its currents are exactly 0, so the forward pass skips it; backward, nothing before its first
 * event reaches its P or (for data rows, whose dL/dx is not wanted) its lambda, so those are not
 * updated there. The results are those of updating every row, bit for bit.
 */

/** Where the host may start laying out arrays. */
export function heapBase(): usize {
  return __heap_base;
}

/**
 * One step of a layer, forward: I = rho I + w x for every synapse, v += the row's currents, and
 * each event row's currents pushed at `stack`. Returns the stack's new top. Columns go in blocks
 * of four vectors (a 64-byte line) down all the rows, so a block's v stays in registers.
 */
export function forwardLayer(
  rows: i32,
  width: i32,
  live: usize,
  x: usize,
  weight: usize,
  rho: usize,
  current: usize,
  v: usize,
  stack: usize,
): usize {
  const rowBytes = (<usize>width) << 2;
  // Every column block pushes its part of the same event rows: the stack grows by `pushed`.
  let pushed: usize = 0;
  let k: usize = 0;
  for (; k + 64 <= rowBytes; k += 64) {
    let a0 = v128.load(v + k);
    let a1 = v128.load(v + k, 16);
    let a2 = v128.load(v + k, 32);
    let a3 = v128.load(v + k, 48);
    let top = stack + k;
    for (let r = 0; r < rows; r++) {
      if (load<u8>(live + r) == 0) continue;
      const xr = load<f32>(x + ((<usize>r) << 2));
      const at = <usize>r * rowBytes + k;
      const p = rho + at;
      const c = current + at;
      let c0 = f32x4.mul(v128.load(p), v128.load(c));
      let c1 = f32x4.mul(v128.load(p, 16), v128.load(c, 16));
      let c2 = f32x4.mul(v128.load(p, 32), v128.load(c, 32));
      let c3 = f32x4.mul(v128.load(p, 48), v128.load(c, 48));
      if (xr != 0) {
        const xv = f32x4.splat(xr);
        const w = weight + at;
        c0 = f32x4.add(c0, f32x4.mul(v128.load(w), xv));
        c1 = f32x4.add(c1, f32x4.mul(v128.load(w, 16), xv));
        c2 = f32x4.add(c2, f32x4.mul(v128.load(w, 32), xv));
        c3 = f32x4.add(c3, f32x4.mul(v128.load(w, 48), xv));
        v128.store(top, c0);
        v128.store(top, c1, 16);
        v128.store(top, c2, 32);
        v128.store(top, c3, 48);
        top += rowBytes;
      }
      v128.store(c, c0);
      v128.store(c, c1, 16);
      v128.store(c, c2, 32);
      v128.store(c, c3, 48);
      a0 = f32x4.add(a0, c0);
      a1 = f32x4.add(a1, c1);
      a2 = f32x4.add(a2, c2);
      a3 = f32x4.add(a3, c3);
    }
    v128.store(v + k, a0);
    v128.store(v + k, a1, 16);
    v128.store(v + k, a2, 32);
    v128.store(v + k, a3, 48);
    pushed = top - (stack + k);
  }
  for (; k < rowBytes; k += 16) {
    let a = v128.load(v + k);
    let top = stack + k;
    for (let r = 0; r < rows; r++) {
      if (load<u8>(live + r) == 0) continue;
      const xr = load<f32>(x + ((<usize>r) << 2));
      const at = <usize>r * rowBytes + k;
      let now = f32x4.mul(v128.load(rho + at), v128.load(current + at));
      if (xr != 0) {
        now = f32x4.add(now, f32x4.mul(v128.load(weight + at), f32x4.splat(xr)));
        v128.store(top, now);
        top += rowBytes;
      }
      v128.store(current + at, now);
      a = f32x4.add(a, now);
    }
    v128.store(v + k, a);
    pushed = top - (stack + k);
  }
  return stack + pushed;
}


@inline
function sumLanes(a: v128): f32 {
  return (
    f32x4.extract_lane(a, 0) +
    f32x4.extract_lane(a, 1) +
    (f32x4.extract_lane(a, 2) + f32x4.extract_lane(a, 3))
  );
}

/**
 * One step of a layer, backward, given gv = dL/dv[t]: lambda = gv + rho lambda, the pending rho
 * sum P (see the file comment), dL/dw += lambda x and dL/drho += I[event] P at event rows, and
 * gx[r] = sum_j lambda w, dL/dx[t], for rows r >= gradFrom (the rows below are data). `stack` is
 * where this step's event currents were pushed.
 */
export function backwardLayer(
  rows: i32,
  width: i32,
  gradFrom: i32,
  live: usize,
  x: usize,
  weight: usize,
  rho: usize,
  lambda: usize,
  pending: usize,
  gv: usize,
  gradWeight: usize,
  gradRho: usize,
  gx: usize,
  stack: usize,
): void {
  const rowBytes = (<usize>width) << 2;
  for (let r = 0; r < rows; r++) {
    const xr = load<f32>(x + ((<usize>r) << 2));
    const base = <usize>r * rowBytes;
    const w = weight + base;
    const p = rho + base;
    const lam = lambda + base;
    const pend = pending + base;
    let acc = f32x4.splat(0);
    if (xr != 0) {
      const xv = f32x4.splat(xr);
      const gw = gradWeight + base;
      const gr = gradRho + base;
      for (let k: usize = 0; k < rowBytes; k += 16) {
        const now = f32x4.add(v128.load(gv + k), f32x4.mul(v128.load(p + k), v128.load(lam + k)));
        v128.store(lam + k, now);
        v128.store(
          gr + k,
          f32x4.add(v128.load(gr + k), f32x4.mul(v128.load(stack + k), v128.load(pend + k))),
        );
        v128.store(pend + k, now);
        v128.store(gw + k, f32x4.add(v128.load(gw + k), f32x4.mul(now, xv)));
        acc = f32x4.add(acc, f32x4.mul(now, v128.load(w + k)));
      }
      stack += rowBytes;
    } else if (load<u8>(live + r) == 0) {
      if (r >= gradFrom) {
        for (let k: usize = 0; k < rowBytes; k += 16) {
          const now = f32x4.add(v128.load(gv + k), f32x4.mul(v128.load(p + k), v128.load(lam + k)));
          v128.store(lam + k, now);
          acc = f32x4.add(acc, f32x4.mul(now, v128.load(w + k)));
        }
      }
    } else if (r >= gradFrom) {
      for (let k: usize = 0; k < rowBytes; k += 16) {
        const decay = v128.load(p + k);
        const now = f32x4.add(v128.load(gv + k), f32x4.mul(decay, v128.load(lam + k)));
        v128.store(lam + k, now);
        v128.store(pend + k, f32x4.add(now, f32x4.mul(decay, v128.load(pend + k))));
        acc = f32x4.add(acc, f32x4.mul(now, v128.load(w + k)));
      }
    } else {
      for (let k: usize = 0; k < rowBytes; k += 16) {
        const decay = v128.load(p + k);
        const now = f32x4.add(v128.load(gv + k), f32x4.mul(decay, v128.load(lam + k)));
        v128.store(lam + k, now);
        v128.store(pend + k, f32x4.add(now, f32x4.mul(decay, v128.load(pend + k))));
      }
    }
    store<f32>(gx + ((<usize>r) << 2), sumLanes(acc));
  }
}
