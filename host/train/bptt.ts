/**
 * Backpropagation through time for one clip of the float HetSynLIF network (docs/training.md,
 * "Gradients"). The forward pass is the float reference's step order (docs/float-model.md): layer
 * l > 0 sees layer l-1's spikes of the same step, a recurrent layer its own of the step before, the
 * reset current R = rho_r R + theta z[t-1] is subtracted, and the readout is leaky with no spike.
 *
 * The loss is the cross-entropy of softmax(mean over the decision window of the readout scores):
 * the argmax of that mean is exactly the board's decision (sum over the same window), so what the
 * loss optimises is what the board reports.
 *
 * Every synapse keeps its own current, so each has its own adjoint
 *   lambda_ji[t] = dL/dv_j[t] + rho_ji lambda_ji[t+1],
 * and dL/dw_ji = sum_t lambda x_i[t], dL/drho_ji = sum_t lambda I_ji[t-1], dL/dx_i[t] = sum_j
 * lambda w_ji. The currents of every step are kept for the rho gradient (recomputing them backwards
 * would divide by rho).
 */
import type { EffectiveLayer, LayerShape, LayerSlots, ParamLayout } from './network.js';
import { addRhoGradient } from './network.js';

/** A clip's input spikes: step t's channels are channels[offsets[t] .. offsets[t+1]). */
export interface ClipSpikes {
  steps: number;
  offsets: Int32Array;
  channels: Uint16Array;
}

/** dz/dv: a spike is a step function, so training uses a triangle of this height and half-width theta. */
export const SURROGATE_HEIGHT = 0.3;

/**
 * A stretch of a sequence scored on its own: the loss is the weighted mean over windows of
 * CE(softmax(mean readout over steps [start, end)), label). Weight defaults to 1.
 */
export interface ScoredWindow {
  start: number;
  end: number;
  label: number;
  weight?: number;
}

export interface ClipResult {
  /** NaN when the clip ends before the decision window opens. */
  loss: number;
  /** argmax of the summed window scores (lowest index on a tie), -1 with no window. */
  predicted: number;
  /** Spikes per spiking layer, summed over the clip. */
  spikeCounts: number[];
  /** Windows scored and those whose argmax was their label (the clip's decision window counts as one). */
  windows: number;
  windowsCorrect: number;
}

/** The thresholds are the network's (EffectiveLayer.threshold, one per neuron). */
export interface BpttOptions {
  resetRho: number;
  skipSteps: number;
  /**
   * Replace the spike step by a sigmoid of (v - theta) / smooth, forward and backward: the model is
   * then differentiable and its exact gradient can be checked against finite differences.
   */
  smooth?: number;
}

/** z[t]: the spike step, or with `smooth` the sigmoid that stands in for it. */
export function spikeOf(v: number, theta: number, smooth: number | undefined): number {
  return smooth ? 1 / (1 + Math.exp(-(v - theta) / smooth)) : v >= theta ? 1 : 0;
}

/** dz/dv at v (z = spikeOf(v)): the triangle surrogate, or the sigmoid's exact slope. */
export function spikeSlope(v: number, z: number, theta: number, smooth: number | undefined): number {
  if (smooth) return (z * (1 - z)) / smooth;
  const d = 1 - Math.abs(v - theta) / theta;
  return d > 0 ? SURROGATE_HEIGHT * d : 0;
}

/** What the backward pass keeps of a spiking layer: its adjoints in flight and its forward trace. */
export interface SpikingTrace {
  /** dL/dz[t] from the layer above, gathered while it was processed. */
  gz: Float64Array;
  /** dL/dz[t] through the layer's own recurrent rows at t+1. */
  gzNext: Float64Array;
  /** dL/dR[t+1], carried backwards through the reset current. */
  gR: Float64Array;
  /** `steps x size`, step major. */
  membranes: Float64Array;
  spikes: Float64Array;
}

/**
 * The membrane adjoints gv = dL/dv[t] of a layer at step t, going backwards, and the per-neuron
 * gradients that follow from them into `grad`: dL/db_j = gv_j where the drive is learned (the
 * readout's always), and the thresholds where learned. For the readout gv is dScore's row. For a
 * spiking layer each spike z[t] feeds the layer above (gz), its own recurrent rows at t+1 (gzNext)
 * and the reset current at t+1 (gR, which carries the reset's adjoint on to t-1), through the
 * surrogate slope at v[t]; gz and gzNext are cleared for step t-1. theta_j enters twice, in
 * z[t] = H(v[t] - theta_j) and in the reset kick theta_j z[t] into R[t+1].
 */
export function membraneAdjoint(
  slots: LayerSlots,
  t: number,
  gv: Float64Array,
  dScore: Float64Array,
  trace: SpikingTrace | undefined,
  theta: Float64Array,
  options: BpttOptions,
  grad: Float64Array,
): void {
  const n = slots.size;
  if (!trace) {
    gv.set(dScore.subarray(t * n, (t + 1) * n));
  } else {
    const { gz, gzNext, gR, membranes, spikes } = trace;
    const { resetRho, smooth } = options;
    const dTheta = slots.threshold;
    for (let j = 0; j < n; j++) {
      const z = spikes[t * n + j];
      const gzj = gz[j] + gzNext[j] + theta[j] * gR[j];
      gv[j] = gzj * spikeSlope(membranes[t * n + j], z, theta[j], smooth);
      if (dTheta >= 0) grad[dTheta + j] += gR[j] * z - gv[j];
      gR[j] = -gv[j] + resetRho * gR[j];
      gz[j] = 0;
      gzNext[j] = 0;
    }
  }
  if (slots.bias >= 0) for (let j = 0; j < n; j++) grad[slots.bias + j] += gv[j];
}

/**
 * The presynaptic activity of a layer's rows at step t into x: input counts (layer 0) or the spikes
 * of the layer below at t, then, when recurrent, the layer's own spikes of t-1 (0 at t = 0).
 * `below` and `own` hold spikes `steps x size`, step major.
 */
export function presynaptic(
  shape: LayerShape,
  t: number,
  x: Float64Array | Float32Array,
  clip: ClipSpikes,
  below: Float64Array | undefined,
  own: Float64Array,
): void {
  if (!below) {
    x.fill(0, 0, shape.inputCount);
    for (let e = clip.offsets[t]; e < clip.offsets[t + 1]; e++) x[clip.channels[e]] += 1;
  } else {
    x.set(below.subarray(t * shape.inputCount, (t + 1) * shape.inputCount));
  }
  if (shape.kind === 'recurrent') {
    const n = shape.size;
    if (t === 0) x.fill(0, shape.inputCount, shape.rows);
    else x.set(own.subarray((t - 1) * n, t * n), shape.inputCount);
  }
}

/** The windows a target scores in a clip of `steps` steps: a label is the clip's decision window. */
export function scoredWindows(
  target: number | readonly ScoredWindow[],
  steps: number,
  skipSteps: number,
): readonly ScoredWindow[] {
  if (typeof target === 'number')
    return steps > skipSteps ? [{ start: skipSteps, end: steps, label: target }] : [];
  return target.filter((w) => w.end > w.start && w.start >= 0 && w.end <= steps);
}

/**
 * The loss of readout scores (`steps x classes`, step major) over scored windows (at least one),
 * and with `dScore` (zeroed, same shape) its gradient dL/dscore_c[t], summed over the windows that
 * hold step t.
 */
export function windowLoss(
  scores: Float64Array,
  classes: number,
  windows: readonly ScoredWindow[],
  dScore?: Float64Array,
): Pick<ClipResult, 'loss' | 'predicted' | 'windowsCorrect'> {
  const C = classes;
  let totalWeight = 0;
  for (const w of windows) totalWeight += w.weight ?? 1;
  let loss = 0;
  let predicted = -1;
  let windowsCorrect = 0;
  const mean = new Float64Array(C);
  const prob = new Float64Array(C);
  for (const w of windows) {
    const span = w.end - w.start;
    mean.fill(0);
    for (let t = w.start; t < w.end; t++) for (let c = 0; c < C; c++) mean[c] += scores[t * C + c] / span;
    let best = 0;
    for (let c = 1; c < C; c++) if (mean[c] > mean[best]) best = c;
    if (predicted < 0) predicted = best;
    if (best === w.label) windowsCorrect++;
    let total = 0;
    for (let c = 0; c < C; c++) total += prob[c] = Math.exp(mean[c] - mean[best]);
    for (let c = 0; c < C; c++) prob[c] /= total;
    const share = (w.weight ?? 1) / totalWeight;
    loss += -Math.log(Math.max(prob[w.label], 1e-300)) * share;
    if (dScore) {
      for (let c = 0; c < C; c++) {
        const d = ((prob[c] - (c === w.label ? 1 : 0)) * share) / span;
        for (let t = w.start; t < w.end; t++) dScore[t * C + c] += d;
      }
    }
  }
  return { loss, predicted, windowsCorrect };
}

/** The plain TypeScript BPTT in float64: the reference the fast kernels (fast-bptt.ts) are held to. */
export class Bptt {
  private capacity = 0;
  private currents: Float64Array[] = [];
  private membranes: Float64Array[] = [];
  private spikes: Float64Array[] = [];
  private readonly lambda: Float64Array[];
  private readonly dRho: Float64Array[];
  private readonly gz: Float64Array[];
  private readonly gzNext: Float64Array[];
  private readonly gR: Float64Array[];
  private readonly gv: Float64Array[];
  private readonly gx: Float64Array[];
  private readonly reset: Float64Array[];
  private readonly xs: Float64Array[];

  constructor(
    private readonly layout: ParamLayout,
    private readonly options: BpttOptions,
  ) {
    const per = (f: (l: ParamLayout['layers'][number]) => number): Float64Array[] =>
      layout.layers.map((l) => new Float64Array(f(l)));
    this.lambda = per((l) => l.rows * l.size);
    this.dRho = per((l) => l.rows * l.size);
    this.gz = per((l) => l.size);
    this.gzNext = per((l) => l.size);
    this.gR = per((l) => l.size);
    this.gv = per((l) => l.size);
    this.gx = per((l) => l.rows);
    this.reset = per((l) => l.size);
    this.xs = per((l) => l.rows);
  }

  private ensure(steps: number): void {
    if (steps <= this.capacity) return;
    this.capacity = Math.max(steps, Math.ceil(this.capacity * 1.5));
    const layers = this.layout.layers;
    this.currents = layers.map((l) => new Float64Array(this.capacity * l.rows * l.size));
    this.membranes = layers.map((l) => new Float64Array(this.capacity * l.size));
    this.spikes = layers.map((l) => new Float64Array(this.capacity * l.size));
  }

  private trace(l: number): SpikingTrace {
    const [gz, gzNext, gR] = [this.gz[l], this.gzNext[l], this.gR[l]];
    return { gz, gzNext, gR, membranes: this.membranes[l], spikes: this.spikes[l] };
  }

  private presynaptic(l: number, t: number, x: Float64Array, clip: ClipSpikes): void {
    presynaptic(this.layout.layers[l], t, x, clip, l > 0 ? this.spikes[l - 1] : undefined, this.spikes[l]);
  }

  /**
   * Runs the clip forward; with `grad`, also backward, adding dL/dparams into it (same layout as
   * the parameters; rho at the layout's granularity).
   */
  run(
    net: EffectiveLayer[],
    clip: ClipSpikes,
    target: number | readonly ScoredWindow[],
    grad?: Float64Array,
  ): ClipResult {
    const T = clip.steps;
    const { resetRho, skipSteps, smooth } = this.options;
    this.ensure(T);
    const L = net.length;
    const xs = this.xs;
    const spikeCounts = new Array<number>(L - 1).fill(0);
    for (const r of this.reset) r.fill(0);
    const readout = net[L - 1];
    const C = readout.size;
    // A clip is one window over its decision steps: the board's clip decision.
    const windows = scoredWindows(target, T, skipSteps);
    const scores = this.scoreRows(T * C);

    for (let t = 0; t < T; t++) {
      for (let l = 0; l < L; l++) {
        const { rows, size: n, weight, rho, bias } = net[l];
        const x = xs[l];
        this.presynaptic(l, t, x, clip);
        const cur = this.currents[l];
        const now = t * rows * n;
        const before = now - rows * n;
        const v = this.membranes[l].subarray(t * n, (t + 1) * n);
        v.set(bias);
        // Branch-free inner loops (the hot path of training): the first step has no past, a silent
        // row only decays.
        for (let r = 0; r < rows; r++) {
          const base = r * n;
          const xr = x[r];
          if (t === 0) {
            for (let j = 0; j < n; j++) {
              const c = weight[base + j] * xr;
              cur[now + base + j] = c;
              v[j] += c;
            }
          } else if (xr === 0) {
            for (let j = 0; j < n; j++) {
              const c = rho[base + j] * cur[before + base + j];
              cur[now + base + j] = c;
              v[j] += c;
            }
          } else {
            for (let j = 0; j < n; j++) {
              const c = rho[base + j] * cur[before + base + j] + weight[base + j] * xr;
              cur[now + base + j] = c;
              v[j] += c;
            }
          }
        }
        if (l === L - 1) {
          scores.set(v, t * C);
          continue;
        }
        const z = this.spikes[l].subarray(t * n, (t + 1) * n);
        const zPrev = t > 0 ? this.spikes[l].subarray((t - 1) * n, t * n) : undefined;
        const R = this.reset[l];
        const theta = net[l].threshold;
        for (let j = 0; j < n; j++) {
          R[j] = resetRho * R[j] + (zPrev ? theta[j] * zPrev[j] : 0);
          v[j] -= R[j];
          z[j] = spikeOf(v[j], theta[j], smooth);
          spikeCounts[l] += z[j];
        }
      }
    }

    if (windows.length === 0) return { loss: NaN, predicted: -1, spikeCounts, windows: 0, windowsCorrect: 0 };
    const dScore = grad ? new Float64Array(T * C) : undefined;
    const { loss, predicted, windowsCorrect } = windowLoss(scores, C, windows, dScore);
    if (grad && dScore) this.backward(net, clip, dScore, grad);
    return { loss, predicted, spikeCounts, windows: windows.length, windowsCorrect };
  }

  private scoreBuffer = new Float64Array(0);

  private scoreRows(length: number): Float64Array {
    if (this.scoreBuffer.length < length) this.scoreBuffer = new Float64Array(length);
    return this.scoreBuffer;
  }

  private backward(net: EffectiveLayer[], clip: ClipSpikes, dScore: Float64Array, grad: Float64Array): void {
    const T = clip.steps;
    const L = net.length;
    const layers = this.layout.layers;
    for (let l = 0; l < L; l++) {
      this.lambda[l].fill(0);
      this.dRho[l].fill(0);
      this.gz[l].fill(0);
      this.gzNext[l].fill(0);
      this.gR[l].fill(0);
    }
    const xs = this.xs;

    for (let t = T - 1; t >= 0; t--) {
      for (let l = L - 1; l >= 0; l--) {
        const { rows, size: n, inputCount, weight, rho } = net[l];
        const slots = layers[l];
        const gv = this.gv[l];
        // A spiking layer's gzNext and gR were gathered while step t+1 was processed.
        const trace = l === L - 1 ? undefined : this.trace(l);
        membraneAdjoint(slots, t, gv, dScore, trace, net[l].threshold, this.options, grad);
        const xl = xs[l];
        this.presynaptic(l, t, xl, clip);
        const lambda = this.lambda[l];
        const dRho = this.dRho[l];
        const gx = this.gx[l];
        const cur = this.currents[l];
        const before = (t - 1) * rows * n;
        for (let r = 0; r < rows; r++) {
          const base = r * n;
          const xr = xl[r];
          let g = 0;
          if (t > 0) {
            for (let j = 0; j < n; j++) {
              const lam = gv[j] + rho[base + j] * lambda[base + j];
              lambda[base + j] = lam;
              dRho[base + j] += lam * cur[before + base + j];
              g += lam * weight[base + j];
            }
          } else {
            for (let j = 0; j < n; j++) {
              const lam = gv[j] + rho[base + j] * lambda[base + j];
              lambda[base + j] = lam;
              g += lam * weight[base + j];
            }
          }
          // Input rows of the first layer are data: their gradient is computed (it costs one
          // multiply-add in a loop that runs anyway) but not used.
          gx[r] = g;
          if (xr !== 0) {
            const w0 = slots.weight + base;
            for (let j = 0; j < n; j++) grad[w0 + j] += lambda[base + j] * xr;
          }
        }
        if (l > 0) {
          const below = this.gz[l - 1];
          for (let i = 0; i < inputCount; i++) below[i] += gx[i];
        }
        if (slots.kind === 'recurrent') {
          const gzNext = this.gzNext[l];
          for (let j = 0; j < n; j++) gzNext[j] += gx[inputCount + j];
        }
      }
    }
    for (let l = 0; l < L; l++) addRhoGradient(layers[l], this.dRho[l], grad);
  }
}
