/**
 * The float model's JSON form (docs/float-model.md): parsed with a path-naming error for anything
 * malformed, and written back. The JSON's matrices are [out][in] (PyTorch's nn.Linear), so parsing
 * transposes into the internal layout of model.ts.
 */
import { printable, quoted } from '../util/printable.js';
import type { DecisionMode, LayerKind } from '../model/hsm.js';
import { InputError } from '../util/input-error.js';
import { readInputFile } from '../util/read-file.js';
import {
  DEFAULT_RESET_RHO,
  DEFAULT_TIMESTEP_US,
  FLOAT_MODEL_FORMAT,
  FLOAT_MODEL_VERSION,
  type FloatLayer,
  type FloatModel,
  uniformNeuronRho,
} from './model.js';

export type RhoJson = number | number[] | number[][];
export type MaskJson = (number | boolean)[][];

export interface FloatLayerJson {
  kind: LayerKind;
  size: number;
  weights: number[][];
  recurrentWeights?: number[][];
  rho: RhoJson;
  recurrentRho?: RhoJson;
  threshold?: number | number[];
  drive?: number | number[];
  resetRho?: number;
  mask?: MaskJson;
  recurrentMask?: MaskJson;
}

export interface FloatModelJson {
  format: typeof FLOAT_MODEL_FORMAT;
  version: typeof FLOAT_MODEL_VERSION;
  name?: string;
  labels: string[];
  timestepUs?: number;
  inputCount: number;
  decision?: { mode: DecisionMode; skipSteps: number };
  layers: FloatLayerJson[];
  /** Free-form (training run, data set, accuracy); ignored by the parser. */
  meta?: unknown;
}

/** A float model that is not well formed; `path` is where in the JSON, e.g. `layers[1].rho[3][7]`. */
export class FloatModelError extends InputError {
  constructor(
    readonly path: string,
    detail: string,
  ) {
    super(`${path}: ${detail}`);
    this.name = 'FloatModelError';
  }
}

const LAYER_KINDS: readonly LayerKind[] = ['feedforward', 'recurrent', 'readout'];
const MODEL_KEYS = [
  'format',
  'version',
  'name',
  'labels',
  'timestepUs',
  'inputCount',
  'decision',
  'layers',
  'meta',
];
const LAYER_KEYS = [
  'kind',
  'size',
  'weights',
  'recurrentWeights',
  'rho',
  'recurrentRho',
  'threshold',
  'drive',
  'resetRho',
  'mask',
  'recurrentMask',
];
const MAX_U32 = 0xffffffff;

function fail(path: string, detail: string): never {
  throw new FloatModelError(path, detail);
}

function show(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  if (typeof value === 'string') return quoted(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  return Array.isArray(value) ? `an array of ${value.length}` : typeof value;
}

function field(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function object(value: unknown, path: string, allowed: readonly string[]): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(path || '(root)', `expected an object, got ${show(value)}`);
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!allowed.includes(key)) fail(field(path, key), 'unknown field');
  }
  return record;
}

function finite(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value))
    fail(path, `expected a finite number, got ${show(value)}`);
  return value;
}

function integer(value: unknown, path: string, min: number, max: number): number {
  const n = finite(value, path);
  if (!Number.isInteger(n) || n < min || n > max) fail(path, `${n} is not an integer in [${min}, ${max}]`);
  return n;
}

function unitInterval(value: unknown, path: string): number {
  const x = finite(value, path);
  if (x < 0 || x > 1) fail(path, `${x} is outside [0, 1]`);
  return x;
}

function positive(value: unknown, path: string): number {
  const x = finite(value, path);
  if (x <= 0) fail(path, `${x} must be > 0`);
  return x;
}

function maskBit(value: unknown, path: string): number {
  if (value === 0 || value === false) return 0;
  if (value === 1 || value === true) return 1;
  return fail(path, `expected 0 or 1, got ${show(value)}`);
}

function array(value: unknown, path: string, length: number, what: string): unknown[] {
  if (!Array.isArray(value)) fail(path, `expected an array of ${length} ${what}, got ${show(value)}`);
  if (value.length !== length) fail(path, `expected ${length} ${what}, got ${value.length}`);
  return value;
}

type Check = (value: unknown, path: string) => number;

/**
 * Reads a JSON [size][cols] matrix into the row-major layout at rows rowOffset.., transposing:
 * JSON entry [j][i] lands at (rowOffset + i) * size + j.
 */
function readMatrix(
  value: unknown,
  path: string,
  size: number,
  cols: number,
  target: Float64Array | Uint8Array,
  rowOffset: number,
  check: Check,
): void {
  const outer = array(value, path, size, 'rows');
  for (let j = 0; j < size; j++) {
    const rowPath = `${path}[${j}]`;
    const inner = array(outer[j], rowPath, cols, 'entries');
    for (let i = 0; i < cols; i++) target[(rowOffset + i) * size + j] = check(inner[i], `${rowPath}[${i}]`);
  }
}

/** Reads a scalar or per-neuron value into a Float64Array of `size`. */
function readPerNeuron(value: unknown, path: string, size: number, check: Check): Float64Array {
  const out = new Float64Array(size);
  if (Array.isArray(value)) {
    const values = array(value, path, size, 'entries');
    for (let j = 0; j < size; j++) out[j] = check(values[j], `${path}[${j}]`);
  } else {
    out.fill(check(value, path));
  }
  return out;
}

type RhoForm = 'scalar' | 'neuron' | 'synapse';

/** Reads a rho in any of its three shapes into rows rowOffset .. rowOffset + cols - 1. */
function readRho(
  value: unknown,
  path: string,
  size: number,
  cols: number,
  target: Float64Array,
  rowOffset: number,
): RhoForm {
  if (Array.isArray(value) && value.length > 0 && Array.isArray(value[0])) {
    readMatrix(value, path, size, cols, target, rowOffset, unitInterval);
    return 'synapse';
  }
  const perNeuron = readPerNeuron(value, path, size, unitInterval);
  for (let i = 0; i < cols; i++) target.set(perNeuron, (rowOffset + i) * size);
  return Array.isArray(value) ? 'neuron' : 'scalar';
}

function parseLayer(value: unknown, path: string, inputCount: number, isLast: boolean): FloatLayer {
  const json = object(value, path, LAYER_KEYS);
  const kindPath = field(path, 'kind');
  if (typeof json.kind !== 'string' || !LAYER_KINDS.includes(json.kind as LayerKind)) {
    fail(kindPath, `expected one of ${LAYER_KINDS.join(', ')}, got ${show(json.kind)}`);
  }
  const kind = json.kind as LayerKind;
  if (isLast && kind !== 'readout') fail(kindPath, 'the last layer must be a readout');
  if (!isLast && kind === 'readout') fail(kindPath, 'only the last layer may be a readout');
  const recurrent = kind === 'recurrent';
  const spiking = kind !== 'readout';
  for (const key of ['recurrentWeights', 'recurrentRho', 'recurrentMask']) {
    if (!recurrent && json[key] !== undefined) fail(field(path, key), `only a recurrent layer has ${key}`);
  }
  for (const key of ['threshold', 'resetRho']) {
    if (!spiking && json[key] !== undefined) fail(field(path, key), `a readout has no ${key}`);
  }

  const size = integer(json.size, field(path, 'size'), 1, MAX_U32);
  // Check the weights' outer shape before allocating from the sizes, so a hostile size is a
  // FloatModelError and not an allocation failure.
  const weightsPath = field(path, 'weights');
  array(array(json.weights, weightsPath, size, 'rows')[0], `${weightsPath}[0]`, inputCount, 'entries');
  const rows = inputCount + (recurrent ? size : 0);
  const weight = new Float64Array(rows * size);
  const rho = new Float64Array(rows * size);
  readMatrix(json.weights, weightsPath, size, inputCount, weight, 0, finite);
  const rhoForm = readRho(json.rho, field(path, 'rho'), size, inputCount, rho, 0);
  if (recurrent) {
    const recPath = field(path, 'recurrentWeights');
    if (json.recurrentWeights === undefined) fail(recPath, 'a recurrent layer needs recurrentWeights');
    readMatrix(json.recurrentWeights, recPath, size, size, weight, inputCount, finite);
    if (json.recurrentRho !== undefined) {
      readRho(json.recurrentRho, field(path, 'recurrentRho'), size, size, rho, inputCount);
    } else if (rhoForm === 'synapse') {
      fail(field(path, 'recurrentRho'), 'required when rho is given per synapse');
    } else {
      for (let i = 0; i < size; i++) rho.copyWithin((inputCount + i) * size, 0, size);
    }
  }

  let mask: Uint8Array | undefined;
  if (json.mask !== undefined || json.recurrentMask !== undefined) {
    mask = new Uint8Array(rows * size).fill(1);
    if (json.mask !== undefined)
      readMatrix(json.mask, field(path, 'mask'), size, inputCount, mask, 0, maskBit);
    if (json.recurrentMask !== undefined) {
      readMatrix(json.recurrentMask, field(path, 'recurrentMask'), size, size, mask, inputCount, maskBit);
    }
    for (let s = 0; s < mask.length; s++) {
      if (mask[s] === 0) {
        weight[s] = 0;
        rho[s] = 0;
      }
    }
  }

  let threshold: Float64Array | undefined;
  if (spiking) {
    const thresholdPath = field(path, 'threshold');
    if (json.threshold === undefined) fail(thresholdPath, 'a spiking layer needs a threshold');
    threshold = readPerNeuron(json.threshold, thresholdPath, size, positive);
  }
  const drive =
    json.drive === undefined
      ? new Float64Array(size)
      : readPerNeuron(json.drive, field(path, 'drive'), size, finite);
  const resetRho = !spiking
    ? 0
    : json.resetRho === undefined
      ? DEFAULT_RESET_RHO
      : unitInterval(json.resetRho, field(path, 'resetRho'));
  return { kind, inputCount, size, rows, weight, rho, mask, threshold, drive, resetRho };
}

function parseLabels(value: unknown, readoutSize: number): string[] {
  if (!Array.isArray(value)) fail('labels', `expected an array of strings, got ${show(value)}`);
  const labels = value.map((label, c) => {
    if (typeof label !== 'string' || label === '')
      fail(`labels[${c}]`, `expected a non-empty string, got ${show(label)}`);
    return label;
  });
  if (labels.length !== readoutSize)
    fail('labels', `${labels.length} labels for a readout of ${readoutSize} neurons`);
  return labels;
}

function parseDecision(value: unknown): FloatModel['decision'] {
  if (value === undefined) return { mode: 'sum', skipSteps: 0 };
  const json = object(value, 'decision', ['mode', 'skipSteps']);
  if (json.mode !== 'sum') fail('decision.mode', `expected "sum", got ${show(json.mode)}`);
  return { mode: 'sum', skipSteps: integer(json.skipSteps ?? 0, 'decision.skipSteps', 0, MAX_U32) };
}

/** Validates a float model in its JSON form and normalises it (see the file comment). */
export function parseFloatModel(json: unknown): FloatModel {
  const root = object(json, '', MODEL_KEYS);
  if (root.format !== FLOAT_MODEL_FORMAT)
    fail('format', `expected "${FLOAT_MODEL_FORMAT}", got ${show(root.format)}`);
  if (root.version !== FLOAT_MODEL_VERSION) {
    fail('version', `this reader knows version ${FLOAT_MODEL_VERSION}, got ${show(root.version)}`);
  }
  if (root.name !== undefined && typeof root.name !== 'string')
    fail('name', `expected a string, got ${show(root.name)}`);
  const name = root.name ?? '';
  const timestepUs = integer(root.timestepUs ?? DEFAULT_TIMESTEP_US, 'timestepUs', 1, MAX_U32);
  const inputCount = integer(root.inputCount, 'inputCount', 1, MAX_U32);
  const decision = parseDecision(root.decision);
  if (!Array.isArray(root.layers) || root.layers.length === 0) {
    fail('layers', `expected a non-empty array of layers, got ${show(root.layers)}`);
  }
  const layerJson = root.layers;
  const layers: FloatLayer[] = [];
  let feeding = inputCount;
  for (let l = 0; l < layerJson.length; l++) {
    const layer = parseLayer(layerJson[l], `layers[${l}]`, feeding, l === layerJson.length - 1);
    layers.push(layer);
    feeding = layer.size;
  }
  const labels = parseLabels(root.labels, feeding);
  return { name, labels, timestepUs, inputCount, decision, layers };
}

/** The inverse of readMatrix: rows rowOffset .. rowOffset + cols - 1 back to a JSON [size][cols]. */
function toMatrix(values: ArrayLike<number>, size: number, rowOffset: number, cols: number): number[][] {
  const out: number[][] = [];
  for (let j = 0; j < size; j++) {
    const row: number[] = [];
    for (let i = 0; i < cols; i++) row.push(values[(rowOffset + i) * size + j]);
    out.push(row);
  }
  return out;
}

function compact(values: Float64Array): number | number[] {
  return values.every((x) => x === values[0]) ? values[0] : Array.from(values);
}

function layerToJson(layer: FloatLayer): FloatLayerJson {
  const { kind, size, inputCount, weight, rho, mask } = layer;
  const recurrent = kind === 'recurrent';
  const neuronRho = uniformNeuronRho(layer);
  const json: FloatLayerJson = {
    kind,
    size,
    weights: toMatrix(weight, size, 0, inputCount),
    rho: neuronRho !== undefined ? compact(neuronRho) : toMatrix(rho, size, 0, inputCount),
  };
  if (recurrent) {
    json.recurrentWeights = toMatrix(weight, size, inputCount, size);
    if (neuronRho === undefined) json.recurrentRho = toMatrix(rho, size, inputCount, size);
  }
  if (layer.threshold !== undefined) json.threshold = compact(layer.threshold);
  json.drive = compact(layer.drive);
  if (kind !== 'readout') json.resetRho = layer.resetRho;
  if (mask !== undefined) {
    json.mask = toMatrix(mask, size, 0, inputCount);
    if (recurrent) json.recurrentMask = toMatrix(mask, size, inputCount, size);
  }
  return json;
}

/** The JSON form of a model, in its most compact shapes; parseFloatModel reads it back unchanged. */
export function floatModelToJson(model: FloatModel): FloatModelJson {
  return {
    format: FLOAT_MODEL_FORMAT,
    version: FLOAT_MODEL_VERSION,
    name: model.name,
    labels: [...model.labels],
    timestepUs: model.timestepUs,
    inputCount: model.inputCount,
    decision: { ...model.decision },
    layers: model.layers.map(layerToJson),
  };
}

/** A float model JSON file, parsed; an unreadable file, bad JSON or a bad model is an InputError. */
export function readFloatModel(path: string): FloatModel {
  const text = new TextDecoder().decode(readInputFile(path, 'float model'));
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InputError(`${path} is not valid JSON: ${printable((error as Error).message)}`);
  }
  return parseFloatModel(json);
}
