/**
 * The float reference: HetSynLIF (docs/float-model.md, "Equations") in float64, stepped in exactly the
 * order of docs/fixed-point.md "One timestep". FloatSimBase owns that order (inputs, reset current,
 * membrane, spikes, decision); a subclass only says how a layer's synaptic currents evolve and sum.
 *
 * FloatReference keeps the paper's per-synapse state: one current per synapse, every one decayed
 * every step. It is the baseline a benchmark compares the bucketed engine against, so its loops are
 * the tight form of that algorithm (typed arrays, no allocation, one contiguous pass), not a naive one.
 */
import type { FloatModel } from './model.js';

/** What both float simulations offer. Arrays returned are live views of the state: copy to keep. */
export interface FloatSim {
  readonly model: FloatModel;
  /** Zeroes every current, reset current, spike, score and the decision. */
  reset(): void;
  /** One timestep; `active` lists the input channels that spiked (a repeat counts again). */
  step(active: ArrayLike<number>): void;
  /** The readout's scores of the last step. */
  scores(): Float64Array;
  /** A layer's spikes of the last step (all 0 for the readout). */
  spikes(layer: number): Uint8Array;
  /** A layer's membrane of the last step (the scores for the readout). */
  membrane(layer: number): Float64Array;
  /** The class with the largest summed score since the reset (lowest on a tie), -1 before any. */
  decision(): number;
}

export abstract class FloatSimBase implements FloatSim {
  /** Per layer, the activity of each presynaptic row this step (a spike count). */
  private readonly presynaptic: Float64Array[];
  private readonly membranes: Float64Array[];
  private readonly spiked: Uint8Array[];
  private readonly resetCurrents: Float64Array[];
  private readonly accumulated: Float64Array;
  private stepCount = 0;

  constructor(readonly model: FloatModel) {
    this.presynaptic = model.layers.map((layer) => new Float64Array(layer.rows));
    this.membranes = model.layers.map((layer) => new Float64Array(layer.size));
    this.spiked = model.layers.map((layer) => new Uint8Array(layer.size));
    this.resetCurrents = model.layers.map((layer) => new Float64Array(layer.size));
    this.accumulated = new Float64Array(model.layers[model.layers.length - 1].size);
  }

  /**
   * Advances layer `layer`'s synaptic currents by one step given its presynaptic activity
   * (decay, then add each active row's weights times its count) and writes each neuron's summed
   * current to `sum`.
   */
  protected abstract integrate(layer: number, presynaptic: Float64Array, sum: Float64Array): void;

  /** Zeroes the subclass's synaptic state. */
  protected abstract clearCurrents(): void;

  reset(): void {
    for (const a of this.presynaptic) a.fill(0);
    for (const a of this.membranes) a.fill(0);
    for (const a of this.spiked) a.fill(0);
    for (const a of this.resetCurrents) a.fill(0);
    this.accumulated.fill(0);
    this.stepCount = 0;
    this.clearCurrents();
  }

  step(active: ArrayLike<number>): void {
    const { layers, inputCount } = this.model;
    const input = this.presynaptic[0];
    input.fill(0, 0, inputCount);
    for (let a = 0; a < active.length; a++) {
      const c = active[a];
      if (!Number.isInteger(c) || c < 0 || c >= inputCount) {
        throw new RangeError(`input channel ${c} is outside 0..${inputCount - 1}`);
      }
      input[c] += 1;
    }
    for (let l = 0; l < layers.length; l++) {
      const layer = layers[l];
      const x = this.presynaptic[l];
      const z = this.spiked[l];
      const n = layer.size;
      // Layer l > 0 sees layer l-1's spikes of this same step; recurrent rows see z[t-1].
      if (l > 0) {
        const below = this.spiked[l - 1];
        for (let i = 0; i < layer.inputCount; i++) x[i] = below[i];
      }
      if (layer.kind === 'recurrent') {
        for (let j = 0; j < n; j++) x[layer.inputCount + j] = z[j];
      }
      const v = this.membranes[l];
      this.integrate(l, x, v);
      const drive = layer.drive;
      const threshold = layer.threshold;
      if (threshold === undefined) {
        for (let j = 0; j < n; j++) v[j] += drive[j];
        continue;
      }
      const r = this.resetCurrents[l];
      const resetRho = layer.resetRho;
      for (let j = 0; j < n; j++) {
        r[j] = resetRho * r[j] + (z[j] === 1 ? threshold[j] : 0);
        v[j] = v[j] + drive[j] - r[j];
        z[j] = v[j] >= threshold[j] ? 1 : 0;
      }
    }
    if (this.stepCount >= this.model.decision.skipSteps) {
      const scores = this.scores();
      for (let c = 0; c < scores.length; c++) this.accumulated[c] += scores[c];
    }
    this.stepCount++;
  }

  scores(): Float64Array {
    return this.membranes[this.membranes.length - 1];
  }

  spikes(layer: number): Uint8Array {
    return this.spiked[this.layerIndex(layer)];
  }

  membrane(layer: number): Float64Array {
    return this.membranes[this.layerIndex(layer)];
  }

  decision(): number {
    if (this.stepCount <= this.model.decision.skipSteps) return -1;
    let best = 0;
    for (let c = 1; c < this.accumulated.length; c++)
      if (this.accumulated[c] > this.accumulated[best]) best = c;
    return best;
  }

  private layerIndex(layer: number): number {
    if (!Number.isInteger(layer) || layer < 0 || layer >= this.model.layers.length) {
      throw new RangeError(`layer ${layer} is outside 0..${this.model.layers.length - 1}`);
    }
    return layer;
  }
}

/** HetSynLIF with one current per synapse (the paper's form). */
export class FloatReference extends FloatSimBase {
  /** Per layer, rows * size currents in the model's synapse order. */
  private readonly currents: Float64Array[];

  constructor(model: FloatModel) {
    super(model);
    this.currents = model.layers.map((layer) => new Float64Array(layer.rows * layer.size));
  }

  protected integrate(l: number, x: Float64Array, sum: Float64Array): void {
    const { rows, size: n, weight, rho } = this.model.layers[l];
    const current = this.currents[l];
    sum.fill(0);
    // One pass per row, decaying, adding and summing together: the state is larger than the caches,
    // and this measured faster than separate decay, add and sum passes or a neuron-major layout. A
    // silent row only decays.
    for (let r = 0, base = 0; r < rows; r++, base += n) {
      const count = x[r];
      if (count === 0) {
        for (let j = 0; j < n; j++) {
          const c = rho[base + j] * current[base + j];
          current[base + j] = c;
          sum[j] += c;
        }
      } else {
        for (let j = 0; j < n; j++) {
          const c = rho[base + j] * current[base + j] + count * weight[base + j];
          current[base + j] = c;
          sum[j] += c;
        }
      }
    }
  }

  protected clearCurrents(): void {
    for (const c of this.currents) c.fill(0);
  }
}
