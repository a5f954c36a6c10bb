/**
 * Shared by the engine and parser tests: small valid models, a seeded PRNG, and byte-level access to
 * .hsm files by field name (offsets from docs/model-format.md), so a test that breaks one field
 * says which field it breaks instead of patching a magic offset.
 */

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readHsm } from '../../host/model/hsm-reader.js';
import { writeHsm } from '../../host/model/hsm-writer.js';
import { crc32 } from '../../host/model/crc32.js';
import { boardImports } from '../../host/wasm/board-imports.js';
import { Prng } from '../../host/util/prng.js';
import { fileURLToPath } from 'node:url';
import { compileModule, DEFAULT_WASM_PATH } from '../../host/wasm/module.js';
import { STATUS_CODES } from '../../host/model/errors.js';
import type { BucketBits, HsmLayer, HsmModel, LayerKind } from '../../host/model/hsm.js';
import { defaultFrontend } from '../../host/model/frontend-config.js';
import type { RandomNetworkOptions } from '../../host/float/random-network.js';

/** The repository root: tests run from dist/tests/host/. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** A sample "yes" that the shipped gsc12-kws detects with its DETECT section: the tests that need a detection use it. */
export const GSC12_YES_CLIP = join(REPO_ROOT, 'models/samples/gsc12/yes/3b4f8f24_nohash_0.wav');

/** The name of a status code, so assertion failures read "BAD_SECTION" rather than 6. */
export function statusName(code: number): string {
  return STATUS_CODES.find((s) => s.code === code)?.name ?? `UNKNOWN_${code}`;
}

/** The exports of hetsyn.wasm that tests call directly, past the Engine wrapper. */
export interface RawExports {
  memory: WebAssembly.Memory;
  modelPlace(): number;
  modelLoad(base: number, bytes: number): number;
  modelLoaded(): number;
  step(count: number): number;
}

/** A fresh instance of build/hetsyn.wasm (no UART, no storage), for what the Engine wrapper does not let a test do. */
export function rawInstance(): RawExports {
  const holder: { exports?: RawExports } = {};
  const module = compileModule(DEFAULT_WASM_PATH);
  const imports = boardImports({ uart: null, storage: null }, () => holder.exports?.memory);
  holder.exports = new WebAssembly.Instance(module, imports).exports as unknown as RawExports;
  return holder.exports;
}

/**
 * Copies model bytes where a host puts them (modelPlace, memory grown from outside as Engine.load
 * does, with `spare` more bytes after them); returns their address for modelLoad.
 */
export function placeModel(raw: RawExports, bytes: Uint8Array, spare = 0): number {
  const at = raw.modelPlace();
  const missing = at + bytes.length + spare - raw.memory.buffer.byteLength;
  if (missing > 0) raw.memory.grow(Math.ceil(missing / 65536));
  new Uint8Array(raw.memory.buffer).set(bytes, at);
  return at;
}

/** The project's seeded PRNG with the draws the fixtures need, so every case reproduces from its seed. */
export class Rng extends Prng {
  /** 32 random bits as an unsigned integer. */
  u32(): number {
    return this.uniform() * 4294967296;
  }

  /** Uniform integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.uniform() < p;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[this.int(items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }
}

// ---------------------------------------------------------------------------------------------
// Valid models

/** A deterministic spread of i8 weights, so the small models have both signs and some spikes. */
function weights(count: number, salt: number): Int8Array {
  return Int8Array.from({ length: count }, (_, s) => ((s * 37 + salt * 11) % 71) - 25);
}

/**
 * 3 inputs -> recurrent 5 (levels per synapse in nibbles, K = 3) -> readout 3 (nibbles, K = 2).
 * Odd neuron counts put every other row's first synapse in a high nibble, and the readout's 15
 * synapses leave an unused high nibble at the end.
 */
export function tinyModel(overrides: Partial<HsmModel> = {}): HsmModel {
  return {
    name: 'tiny',
    timestepUs: 10000,
    inputCount: 3,
    decision: { mode: 'sum', skipSteps: 1 },
    labels: ['left', 'right', 'idle'],
    layers: [
      {
        kind: 'recurrent',
        inputCount: 3,
        neuronCount: 5,
        bucketBits: 4,
        levelDecayQ16: [65536, 61440, 32768],
        resetDecayQ16: 57344,
        weightShift: 8,
        stateFracBits: 12,
        threshold: Int32Array.from([6000, 5000, 7000, 4000, 9000]),
        drive: Int32Array.from([0, 500, -300, 0, 1000]),
        weight: weights(40, 1),
        synapseLevel: Uint8Array.from({ length: 40 }, (_, s) => s % 3),
      },
      {
        kind: 'readout',
        inputCount: 5,
        neuronCount: 3,
        bucketBits: 4,
        levelDecayQ16: [60000, 40000],
        resetDecayQ16: 0,
        weightShift: 8,
        stateFracBits: 12,
        drive: Int32Array.from([0, 100, -100]),
        weight: weights(15, 2),
        synapseLevel: Uint8Array.from({ length: 15 }, (_, s) => s % 2),
      },
    ],
    ...overrides,
  };
}

/**
 * 3 inputs -> sparse feed-forward 4 (levels in bytes, K = 5) -> sparse recurrent 3 (nibbles, K = 3,
 * 9 synapses) -> sparse readout 2 (one level per neuron). Rows of 0 to 3 synapses.
 */
export function sparseModel(): HsmModel {
  return {
    name: 'sparse',
    timestepUs: 1000,
    inputCount: 3,
    decision: { mode: 'sum', skipSteps: 0 },
    labels: ['yes', 'no'],
    layers: [
      {
        kind: 'feedforward',
        inputCount: 3,
        neuronCount: 4,
        bucketBits: 8,
        levelDecayQ16: [65536, 64000, 60000, 50000, 0],
        resetDecayQ16: 60000,
        weightShift: 8,
        stateFracBits: 10,
        threshold: Int32Array.from([5000, 6000, 7000, 8000]),
        drive: Int32Array.from([10, 0, -10, 0]),
        sparse: { rowStart: Uint32Array.from([0, 2, 2, 5]), column: Uint16Array.from([0, 2, 1, 2, 3]) },
        weight: Int8Array.from([60, -30, 45, 50, 70]),
        synapseLevel: Uint8Array.from([0, 4, 1, 2, 3]),
      },
      {
        kind: 'recurrent',
        inputCount: 4,
        neuronCount: 3,
        bucketBits: 4,
        levelDecayQ16: [65000, 62000, 30000],
        resetDecayQ16: 65536,
        weightShift: 6,
        stateFracBits: 8,
        threshold: Int32Array.from([1500, 2000, 2500]),
        drive: Int32Array.from([0, 0, 0]),
        // Rows: inputs 0..3, then the layer's own neurons 0..2.
        sparse: {
          rowStart: Uint32Array.from([0, 2, 3, 3, 6, 7, 8, 9]),
          column: Uint16Array.from([0, 1, 2, 0, 1, 2, 1, 2, 0]),
        },
        weight: Int8Array.from([40, 30, 50, 20, -10, 35, 25, -40, 45]),
        synapseLevel: Uint8Array.from([0, 1, 2, 0, 1, 2, 0, 1, 2]),
      },
      {
        kind: 'readout',
        inputCount: 3,
        neuronCount: 2,
        bucketBits: 0,
        levelDecayQ16: [50000],
        resetDecayQ16: 0,
        weightShift: 4,
        stateFracBits: 8,
        drive: Int32Array.from([0, 0]),
        neuronLevel: Uint8Array.from([0, 0]),
        sparse: { rowStart: Uint32Array.from([0, 2, 3, 4]), column: Uint16Array.from([0, 1, 1, 0]) },
        weight: Int8Array.from([10, -10, 20, 30]),
      },
    ],
  };
}

/** 3 inputs -> dense feed-forward 5 with one level per neuron (K = 2) -> readout 2 (bytes, K = 3). */
export function perNeuronModel(): HsmModel {
  return {
    name: 'per-neuron',
    timestepUs: 10000,
    inputCount: 3,
    decision: { mode: 'sum', skipSteps: 2 },
    labels: ['a', 'b'],
    layers: [
      {
        kind: 'feedforward',
        inputCount: 3,
        neuronCount: 5,
        bucketBits: 0,
        levelDecayQ16: [61000, 32768],
        resetDecayQ16: 0,
        weightShift: 8,
        stateFracBits: 12,
        threshold: Int32Array.from([5000, 5000, 6000, 3000, 9000]),
        drive: Int32Array.from([0, 0, 0, 100, 0]),
        neuronLevel: Uint8Array.from([0, 1, 0, 1, 1]),
        weight: weights(15, 3),
      },
      {
        kind: 'readout',
        inputCount: 5,
        neuronCount: 2,
        bucketBits: 8,
        levelDecayQ16: [65536, 55000, 20000],
        resetDecayQ16: 0,
        weightShift: 8,
        stateFracBits: 12,
        drive: Int32Array.from([0, 0]),
        weight: weights(10, 4),
        synapseLevel: Uint8Array.from({ length: 10 }, (_, s) => s % 3),
      },
    ],
  };
}

export const VARIANTS: readonly { name: string; model: () => HsmModel }[] = [
  { name: 'tiny (recurrent, nibbles)', model: () => tinyModel() },
  { name: 'sparse (bytes, nibbles, per neuron)', model: sparseModel },
  { name: 'per-neuron (dense, bytes)', model: perNeuronModel },
];

// ---------------------------------------------------------------------------------------------
// Random float networks

/**
 * Shapes of random float networks (host/float/random-network.ts), one per way a network holds its
 * time constants, for the tests that run two simulations of one network side by side (fixed point
 * against float, bucketed against the reference). Each keeps its seed, so a case reproduces.
 */
export const NETWORK_LAYOUTS = {
  /** A recurrent HetSyn layer, a time constant per synapse (K = 16). */
  perSynapse: {
    seed: 1,
    inputCount: 24,
    layers: [
      { kind: 'recurrent', size: 32 },
      { kind: 'readout', size: 4 },
    ],
  },
  /** Two recurrent layers, K = 8, heterogeneous thresholds and drives. */
  twoRecurrent: {
    seed: 2,
    inputCount: 30,
    levels: 8,
    heterogeneous: true,
    layers: [
      { kind: 'recurrent', size: 24 },
      { kind: 'recurrent', size: 16 },
      { kind: 'readout', size: 3 },
    ],
  },
  /** A time constant per neuron (one level per neuron). */
  perNeuron: {
    seed: 3,
    inputCount: 20,
    rhoMode: 'neuron',
    levels: 5,
    layers: [
      { kind: 'feedforward', size: 32 },
      { kind: 'readout', size: 2 },
    ],
  },
  /** Vanilla LIF: one time constant per layer. */
  perLayer: {
    seed: 4,
    inputCount: 16,
    rhoMode: 'layer',
    layers: [
      { kind: 'recurrent', size: 24 },
      { kind: 'readout', size: 2 },
    ],
  },
  /** Sparse connectivity (30% of synapses), four layers. */
  sparseDeep: {
    seed: 5,
    inputCount: 40,
    density: 0.3,
    levels: 6,
    layers: [
      { kind: 'feedforward', size: 32 },
      { kind: 'recurrent', size: 24 },
      { kind: 'feedforward', size: 16 },
      { kind: 'readout', size: 5 },
    ],
  },
} satisfies Record<string, RandomNetworkOptions>;

// ---------------------------------------------------------------------------------------------
// Random valid models

export interface LayerSpec {
  kind: LayerKind;
  neuronCount: number;
  bucketBits: BucketBits;
  levelCount: number;
  /** Probability that a synapse exists; absent: dense. */
  density?: number;
  weightShift?: number;
}

function randomDecay(rng: Rng): number {
  // Mostly slow decays as trained models have them, with the exact ends of the range mixed in.
  if (rng.chance(0.1)) return 65536;
  if (rng.chance(0.05)) return 0;
  return 65536 - rng.int(rng.chance(0.5) ? 6000 : 40000);
}

/** A valid layer: random parameters for the given shape, thresholds reachable by a few weights. */
function randomLayer(rng: Rng, spec: LayerSpec, inputCount: number): HsmLayer {
  const { kind, neuronCount: n, bucketBits, levelCount: K } = spec;
  const rows = inputCount + (kind === 'recurrent' ? n : 0);
  const weightShift = spec.weightShift ?? 8;
  let sparse: HsmLayer['sparse'];
  let synapses = rows * n;
  if (spec.density !== undefined) {
    const rowStart = new Uint32Array(rows + 1);
    const column: number[] = [];
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < n; j++) if (rng.chance(spec.density)) column.push(j);
      rowStart[r + 1] = column.length;
    }
    sparse = { rowStart, column: Uint16Array.from(column) };
    synapses = column.length;
  }
  const unit = 2 ** weightShift;
  const layer: HsmLayer = {
    kind,
    inputCount,
    neuronCount: n,
    bucketBits,
    levelDecayQ16: Array.from({ length: K }, () => randomDecay(rng)),
    resetDecayQ16: kind === 'readout' ? 0 : randomDecay(rng),
    weightShift,
    stateFracBits: rng.range(0, 62),
    drive: Int32Array.from({ length: n }, () => rng.range(-4, 4) * unit),
    weight: Int8Array.from({ length: synapses }, () => rng.range(-128, 127)),
  };
  if (sparse) layer.sparse = sparse;
  if (kind !== 'readout') layer.threshold = Int32Array.from({ length: n }, () => rng.range(1, 120 * unit));
  if (bucketBits === 0) layer.neuronLevel = Uint8Array.from({ length: n }, () => rng.int(K));
  else layer.synapseLevel = Uint8Array.from({ length: synapses }, () => rng.int(K));
  return layer;
}

/** A valid model of these layer shapes (the last spec must be the readout). */
export function randomModel(
  rng: Rng,
  inputCount: number,
  specs: readonly LayerSpec[],
  name = 'random',
): HsmModel {
  const layers: HsmLayer[] = [];
  let feeding = inputCount;
  for (const spec of specs) {
    layers.push(randomLayer(rng, spec, feeding));
    feeding = spec.neuronCount;
  }
  const classes = specs[specs.length - 1]?.neuronCount ?? 0;
  return {
    name,
    timestepUs: rng.range(1, 100000),
    inputCount,
    decision: { mode: 'sum', skipSteps: rng.range(0, 3) },
    labels: Array.from({ length: classes }, (_, c) => `class ${c}`),
    layers,
  };
}

/**
 * A random model that takes audio: an 8 kHz front-end of `bands` bands feeding 2 * bands inputs,
 * a recurrent layer of `hidden`, and a readout of one neuron per label.
 */
export function audioModel(
  labels: string[],
  options: { name?: string; bands?: number; hidden?: number; seed?: number } = {},
): HsmModel {
  const { name = 'audio', bands = 8, hidden = 12, seed = 11 } = options;
  const model = randomModel(
    new Rng(seed),
    2 * bands,
    [
      { kind: 'recurrent', neuronCount: hidden, bucketBits: 4, levelCount: 4 },
      { kind: 'readout', neuronCount: labels.length, bucketBits: 4, levelCount: 2 },
    ],
    name,
  );
  return { ...model, labels, frontend: { ...defaultFrontend(8000), bands, encoding: 'delta' } };
}

/** `steps` random input lists: each channel spikes with probability `rate`, in increasing order. */
export function randomInputs(rng: Rng, inputCount: number, steps: number, rate: number): number[][] {
  return Array.from({ length: steps }, () => {
    const active: number[] = [];
    for (let c = 0; c < inputCount; c++) if (rng.chance(rate)) active.push(c);
    return active;
  });
}

// ---------------------------------------------------------------------------------------------
// Byte layout (docs/model-format.md), by field name

export const FILE_FIELD = { magic: 0, formatVersion: 4, flags: 6, fileBytes: 8, sectionCount: 12 } as const;
export const FILE_HEADER_BYTES = 16;
const CRC_BYTES = 4;
export const SECTION_FIELD = { id: 0, reserved: 2, payloadBytes: 4 } as const;
const SECTION_HEADER_BYTES = 8;
export const MODEL_FIELD = {
  timestepUs: 0,
  inputCount: 4,
  layerCount: 6,
  decisionMode: 8,
  reserved: 9,
  decisionSkipSteps: 10,
  nameBytes: 12,
  name: 13,
} as const;
export const LAYER_FIELD = {
  kind: 0,
  bucketBits: 1,
  levelCount: 2,
  flags: 3,
  inputCount: 4,
  neuronCount: 6,
  weightShift: 8,
  stateFracBits: 9,
  reserved: 10,
  resetDecayQ16: 12,
  synapseCount: 16,
} as const;
const LAYER_FIXED_BYTES = 20;

export type Scalar = 'u8' | 'i8' | 'u16' | 'u32' | 'i32';

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function peek(bytes: Uint8Array, at: number, type: Scalar): number {
  const v = view(bytes);
  switch (type) {
    case 'u8':
      return v.getUint8(at);
    case 'i8':
      return v.getInt8(at);
    case 'u16':
      return v.getUint16(at, true);
    case 'u32':
      return v.getUint32(at, true);
    case 'i32':
      return v.getInt32(at, true);
  }
}

/** Writes `value` at `at`; the value is taken modulo the type's width, as a splat would. */
export function poke(bytes: Uint8Array, at: number, type: Scalar, value: number): void {
  const v = view(bytes);
  switch (type) {
    case 'u8':
    case 'i8':
      v.setUint8(at, value & 0xff);
      return;
    case 'u16':
      v.setUint16(at, value & 0xffff, true);
      return;
    case 'u32':
    case 'i32':
      v.setUint32(at, value >>> 0, true);
      return;
  }
}

function pad4(x: number): number {
  return (x + 3) & ~3;
}

export interface SectionAt {
  id: number;
  /** Offset of the section header in the file. */
  at: number;
  /** Offset of the payload in the file. */
  payload: number;
  payloadBytes: number;
}

/** Section `index` of a file, found by walking the section headers from the first. */
export function sectionAt(bytes: Uint8Array, index: number): SectionAt {
  let at = FILE_HEADER_BYTES;
  for (let i = 0; ; i++) {
    const payloadBytes = peek(bytes, at + SECTION_FIELD.payloadBytes, 'u32');
    const section = { id: peek(bytes, at, 'u16'), at, payload: at + SECTION_HEADER_BYTES, payloadBytes };
    if (i === index) return section;
    at = section.payload + pad4(payloadBytes);
  }
}

const FRONTEND_SECTION_ID = 3;

/** The FRONTEND section of a file with the sections in spec order (section 2), if it has one. */
export function frontendSection(bytes: Uint8Array): SectionAt | undefined {
  const third = sectionAt(bytes, 2);
  return third.id === FRONTEND_SECTION_ID ? third : undefined;
}

/** In a file with the sections in spec order: MODEL is section 0, LABELS 1, then FRONTEND if present, then the layers. */
export function layerSection(bytes: Uint8Array, layer: number): SectionAt {
  return sectionAt(bytes, (frontendSection(bytes) ? 3 : 2) + layer);
}

export function modelField(bytes: Uint8Array, field: keyof typeof MODEL_FIELD): number {
  return sectionAt(bytes, 0).payload + MODEL_FIELD[field];
}

export function layerField(bytes: Uint8Array, layer: number, field: keyof typeof LAYER_FIELD): number {
  return layerSection(bytes, layer).payload + LAYER_FIELD[field];
}

const ARRAY_ELEMENT_BYTES = {
  levelDecayQ16: 4,
  threshold: 4,
  drive: 4,
  neuronLevel: 1,
  rowStart: 4,
  column: 2,
  weight: 1,
  /** Bytes of the stored array: with bucketBits 4, element b holds the levels of synapses 2b, 2b+1. */
  synapseLevel: 1,
} as const;
export type LayerArray = keyof typeof ARRAY_ELEMENT_BYTES;

/**
 * File offsets of a layer's arrays, computed from its header fields by the table in
 * docs/model-format.md (independently of the writer); `end` is where the padded arrays end.
 */
export function layerArrays(
  bytes: Uint8Array,
  layer: number,
): Partial<Record<LayerArray, number>> & { end: number } {
  const p = layerSection(bytes, layer).payload;
  const kind = peek(bytes, p + LAYER_FIELD.kind, 'u8');
  const bucketBits = peek(bytes, p + LAYER_FIELD.bucketBits, 'u8');
  const levelCount = peek(bytes, p + LAYER_FIELD.levelCount, 'u8');
  const sparse = (peek(bytes, p + LAYER_FIELD.flags, 'u8') & 1) !== 0;
  const n = peek(bytes, p + LAYER_FIELD.neuronCount, 'u16');
  const rows = peek(bytes, p + LAYER_FIELD.inputCount, 'u16') + (kind === 1 ? n : 0);
  const synapses = peek(bytes, p + LAYER_FIELD.synapseCount, 'u32');
  const arrays: Partial<Record<LayerArray, number>> = {};
  let at = p + LAYER_FIXED_BYTES;
  const place = (name: LayerArray, present: boolean, bytes: number): void => {
    if (!present) return;
    arrays[name] = at;
    at += pad4(bytes);
  };
  place('levelDecayQ16', true, 4 * levelCount);
  place('threshold', kind !== 2, 4 * n);
  place('drive', true, 4 * n);
  place('neuronLevel', bucketBits === 0, n);
  place('rowStart', sparse, 4 * (rows + 1));
  place('column', sparse, 2 * synapses);
  place('weight', true, synapses);
  place('synapseLevel', bucketBits !== 0, bucketBits === 4 ? (synapses + 1) >> 1 : synapses);
  return { ...arrays, end: at };
}

/** File offset of element `index` of one of a layer's arrays; throws if the layer lacks it. */
export function arrayAt(bytes: Uint8Array, layer: number, array: LayerArray, index = 0): number {
  const at = layerArrays(bytes, layer)[array];
  if (at === undefined) throw new Error(`layer ${layer} has no ${array} array`);
  return at + index * ARRAY_ELEMENT_BYTES[array];
}

// ---------------------------------------------------------------------------------------------
// Editing files

/** Rewrites the trailing CRC-32, so a mutation reaches the deeper checks. */
export function resealCrc(bytes: Uint8Array): Uint8Array {
  const body = bytes.length - CRC_BYTES;
  poke(bytes, body, 'u32', crc32(bytes.subarray(0, body)));
  return bytes;
}

/** A copy of `base` with `edit` applied and the CRC resealed. */
export function edited(base: Uint8Array, edit: (bytes: Uint8Array) => void): Uint8Array {
  const bytes = base.slice();
  edit(bytes);
  return resealCrc(bytes);
}

export interface RawSection {
  id: number;
  payload: Uint8Array;
  reserved?: number;
}

/** The sections of a well-formed file, in file order. */
export function splitSections(bytes: Uint8Array): RawSection[] {
  const count = peek(bytes, FILE_FIELD.sectionCount, 'u32');
  return Array.from({ length: count }, (_, i) => {
    const s = sectionAt(bytes, i);
    return { id: s.id, payload: bytes.slice(s.payload, s.payload + s.payloadBytes) };
  });
}

/**
 * A file around these sections: header (sectionCount = their number unless given), each section
 * padded, `trailing` bytes after the last one, fileBytes and CRC made consistent.
 */
export function assemble(
  sections: readonly RawSection[],
  options: { sectionCount?: number; trailing?: Uint8Array } = {},
): Uint8Array {
  const trailing = options.trailing ?? new Uint8Array(0);
  const size =
    FILE_HEADER_BYTES +
    sections.reduce((sum, s) => sum + SECTION_HEADER_BYTES + pad4(s.payload.length), 0) +
    trailing.length +
    CRC_BYTES;
  const bytes = new Uint8Array(size);
  bytes.set(new TextEncoder().encode('HSYN'));
  poke(bytes, FILE_FIELD.formatVersion, 'u16', 1);
  poke(bytes, FILE_FIELD.fileBytes, 'u32', size);
  poke(bytes, FILE_FIELD.sectionCount, 'u32', options.sectionCount ?? sections.length);
  let at = FILE_HEADER_BYTES;
  for (const s of sections) {
    poke(bytes, at + SECTION_FIELD.id, 'u16', s.id);
    poke(bytes, at + SECTION_FIELD.reserved, 'u16', s.reserved ?? 0);
    poke(bytes, at + SECTION_FIELD.payloadBytes, 'u32', s.payload.length);
    bytes.set(s.payload, at + SECTION_HEADER_BYTES);
    at += SECTION_HEADER_BYTES + pad4(s.payload.length);
  }
  bytes.set(trailing, at);
  return resealCrc(bytes);
}

/** Concatenates byte arrays (for building payloads by hand). */
export function concat(...parts: ArrayLike<number>[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A LABELS payload holding these raw label byte strings under this count. */
export function labelsPayload(count: number, labels: readonly Uint8Array[]): Uint8Array {
  return concat([count & 0xff, count >> 8], ...labels.flatMap((l) => [[l.length & 0xff], l]));
}

/**
 * The shipped gsc12 network with a detector that fires on most words (a margin of one float unit
 * over a 320 ms mean), written to `path`. The shipped settings, tuned for 2 false alarms per hour,
 * find few of the sample words, and tests that compare detections want several.
 */
export function eagerGsc12(path: string): string {
  const shipped = readHsm(new Uint8Array(readFileSync(join(REPO_ROOT, 'models/gsc12-kws.hsm'))));
  const thresholds = shipped.labels.map((label) => (label.startsWith('_') ? -1 : 32768));
  writeFileSync(
    path,
    writeHsm({ ...shipped, detect: { smoothingShift: 5, suppressSteps: 100, thresholds } }),
  );
  return path;
}
