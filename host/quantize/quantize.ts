/** Float model -> fixed-point `.hsm` model (docs/quantization.md), with a report of what it changed. */
import { uniformNeuronRho, type FloatLayer, type FloatModel } from '../float/model.js';
import {
  DECAY_ONE_Q16,
  HSM_LIMITS,
  type BucketBits,
  type HsmLayer,
  type HsmModel,
  type LayerKind,
} from '../model/hsm.js';
import { chooseLevels, q16ToTau, rhoToQ16, type LevelChoice } from './levels.js';
import { InputError } from '../util/input-error.js';

export type SparseMode = 'auto' | 'always' | 'never';

export interface QuantizeOptions {
  /** K: time-constant levels per layer, 1..64 (default 16); per-neuron layers use at most 16. */
  levels?: number;
  /** State guard bits below the weight LSB, 0..16 (default 8). */
  weightShift?: number;
  /** Compressed rows: when a layer has a mask and that is smaller (auto, the default), or always, or never. */
  sparse?: SparseMode;
}

export interface LayerQuantizeReport {
  kind: LayerKind;
  inputCount: number;
  neuronCount: number;
  /** Synapses stored in the file. */
  synapseCount: number;
  sparse: boolean;
  bucketBits: BucketBits;
  levelCount: number;
  /** Each level as a time constant in steps (Infinity: no decay), ascending. */
  levelTau: number[];
  /** |rho - rho of its level| over the present synapses. */
  rhoMaxError: number;
  rhoMeanError: number;
  /** Weights are round(w * 2^weightExponent). */
  weightExponent: number;
  weightShift: number;
  stateFracBits: number;
  /** RMS of (w - quantized w) over the RMS of w, present synapses. */
  weightRmsError: number;
  /** Non-zero weights that rounded to 0. */
  weightsZeroed: number;
  /** Weights beyond +-127 after scaling (0 with the max-based scale; counted, not assumed). */
  weightsClipped: number;
  /** Smallest and largest threshold in state LSB (spiking layers). */
  thresholdMin?: number | undefined;
  thresholdMax?: number | undefined;
}

export interface QuantizeReport {
  levels: number;
  weightShift: number;
  layers: LayerQuantizeReport[];
}

/** A float model that the `.hsm` format cannot hold, or options out of range. */
export class QuantizeError extends InputError {
  constructor(message: string) {
    super(message);
    this.name = 'QuantizeError';
  }
}

export const DEFAULT_LEVELS = 16;
export const DEFAULT_WEIGHT_SHIFT = 8;
const MAX_WEIGHT = 127;
const MAX_LEVELS_PER_NEURON = HSM_LIMITS.levelsNibble;
const MAX_LEVELS_NIBBLE = HSM_LIMITS.levelsNibble;
const MAX_LEVELS_BYTE = HSM_LIMITS.levelsByte;
const MAX_WEIGHT_SHIFT = HSM_LIMITS.weightShift;
const MAX_STATE_FRAC_BITS = HSM_LIMITS.stateFracBits;
const MAX_LAYERS = HSM_LIMITS.layers;
const MAX_U16 = HSM_LIMITS.u16;
const MAX_TEXT_BYTES = HSM_LIMITS.textBytes;
const I32_MIN = -(2 ** 31);
const I32_MAX = 2 ** 31 - 1;

/** Rounds half away from zero; exact, unlike Math.floor(|x| + 0.5) near 0.5. */
export function roundHalfAway(x: number): number {
  const a = Math.abs(x);
  const f = Math.floor(a);
  return Math.sign(x) * (a - f >= 0.5 ? f + 1 : f);
}

/** A rounded weight held to the i8 range the file stores. */
export function clampWeight(q: number): number {
  return Math.max(-MAX_WEIGHT, Math.min(MAX_WEIGHT, q));
}

/** The largest e with roundHalfAway(maxAbs * 2^e) <= 127 (0 for an all-zero layer). */
export function weightExponent(maxAbs: number): number {
  if (maxAbs === 0) return 0;
  let e = Math.floor(Math.log2((MAX_WEIGHT + 0.5) / maxAbs));
  // log2 is approximate; scaling by a power of two is exact, so settle e by testing.
  while (roundHalfAway(maxAbs * 2 ** e) > MAX_WEIGHT) e--;
  while (roundHalfAway(maxAbs * 2 ** (e + 1)) <= MAX_WEIGHT) e++;
  return e;
}

function utf8Bytes(text: string): number {
  return new TextEncoder().encode(text).length;
}

function checkFileLimits(model: FloatModel): void {
  if (model.layers.length > MAX_LAYERS) {
    throw new QuantizeError(`${model.layers.length} layers: a .hsm file holds at most ${MAX_LAYERS}`);
  }
  if (model.inputCount > MAX_U16)
    throw new QuantizeError(`inputCount ${model.inputCount} is over ${MAX_U16}`);
  model.layers.forEach((layer, l) => {
    if (layer.size > MAX_U16) throw new QuantizeError(`layers[${l}]: size ${layer.size} is over ${MAX_U16}`);
  });
  if (model.decision.skipSteps > MAX_U16) {
    throw new QuantizeError(`decision.skipSteps ${model.decision.skipSteps} is over ${MAX_U16}`);
  }
  if (utf8Bytes(model.name) > MAX_TEXT_BYTES) {
    throw new QuantizeError(`name is ${utf8Bytes(model.name)} UTF-8 bytes; at most ${MAX_TEXT_BYTES} fit`);
  }
  model.labels.forEach((label, c) => {
    const bytes = utf8Bytes(label);
    if (bytes < 1 || bytes > MAX_TEXT_BYTES) {
      throw new QuantizeError(`labels[${c}] is ${bytes} UTF-8 bytes; 1..${MAX_TEXT_BYTES} fit`);
    }
  });
}

function checkOptions(levels: number, weightShift: number): void {
  if (!Number.isInteger(levels) || levels < 1 || levels > MAX_LEVELS_BYTE) {
    throw new QuantizeError(`levels ${levels} is not an integer in [1, ${MAX_LEVELS_BYTE}]`);
  }
  if (!Number.isInteger(weightShift) || weightShift < 0 || weightShift > MAX_WEIGHT_SHIFT) {
    throw new QuantizeError(`weightShift ${weightShift} is not an integer in [0, ${MAX_WEIGHT_SHIFT}]`);
  }
}

function isPresent(layer: FloatLayer, s: number): boolean {
  return layer.mask === undefined || layer.mask[s] === 1;
}

interface LayerLevels {
  bucketBits: BucketBits;
  levelsQ16: number[];
  neuronLevel?: Uint8Array;
  /** Per synapse of the layer (model order); absent synapses get level 0. */
  synapseLevel?: Uint8Array;
}

/** chooseLevels, with its complaint (too few levels for the exact ones) turned into the layer's. */
function levelsOrThrow(rho: ArrayLike<number>, levels: number, where: string): LevelChoice {
  try {
    return chooseLevels(rho, levels);
  } catch (error) {
    if (error instanceof RangeError) throw new QuantizeError(`${where}: ${error.message}`);
    throw error;
  }
}

function chooseLayerLevels(layer: FloatLayer, levels: number, where: string): LayerLevels {
  const neuronRho = uniformNeuronRho(layer);
  if (neuronRho !== undefined) {
    const choice = levelsOrThrow(neuronRho, Math.min(levels, MAX_LEVELS_PER_NEURON), where);
    return { bucketBits: 0, levelsQ16: choice.levelsQ16, neuronLevel: choice.assignment };
  }
  const present: number[] = [];
  for (let s = 0; s < layer.rho.length; s++) if (isPresent(layer, s)) present.push(s);
  const choice = levelsOrThrow(
    present.map((s) => layer.rho[s]),
    levels,
    where,
  );
  const synapseLevel = new Uint8Array(layer.rho.length);
  present.forEach((s, p) => (synapseLevel[s] = choice.assignment[p]));
  const bucketBits = choice.levelsQ16.length <= MAX_LEVELS_NIBBLE ? 4 : 8;
  return { bucketBits, levelsQ16: choice.levelsQ16, synapseLevel };
}

function levelBytes(bucketBits: BucketBits, synapses: number): number {
  return bucketBits === 8 ? synapses : bucketBits === 4 ? Math.ceil(synapses / 2) : 0;
}

function pad4(bytes: number): number {
  return Math.ceil(bytes / 4) * 4;
}

function useSparse(layer: FloatLayer, mode: SparseMode, bucketBits: BucketBits): boolean {
  if (mode !== 'auto') return mode === 'always';
  if (layer.mask === undefined) return false;
  let present = 0;
  for (let s = 0; s < layer.mask.length; s++) present += layer.mask[s];
  const all = layer.mask.length;
  const dense = pad4(all) + pad4(levelBytes(bucketBits, all));
  const sparse =
    4 * (layer.rows + 1) + pad4(2 * present) + pad4(present) + pad4(levelBytes(bucketBits, present));
  return sparse < dense;
}

function toI32(x: number, what: string): number {
  const q = roundHalfAway(x);
  if (q < I32_MIN || q > I32_MAX) throw new QuantizeError(`${what} = ${q} state LSB does not fit i32`);
  return q;
}

function quantizeLayer(
  layer: FloatLayer,
  l: number,
  levels: number,
  weightShift: number,
  sparseMode: SparseMode,
): { hsm: HsmLayer; report: LayerQuantizeReport } {
  const { kind, rows, size, weight, rho } = layer;
  const where = `layers[${l}]`;
  const chosen = chooseLayerLevels(layer, levels, where);
  const levelOf = (s: number): number =>
    chosen.neuronLevel !== undefined ? chosen.neuronLevel[s % size] : (chosen.synapseLevel as Uint8Array)[s];

  let maxAbs = 0;
  for (let s = 0; s < weight.length; s++) {
    if (isPresent(layer, s)) maxAbs = Math.max(maxAbs, Math.abs(weight[s]));
  }
  const e = weightExponent(maxAbs);
  const stateFracBits = e + weightShift;
  if (stateFracBits < 0 || stateFracBits > MAX_STATE_FRAC_BITS) {
    throw new QuantizeError(
      `${where}: weights up to ${maxAbs} need weight LSB 2^${-e}, so stateFracBits = ${stateFracBits}, ` +
        `outside 0..${MAX_STATE_FRAC_BITS}: rescale the layer`,
    );
  }

  const sparse = useSparse(layer, sparseMode, chosen.bucketBits);
  const synapses: number[] = [];
  const rowStart = new Uint32Array(rows + 1);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < size; j++) if (!sparse || isPresent(layer, r * size + j)) synapses.push(r * size + j);
    rowStart[r + 1] = synapses.length;
  }

  const qWeight = new Int8Array(synapses.length);
  const scale = 2 ** e;
  let zeroed = 0;
  let clipped = 0;
  let errorSquares = 0;
  let weightSquares = 0;
  let rhoErrorSum = 0;
  let rhoErrorMax = 0;
  let presentCount = 0;
  synapses.forEach((s, i) => {
    const q = roundHalfAway(weight[s] * scale);
    const clamped = clampWeight(q);
    qWeight[i] = clamped;
    if (!isPresent(layer, s)) return;
    presentCount++;
    if (clamped !== q) clipped++;
    if (clamped === 0 && weight[s] !== 0) zeroed++;
    errorSquares += (weight[s] - clamped / scale) ** 2;
    weightSquares += weight[s] ** 2;
    const rhoError = Math.abs(rho[s] - chosen.levelsQ16[levelOf(s)] / DECAY_ONE_Q16);
    rhoErrorSum += rhoError;
    rhoErrorMax = Math.max(rhoErrorMax, rhoError);
  });

  const stateScale = 2 ** stateFracBits;
  const threshold =
    layer.threshold === undefined
      ? undefined
      : Int32Array.from(layer.threshold, (theta, j) =>
          // A positive threshold below half a state LSB still has to be a valid (>= 1) one.
          Math.max(1, toI32(theta * stateScale, `${where}.threshold[${j}]`)),
        );
  const drive = Int32Array.from(layer.drive, (b, j) => toI32(b * stateScale, `${where}.drive[${j}]`));

  const hsm: HsmLayer = {
    kind,
    inputCount: layer.inputCount,
    neuronCount: size,
    bucketBits: chosen.bucketBits,
    levelDecayQ16: chosen.levelsQ16,
    resetDecayQ16: kind === 'readout' ? 0 : rhoToQ16(layer.resetRho),
    weightShift,
    stateFracBits,
    threshold,
    drive,
    neuronLevel: chosen.neuronLevel,
    sparse: sparse ? { rowStart, column: Uint16Array.from(synapses, (s) => s % size) } : undefined,
    weight: qWeight,
    synapseLevel: chosen.synapseLevel === undefined ? undefined : Uint8Array.from(synapses, levelOf),
  };
  const report: LayerQuantizeReport = {
    kind,
    inputCount: layer.inputCount,
    neuronCount: size,
    synapseCount: synapses.length,
    sparse,
    bucketBits: chosen.bucketBits,
    levelCount: chosen.levelsQ16.length,
    levelTau: chosen.levelsQ16.map(q16ToTau),
    rhoMaxError: rhoErrorMax,
    rhoMeanError: presentCount === 0 ? 0 : rhoErrorSum / presentCount,
    weightExponent: e,
    weightShift,
    stateFracBits,
    weightRmsError: weightSquares === 0 ? 0 : Math.sqrt(errorSquares / weightSquares),
    weightsZeroed: zeroed,
    weightsClipped: clipped,
    thresholdMin: threshold?.reduce((a, b) => Math.min(a, b)),
    thresholdMax: threshold?.reduce((a, b) => Math.max(a, b)),
  };
  return { hsm, report };
}

/** Quantizes a float model to the `.hsm` integers and reports what that cost, layer by layer. */
export function quantize(
  model: FloatModel,
  opts: QuantizeOptions = {},
): { hsm: HsmModel; report: QuantizeReport } {
  const levels = opts.levels ?? DEFAULT_LEVELS;
  const weightShift = opts.weightShift ?? DEFAULT_WEIGHT_SHIFT;
  checkOptions(levels, weightShift);
  checkFileLimits(model);
  const results = model.layers.map((layer, l) =>
    quantizeLayer(layer, l, levels, weightShift, opts.sparse ?? 'auto'),
  );
  return {
    hsm: {
      name: model.name,
      timestepUs: model.timestepUs,
      inputCount: model.inputCount,
      decision: { ...model.decision },
      labels: [...model.labels],
      layers: results.map((r) => r.hsm),
    },
    report: { levels, weightShift, layers: results.map((r) => r.report) },
  };
}
