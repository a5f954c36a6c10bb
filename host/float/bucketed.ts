/**
 * HetSynLIF in the bucketed form, float64: because the dynamics are linear, the synapses of a
 * neuron that share a decay can share one state,
 *
 *     S[j][k] = alpha[k] * S[j][k] + sum of w over this step's active synapses of j in level k
 *     sum_i I[j][i] = sum_k S[j][k],
 *
 * exactly in real arithmetic. This is the fixed-point engine's algorithm without the rounding; the
 * tests use it to show the identity holds (it equals FloatReference to float rounding).
 *
 * A layer's levels are the distinct rho values of its present synapses (input and recurrent
 * together). When every neuron's synapses share one rho the layer needs one slot per neuron.
 */
import { uniformNeuronRho, type FloatLayer, type FloatModel } from './model.js';
import { FloatSimBase } from './reference.js';

/** Levels are stored as bytes, like the model file; more distinct rho values need quantizing first. */
export const MAX_BUCKET_LEVELS = 256;

interface BucketLayer {
  /** State slots per neuron: the level count, or 1 with per-neuron levels. */
  width: number;
  /** Decay of each slot of neuron j: slotDecay[j * width + k]. */
  slotDecay: Float64Array;
  /** Per synapse, its slot (width > 1 only). */
  synapseSlot: Uint8Array | undefined;
  state: Float64Array;
}

function buildBucketLayer(layer: FloatLayer, index: number): BucketLayer {
  const { size, rho, mask } = layer;
  const neuronRho = uniformNeuronRho(layer);
  if (neuronRho !== undefined) {
    return { width: 1, slotDecay: neuronRho, synapseSlot: undefined, state: new Float64Array(size) };
  }
  const levelOf = new Map<number, number>();
  const synapseSlot = new Uint8Array(rho.length);
  for (let s = 0; s < rho.length; s++) {
    if (mask !== undefined && mask[s] === 0) continue;
    let k = levelOf.get(rho[s]);
    if (k === undefined) {
      k = levelOf.size;
      if (k === MAX_BUCKET_LEVELS) {
        throw new RangeError(
          `layers[${index}] has more than ${MAX_BUCKET_LEVELS} distinct rho values: quantize its levels first`,
        );
      }
      levelOf.set(rho[s], k);
    }
    synapseSlot[s] = k;
  }
  const width = levelOf.size;
  const slotDecay = new Float64Array(size * width);
  for (const [value, k] of levelOf) for (let j = 0; j < size; j++) slotDecay[j * width + k] = value;
  return { width, slotDecay, synapseSlot, state: new Float64Array(size * width) };
}

export class BucketedFloat extends FloatSimBase {
  private readonly buckets: BucketLayer[];

  constructor(model: FloatModel) {
    super(model);
    this.buckets = model.layers.map(buildBucketLayer);
  }

  /** State slots per neuron of each layer. */
  stateWidths(): number[] {
    return this.buckets.map((b) => b.width);
  }

  protected integrate(l: number, x: Float64Array, sum: Float64Array): void {
    const { rows, size: n, weight } = this.model.layers[l];
    const { width, slotDecay, synapseSlot, state } = this.buckets[l];
    for (let s = 0; s < state.length; s++) state[s] *= slotDecay[s];
    // Event-driven: only active rows touch their weights.
    for (let r = 0, base = 0; r < rows; r++, base += n) {
      const count = x[r];
      if (count === 0) continue;
      if (synapseSlot === undefined) {
        for (let j = 0; j < n; j++) state[j] += count * weight[base + j];
      } else {
        for (let j = 0; j < n; j++) state[j * width + synapseSlot[base + j]] += count * weight[base + j];
      }
    }
    for (let j = 0, o = 0; j < n; j++) {
      let total = 0;
      for (let k = 0; k < width; k++, o++) total += state[o];
      sum[j] = total;
    }
  }

  protected clearCurrents(): void {
    for (const b of this.buckets) b.state.fill(0);
  }
}
