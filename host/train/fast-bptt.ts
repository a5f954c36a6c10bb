/**
 * BPTT for one clip on the training kernels (assembly-train/, built to build/hetsyn-train.wasm): the
 * network, loss and gradients of Bptt (bptt.ts), with the per-synapse work in float32 128-bit SIMD
 * and no per-step history of the synaptic currents (docs/training.md, "Fast kernels"). The
 * per-neuron work (spike, reset current, surrogate) and the loss stay here in float64, in the very
 * functions Bptt uses.
 */
import { fileURLToPath } from 'node:url';
import { compileModule } from '../wasm/module.js';
import {
  presynaptic,
  scoredWindows,
  spikeOf,
  membraneAdjoint,
  windowLoss,
  type BpttOptions,
  type ClipResult,
  type ClipSpikes,
  type ScoredWindow,
  type SpikingTrace,
} from './bptt.js';
import { addRhoGradient, type EffectiveLayer, type ParamLayout } from './network.js';

export const TRAIN_WASM_PATH = fileURLToPath(new URL('../../../build/hetsyn-train.wasm', import.meta.url));

/** The exports of assembly-train/index.ts; addresses are bytes in `memory`. */
interface Kernels {
  memory: WebAssembly.Memory;
  heapBase(): number;
  forwardLayer(
    rows: number,
    width: number,
    live: number,
    x: number,
    weight: number,
    rho: number,
    current: number,
    v: number,
    stack: number,
  ): number;
  backwardLayer(
    rows: number,
    width: number,
    gradFrom: number,
    live: number,
    x: number,
    weight: number,
    rho: number,
    lambda: number,
    pending: number,
    gv: number,
    gradWeight: number,
    gradRho: number,
    gx: number,
    stack: number,
  ): void;
}

/** Where one layer's arrays sit in the kernels' memory (byte addresses). */
interface LayerMemory {
  /** Floats per row: the layer's size rounded up to whole SIMD lanes. */
  width: number;
  weight: number;
  rho: number;
  current: number;
  lambda: number;
  pending: number;
  gradWeight: number;
  gradRho: number;
  /** One byte per row: 1 from the row's first event on (assembly-train/index.ts). */
  live: number;
  x: number;
  v: number;
  gv: number;
  gx: number;
}

/** The per-step vectors of a layer, as views on the kernels' memory. */
interface StepViews {
  live: Uint8Array;
  x: Float32Array;
  v: Float32Array;
  gv: Float32Array;
  gx: Float32Array;
}

const LANES = 4;
const PAGE_BYTES = 65536;
const align = (bytes: number): number => Math.ceil(bytes / 16) * 16;

export class FastBptt {
  private readonly kernels: Kernels;
  private readonly memory: LayerMemory[];
  private readonly stackBase: number;
  private heap = new Float32Array(0);
  /** Per layer, renewed whenever the memory grows (every step uses them). */
  private steps: StepViews[] = [];
  private capacity = 0;
  private membranes: Float64Array[] = [];
  private spikes: Float64Array[] = [];
  private scores = new Float64Array(0);
  /** Event rows (x != 0) of layer l at step t, at t * layers + l: each pushed its currents. */
  private events = new Int32Array(0);
  /** Per layer and row, the step of the row's first event in this clip (the steps when none). */
  private readonly firstEvent: Int32Array[];
  private readonly reset: Float64Array[];
  private readonly gz: Float64Array[];
  private readonly gzNext: Float64Array[];
  private readonly gR: Float64Array[];
  private readonly gv: Float64Array[];
  private readonly dRho: Float64Array[];

  constructor(
    private readonly layout: ParamLayout,
    private readonly options: BpttOptions,
    wasmPath: string = TRAIN_WASM_PATH,
  ) {
    this.kernels = new WebAssembly.Instance(compileModule(wasmPath), {}).exports as unknown as Kernels;
    let at = align(this.kernels.heapBase());
    const take = (floats: number): number => {
      const address = at;
      at = align(at + 4 * floats);
      return address;
    };
    this.memory = layout.layers.map((l) => {
      const width = Math.ceil(l.size / LANES) * LANES;
      const synapses = l.rows * width;
      return {
        width,
        weight: take(synapses),
        rho: take(synapses),
        current: take(synapses),
        lambda: take(synapses),
        pending: take(synapses),
        gradWeight: take(synapses),
        gradRho: take(synapses),
        live: take(l.rows / 4),
        x: take(l.rows),
        v: take(width),
        gv: take(width),
        gx: take(l.rows),
      };
    });
    this.stackBase = at;
    this.reserve(at);
    const per = (f: (l: ParamLayout['layers'][number]) => number): Float64Array[] =>
      layout.layers.map((l) => new Float64Array(f(l)));
    this.reset = per((l) => l.size);
    this.gz = per((l) => l.size);
    this.gzNext = per((l) => l.size);
    this.gR = per((l) => l.size);
    this.gv = per((l) => l.size);
    this.dRho = per((l) => l.rows * l.size);
    this.firstEvent = layout.layers.map((l) => new Int32Array(l.rows));
  }

  private trace(l: number): SpikingTrace {
    const [gz, gzNext, gR] = [this.gz[l], this.gzNext[l], this.gR[l]];
    return { gz, gzNext, gR, membranes: this.membranes[l], spikes: this.spikes[l] };
  }

  /** Grows the kernels' memory to at least `bytes` (by half again at least, as the stack fills). */
  private reserve(bytes: number): void {
    const memory = this.kernels.memory;
    const have = memory.buffer.byteLength;
    if (bytes > have) memory.grow(Math.ceil(Math.max(bytes - have, have / 2) / PAGE_BYTES));
    // Growing replaces the buffer: every view is taken afresh from this one.
    this.heap = new Float32Array(memory.buffer);
    this.steps = this.memory.map((m, l) => {
      const { rows, size } = this.layout.layers[l];
      return {
        live: new Uint8Array(this.heap.buffer, m.live, rows),
        x: this.view(m.x, rows),
        v: this.view(m.v, size),
        gv: this.view(m.gv, size),
        gx: this.view(m.gx, rows),
      };
    });
  }

  private view(address: number, floats: number): Float32Array {
    return this.heap.subarray(address >> 2, (address >> 2) + floats);
  }

  private ensure(steps: number): void {
    if (steps <= this.capacity) return;
    this.capacity = Math.max(steps, Math.ceil(this.capacity * 1.5));
    const layers = this.layout.layers;
    this.membranes = layers.map((l) => new Float64Array(this.capacity * l.size));
    this.spikes = layers.map((l) => new Float64Array(this.capacity * l.size));
    this.scores = new Float64Array(this.capacity * layers[layers.length - 1].size);
    this.events = new Int32Array(this.capacity * layers.length);
  }

  /** Copies the network into the kernels' memory, rounded to float32, rows padded to whole lanes. */
  private load(net: EffectiveLayer[]): void {
    net.forEach((layer, l) => {
      const { width, weight, rho, current } = this.memory[l];
      const n = layer.size;
      const w = this.view(weight, layer.rows * width);
      const r = this.view(rho, layer.rows * width);
      if (width === n) {
        w.set(layer.weight);
        r.set(layer.rho);
      } else {
        for (let row = 0; row < layer.rows; row++) {
          w.set(layer.weight.subarray(row * n, (row + 1) * n), row * width);
          r.set(layer.rho.subarray(row * n, (row + 1) * n), row * width);
        }
      }
      this.view(current, layer.rows * width).fill(0);
    });
  }

  /** As Bptt.run: the clip forward and, with `grad`, backward, adding dL/dparams into `grad`. */
  run(
    net: EffectiveLayer[],
    clip: ClipSpikes,
    target: number | readonly ScoredWindow[],
    grad?: Float64Array,
  ): ClipResult {
    const T = clip.steps;
    const { resetRho, skipSteps, smooth } = this.options;
    this.ensure(T);
    this.load(net);
    const L = net.length;
    const layers = this.layout.layers;
    const spikeCounts = new Array<number>(L - 1).fill(0);
    for (const r of this.reset) r.fill(0);
    for (const views of this.steps) views.live.fill(0);
    for (const first of this.firstEvent) first.fill(T);
    const C = net[L - 1].size;
    const windows = scoredWindows(target, T, skipSteps);
    const scores = this.scores;
    let top = this.stackBase;

    for (let t = 0; t < T; t++) {
      for (let l = 0; l < L; l++) {
        const { rows, size: n, bias } = net[l];
        const m = this.memory[l];
        const x = this.steps[l].x;
        presynaptic(layers[l], t, x, clip, l > 0 ? this.spikes[l - 1] : undefined, this.spikes[l]);
        const { live } = this.steps[l];
        const first = this.firstEvent[l];
        let events = 0;
        for (let r = 0; r < rows; r++) {
          if (x[r] === 0) continue;
          events++;
          if (live[r] === 0) {
            live[r] = 1;
            first[r] = t;
          }
        }
        this.events[t * L + l] = events;
        const stackEnd = top + 4 * events * m.width;
        if (stackEnd > this.heap.byteLength) this.reserve(stackEnd);
        const v = this.steps[l].v;
        v.set(bias);
        top = this.kernels.forwardLayer(rows, m.width, m.live, m.x, m.weight, m.rho, m.current, m.v, top);
        if (l === L - 1) {
          for (let c = 0; c < C; c++) scores[t * C + c] = v[c];
          continue;
        }
        const membrane = this.membranes[l];
        const z = this.spikes[l];
        const R = this.reset[l];
        const theta = net[l].threshold;
        for (let j = 0; j < n; j++) {
          R[j] = resetRho * R[j] + (t > 0 ? theta[j] * z[(t - 1) * n + j] : 0);
          const vj = v[j] - R[j];
          membrane[t * n + j] = vj;
          const zj = spikeOf(vj, theta[j], smooth);
          z[t * n + j] = zj;
          spikeCounts[l] += zj;
        }
      }
    }

    if (windows.length === 0) return { loss: NaN, predicted: -1, spikeCounts, windows: 0, windowsCorrect: 0 };
    const dScore = grad ? new Float64Array(T * C) : undefined;
    const { loss, predicted, windowsCorrect } = windowLoss(scores.subarray(0, T * C), C, windows, dScore);
    if (grad && dScore) this.backward(net, clip, dScore, grad, top);
    return { loss, predicted, spikeCounts, windows: windows.length, windowsCorrect };
  }

  private backward(
    net: EffectiveLayer[],
    clip: ClipSpikes,
    dScore: Float64Array,
    grad: Float64Array,
    stackTop: number,
  ): void {
    const T = clip.steps;
    const L = net.length;
    const layers = this.layout.layers;
    for (let l = 0; l < L; l++) {
      const m = this.memory[l];
      const synapses = net[l].rows * m.width;
      for (const address of [m.lambda, m.pending, m.gradWeight, m.gradRho])
        this.view(address, synapses).fill(0);
      this.gz[l].fill(0);
      this.gzNext[l].fill(0);
      this.gR[l].fill(0);
    }
    let top = stackTop;
    for (let t = T - 1; t >= 0; t--) {
      for (let l = L - 1; l >= 0; l--) {
        const { rows, size: n, inputCount } = net[l];
        const slots = layers[l];
        const m = this.memory[l];
        const gv = this.gv[l];
        const trace = l === L - 1 ? undefined : this.trace(l);
        membraneAdjoint(slots, t, gv, dScore, trace, net[l].threshold, this.options, grad);
        const views = this.steps[l];
        views.gv.set(gv);
        const x = views.x;
        presynaptic(slots, t, x, clip, l > 0 ? this.spikes[l - 1] : undefined, this.spikes[l]);
        top -= 4 * this.events[t * L + l] * m.width;
        const first = this.firstEvent[l];
        for (let r = 0; r < rows; r++) views.live[r] = first[r] <= t ? 1 : 0;
        // Layer 0's input rows are data: no gradient is wanted for them.
        const gradFrom = l === 0 ? inputCount : 0;
        this.kernels.backwardLayer(
          rows,
          m.width,
          gradFrom,
          m.live,
          m.x,
          m.weight,
          m.rho,
          m.lambda,
          m.pending,
          m.gv,
          m.gradWeight,
          m.gradRho,
          m.gx,
          top,
        );
        const gx = views.gx;
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
    for (let l = 0; l < L; l++) {
      const { rows, size: n } = net[l];
      const slots = layers[l];
      const m = this.memory[l];
      const width = m.width;
      const gw = this.view(m.gradWeight, rows * width);
      const gr = this.view(m.gradRho, rows * width);
      const dRho = this.dRho[l];
      const w0 = slots.weight;
      if (width === n) {
        for (let s = 0; s < rows * n; s++) grad[w0 + s] += gw[s];
        dRho.set(gr);
      } else {
        for (let r = 0; r < rows; r++) {
          for (let j = 0; j < n; j++) {
            grad[w0 + r * n + j] += gw[r * width + j];
            dRho[r * n + j] = gr[r * width + j];
          }
        }
      }
      addRhoGradient(slots, dRho, grad);
    }
  }
}
