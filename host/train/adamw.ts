/**
 * AdamW (Loshchilov and Hutter): Adam with decoupled weight decay. Decay applies only where
 * `decayMask` is 1 (weights), never to rho or biases, whose "small" values mean nothing special.
 */
export interface AdamState {
  step: number;
  m: Float64Array;
  v: Float64Array;
}

export interface AdamOptions {
  beta1: number;
  beta2: number;
  epsilon: number;
  weightDecay: number;
}

export const ADAM_DEFAULTS: AdamOptions = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 1e-4 };

export function adamState(length: number): AdamState {
  return { step: 0, m: new Float64Array(length), v: new Float64Array(length) };
}

/** One update of `params` from `grad`; entries where `frozen` is 1 do not move. */
export function adamwStep(
  params: Float64Array,
  grad: Float64Array,
  state: AdamState,
  lr: number,
  decayMask: Uint8Array,
  frozen: Uint8Array,
  options: AdamOptions = ADAM_DEFAULTS,
): void {
  const { beta1, beta2, epsilon, weightDecay } = options;
  state.step++;
  const c1 = 1 - beta1 ** state.step;
  const c2 = 1 - beta2 ** state.step;
  const { m, v } = state;
  for (let k = 0; k < params.length; k++) {
    if (frozen[k]) continue;
    const g = grad[k];
    m[k] = beta1 * m[k] + (1 - beta1) * g;
    v[k] = beta2 * v[k] + (1 - beta2) * g * g;
    const update = m[k] / c1 / (Math.sqrt(v[k] / c2) + epsilon);
    params[k] -= lr * (update + (decayMask[k] ? weightDecay * params[k] : 0));
  }
}
