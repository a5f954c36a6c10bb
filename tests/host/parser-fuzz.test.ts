/**
 * Random and mutated .hsm files through the .wasm parser. Whatever the bytes, a load must end in OK
 * or a load status code (1..20) and never in a trap, a RangeError or an abort; a rejected file
 * leaves no model loaded; a loaded one steps without trouble. Most mutations reseal the CRC so
 * they reach the checks behind it.
 *
 * Reproduce a failure with the seed and case it prints: HETSYN_FUZZ_SEED=<seed> node --test ...
 */

import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { openEngine } from '../../host/wasm/module.js';
import type { BucketBits, HsmModel, LayerKind } from '../../host/model/hsm.js';
import { writeHsm } from '../../host/model/hsm-writer.js';
import { statusCode } from '../../host/model/errors.js';
import {
  assemble,
  FILE_FIELD,
  FILE_HEADER_BYTES,
  frontendSection,
  LAYER_FIELD,
  layerArrays,
  layerSection,
  MODEL_FIELD,
  peek,
  poke,
  randomModel,
  rawInstance,
  resealCrc,
  Rng,
  SECTION_FIELD,
  sectionAt,
  splitSections,
  statusName,
  VARIANTS,
  type LayerArray,
  type LayerSpec,
  type Scalar,
  placeModel,
} from './fixtures.js';

const SEED = Number(process.env.HETSYN_FUZZ_SEED ?? 0x5eed2024) >>> 0;
// What a load may answer: OK..TOO_LARGE and BAD_FRONTEND (NO_MODEL and BAD_INPUT are step codes).
const LOAD_CODES = new Set([...Array.from({ length: 21 }, (_, code) => code), statusCode('BAD_FRONTEND')]);
const STEPS_PER_MODEL = 4;
const engine = openEngine();
/** A second instance that loads each file with 0xFF bytes after it (see poisonedLoad). */
const poisoned = rawInstance();
const POISON_BYTES = 256;

// ---------------------------------------------------------------------------------------------
// Random valid models

function randomShape(rng: Rng): { inputCount: number; specs: LayerSpec[] } {
  const layers = rng.range(1, 4);
  const specs: LayerSpec[] = [];
  for (let l = 0; l < layers; l++) {
    const kind: LayerKind = l === layers - 1 ? 'readout' : rng.pick(['feedforward', 'recurrent'] as const);
    const bucketBits = rng.pick<BucketBits>([0, 4, 8]);
    const maxLevels = bucketBits === 8 ? 64 : 16;
    const spec: LayerSpec = {
      kind,
      neuronCount: rng.range(1, 9),
      bucketBits,
      levelCount: rng.chance(0.7) ? rng.range(1, 4) : rng.range(1, maxLevels),
      weightShift: rng.chance(0.1) ? 16 : rng.range(0, 10),
    };
    if (rng.chance(0.4)) spec.density = rng.pick([0, 0.2, 0.5, 0.9, 1]);
    specs.push(spec);
  }
  return { inputCount: rng.range(1, 10), specs };
}

/** `frontend`: always give it a FRONTEND section (format version 2), or now and then. */
function randomValidModel(rng: Rng, frontend: 'always' | 'sometimes' = 'sometimes'): HsmModel {
  const shape = randomShape(rng);
  const { specs } = shape;
  const inputCount = frontend === 'always' ? 2 * Math.ceil(shape.inputCount / 2) : shape.inputCount;
  const model = randomModel(rng, inputCount, specs, 'fuzz');
  if (frontend === 'always' || (inputCount % 2 === 0 && rng.chance(0.6))) {
    const windowMs = rng.range(1, 32);
    model.frontend = {
      sampleRateHz: rng.pick([8000, 16000]),
      bands: inputCount / 2,
      windowMs,
      hopMs: rng.range(1, windowMs),
      thresholdQ8: rng.range(1, 65535),
      encoding: 'delta',
    };
  }
  // Now and then a drive at the i32 limits, so saturation paths run too.
  for (const layer of model.layers) {
    if (rng.chance(0.1)) layer.drive[rng.int(layer.neuronCount)] = rng.pick([2147483647, -2147483648]);
  }
  return model;
}

const POOL_RNG = new Rng(SEED ^ 0xb16b00b5);
/** Valid files the mutations start from: the fixture variants and some random models. */
const POOL: Uint8Array[] = [
  ...VARIANTS.map((v) => writeHsm(v.model())),
  ...Array.from({ length: 12 }, () => writeHsm(randomValidModel(POOL_RNG))),
  ...Array.from({ length: 4 }, () => writeHsm(randomValidModel(POOL_RNG, 'always'))),
];

// ---------------------------------------------------------------------------------------------
// Mutations

const INTERESTING = [
  0, 1, 2, 3, 4, 7, 8, 15, 16, 17, 62, 63, 64, 65, 127, 128, 255, 256, 0x7fff, 0x8000, 0xffff, 0x10000, 65537,
  0x7fffffff, 0x80000000, 0xffffffff,
];

interface Field {
  at: number;
  type: Scalar;
}

/** Every named field of a valid file, plus one random element of each layer array. */
function fieldsOf(bytes: Uint8Array, rng: Rng): Field[] {
  const fields: Field[] = [
    { at: FILE_FIELD.formatVersion, type: 'u16' },
    { at: FILE_FIELD.flags, type: 'u16' },
    { at: FILE_FIELD.fileBytes, type: 'u32' },
    { at: FILE_FIELD.sectionCount, type: 'u32' },
  ];
  const sections = peek(bytes, FILE_FIELD.sectionCount, 'u32');
  for (let i = 0; i < sections; i++) {
    const s = sectionAt(bytes, i);
    fields.push(
      { at: s.at + SECTION_FIELD.id, type: 'u16' },
      { at: s.at + SECTION_FIELD.reserved, type: 'u16' },
      { at: s.at + SECTION_FIELD.payloadBytes, type: 'u32' },
    );
  }
  const model = sectionAt(bytes, 0).payload;
  const modelTypes: Record<keyof typeof MODEL_FIELD, Scalar> = {
    timestepUs: 'u32',
    inputCount: 'u16',
    layerCount: 'u16',
    decisionMode: 'u8',
    reserved: 'u8',
    decisionSkipSteps: 'u16',
    nameBytes: 'u8',
    name: 'u8',
  };
  for (const [name, type] of Object.entries(modelTypes)) {
    fields.push({ at: model + MODEL_FIELD[name as keyof typeof MODEL_FIELD], type });
  }
  fields.push({ at: sectionAt(bytes, 1).payload, type: 'u16' }); // labelCount
  const layerTypes: Record<keyof typeof LAYER_FIELD, Scalar> = {
    kind: 'u8',
    bucketBits: 'u8',
    levelCount: 'u8',
    flags: 'u8',
    inputCount: 'u16',
    neuronCount: 'u16',
    weightShift: 'u8',
    stateFracBits: 'u8',
    reserved: 'u16',
    resetDecayQ16: 'u32',
    synapseCount: 'u32',
  };
  const arrayTypes: Record<LayerArray, Scalar> = {
    levelDecayQ16: 'u32',
    threshold: 'i32',
    drive: 'i32',
    neuronLevel: 'u8',
    rowStart: 'u32',
    column: 'u16',
    weight: 'i8',
    synapseLevel: 'u8',
  };
  const elementBytes: Record<Scalar, number> = { u8: 1, i8: 1, u16: 2, u32: 4, i32: 4 };
  const frontend = frontendSection(bytes);
  if (frontend) {
    const at = frontend.payload;
    fields.push(
      { at, type: 'u32' }, // sampleRateHz
      { at: at + 4, type: 'u16' }, // bands
      { at: at + 6, type: 'u8' }, // windowMs
      { at: at + 7, type: 'u8' }, // hopMs
      { at: at + 8, type: 'u16' }, // thresholdQ8
      { at: at + 10, type: 'u8' }, // encoding
      { at: at + 11, type: 'u8' }, // reserved
    );
  }
  for (let l = 0; l < sections - (frontend ? 3 : 2); l++) {
    const payload = layerSection(bytes, l).payload;
    for (const [name, type] of Object.entries(layerTypes)) {
      fields.push({ at: payload + LAYER_FIELD[name as keyof typeof LAYER_FIELD], type });
    }
    const arrays = layerArrays(bytes, l);
    const names = Object.keys(arrayTypes) as LayerArray[];
    for (let i = 0; i < names.length; i++) {
      const name = names[i];
      const start = arrays[name];
      if (start === undefined) continue;
      const next = names.slice(i + 1).map((n) => arrays[n]);
      const end = next.find((x) => x !== undefined) ?? arrays.end;
      const type = arrayTypes[name];
      const count = Math.floor((end - start) / elementBytes[type]);
      if (count > 0) fields.push({ at: start + rng.int(count) * elementBytes[type], type });
    }
  }
  return fields;
}

function interesting(rng: Rng): number {
  return rng.chance(0.8) ? rng.pick(INTERESTING) : rng.u32();
}

function randomBytes(rng: Rng, length: number): Uint8Array {
  return Uint8Array.from({ length }, () => rng.int(256));
}

/** Reseals most mutated files (when long enough to have a CRC), so they get past the CRC check. */
function maybeReseal(bytes: Uint8Array, rng: Rng, p = 0.9): Uint8Array {
  return bytes.length >= FILE_HEADER_BYTES + 4 && rng.chance(p) ? resealCrc(bytes) : bytes;
}

function withLength(bytes: Uint8Array, rng: Rng, p: number): Uint8Array {
  if (bytes.length >= FILE_HEADER_BYTES && rng.chance(p))
    poke(bytes, FILE_FIELD.fileBytes, 'u32', bytes.length);
  return bytes;
}

interface FuzzKind {
  name: string;
  cases: number;
  /** True when every file of this kind is valid and must load. */
  valid?: boolean;
  make(rng: Rng): Uint8Array;
}

const KINDS: FuzzKind[] = [
  { name: 'random bytes', cases: 2000, make: (rng) => randomBytes(rng, rng.int(300)) },
  {
    name: 'random body under a valid header and CRC',
    cases: 3000,
    make: (rng) => {
      const bytes = randomBytes(rng, rng.range(20, 400));
      bytes.set([0x48, 0x53, 0x59, 0x4e, 1, 0, 0, 0]);
      poke(bytes, FILE_FIELD.fileBytes, 'u32', bytes.length);
      if (rng.chance(0.7)) poke(bytes, FILE_FIELD.sectionCount, 'u32', rng.range(0, 6));
      return resealCrc(bytes);
    },
  },
  {
    name: 'random byte splats',
    cases: 8000,
    make: (rng) => {
      const bytes = rng.pick(POOL).slice();
      const count = rng.range(1, 4);
      for (let i = 0; i < count; i++) bytes[rng.int(bytes.length - 4)] = rng.int(256);
      return maybeReseal(bytes, rng);
    },
  },
  {
    name: 'bit flips',
    cases: 3000,
    make: (rng) => {
      const bytes = rng.pick(POOL).slice();
      const count = rng.range(1, 3);
      for (let i = 0; i < count; i++) bytes[rng.int(bytes.length)] ^= 1 << rng.int(8);
      return maybeReseal(bytes, rng);
    },
  },
  {
    name: 'truncations and extensions',
    cases: 3000,
    make: (rng) => {
      const base = rng.pick(POOL);
      const bytes = rng.chance(0.5)
        ? base.slice(0, rng.int(base.length))
        : Uint8Array.from([
            ...base.subarray(0, base.length - 4),
            ...randomBytes(rng, rng.range(1, 64)),
            0,
            0,
            0,
            0,
          ]);
      if (rng.chance(0.3)) bytes.fill(0, Math.max(0, bytes.length - 8));
      return maybeReseal(withLength(bytes, rng, 0.7), rng);
    },
  },
  {
    name: 'field splats',
    cases: 10000,
    make: (rng) => {
      const bytes = rng.pick(POOL).slice();
      const fields = fieldsOf(bytes, rng);
      const count = rng.chance(0.8) ? 1 : rng.range(2, 4);
      for (let i = 0; i < count; i++) {
        const field = rng.pick(fields);
        poke(bytes, field.at, field.type, interesting(rng));
      }
      return maybeReseal(bytes, rng, 0.95);
    },
  },
  {
    name: 'section edits (drop, repeat, swap, insert)',
    cases: 3000,
    make: (rng) => {
      const sections = splitSections(rng.pick(POOL));
      const i = rng.int(sections.length);
      const j = rng.int(sections.length);
      const si = sections[i];
      const sj = sections[j];
      if (!si || !sj) throw new Error('section index out of range');
      switch (rng.int(5)) {
        case 0:
          sections.splice(i, 1);
          break;
        case 1:
          sections.splice(j, 0, si);
          break;
        case 2:
          sections[i] = sj;
          sections[j] = si;
          break;
        case 3:
          sections.splice(i, 0, {
            id: rng.pick([0, 1, 2, 3, 7, 8, 9, 0xffff]),
            payload: randomBytes(rng, rng.int(40)),
          });
          break;
        default:
          sections[i] = {
            ...si,
            payload: Uint8Array.from([...si.payload, ...randomBytes(rng, rng.range(1, 8))]),
          };
      }
      return assemble(sections, rng.chance(0.1) ? { sectionCount: rng.range(0, 8) } : {});
    },
  },
  { name: 'random valid models', cases: 3000, valid: true, make: (rng) => writeHsm(randomValidModel(rng)) },
];

// ---------------------------------------------------------------------------------------------
// Checks

function hex(bytes: Uint8Array): string {
  const shown = Array.from(bytes.subarray(0, 512), (b) => b.toString(16).padStart(2, '0')).join('');
  return bytes.length > 512 ? `${shown}... (${bytes.length} bytes)` : shown;
}

/** A loaded model steps with random valid inputs; every output is in range. */
function exercise(rng: Rng): void {
  const info = engine.info();
  for (let t = 0; t < STEPS_PER_MODEL; t++) {
    const active = Array.from({ length: rng.int(info.inputCount + 1) }, () => rng.int(info.inputCount));
    assert.equal(statusName(engine.stepRaw(active)), 'OK', `step ${t}`);
    const scores = engine.scores();
    assert.equal(scores.length, info.classCount);
    info.layers.forEach((layer, l) => {
      const list = engine.spikeList(l);
      if (layer.kind === 'readout') assert.equal(list.length, 0);
      list.forEach((j, k) => {
        assert.ok(j < layer.neuronCount, `layer ${l} spike ${j} >= ${layer.neuronCount}`);
        assert.ok(k === 0 || j > (list[k - 1] ?? -1), `layer ${l} spike list not increasing`);
      });
      for (let j = 0; j < layer.neuronCount; j++) {
        const v = engine.membrane(l, j);
        assert.ok(Number.isInteger(v) && v >= -2147483648 && v <= 2147483647, `membrane ${v}`);
      }
    });
    const decision = engine.decision();
    assert.ok(
      Number.isInteger(decision) && decision >= -1 && decision < info.classCount,
      `decision ${decision}`,
    );
    assert.equal(engine.stepCount, t + 1);
  }
}

/**
 * Loads with 0xFF after the file's last byte. Memory past the file is not part of it; if the
 * verdict differs from a load with other bytes there, the parser read past the end (wasm only
 * traps at the end of memory, so a plain load would not show it).
 */
function poisonedLoad(bytes: Uint8Array): number {
  const at = placeModel(poisoned, bytes, POISON_BYTES);
  new Uint8Array(poisoned.memory.buffer).fill(0xff, at + bytes.length, at + bytes.length + POISON_BYTES);
  return poisoned.modelLoad(at, bytes.length);
}

/** Runs one case and checks its verdict; returns the verdict's status name. */
function runCase(kind: FuzzKind, index: number): string {
  // One generator per case, so a case reproduces without running the ones before it.
  const salt = Math.imul(KINDS.indexOf(kind) + 1, 0x85ebca6b);
  const rng = new Rng((SEED ^ Math.imul(index + 1, 0x9e3779b9) ^ salt) >>> 0);
  const bytes = kind.make(rng);
  try {
    const code = engine.load(bytes);
    const name = statusName(code);
    if (kind.valid) assert.equal(name, 'OK', 'a valid model must load');
    assert.equal(statusName(poisonedLoad(bytes)), name, 'bytes after the file changed the verdict');
    if (code === 0) {
      assert.equal(engine.loaded, true);
      exercise(rng);
    } else {
      assert.ok(code !== 0 && LOAD_CODES.has(code), `load returned ${code}, not a load status code`);
      assert.equal(engine.loaded, false, `rejected (${name}) but loaded`);
    }
    return name;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(
      `fuzz failure: HETSYN_FUZZ_SEED=${SEED}, kind "${kind.name}", case ${index}: ${message}\n` +
        `file: ${hex(bytes)}`,
      { cause: error },
    );
  }
}

/**
 * Runs and checks every case of a kind; returns how many ended in each status. A case is a pure
 * function of the seed, its kind and its index, so the result is kept: the coverage test reuses what
 * the kind's own test computed, and computes (and checks) it itself when run alone.
 */
const histograms = new Map<FuzzKind, Map<string, number>>();
function runKind(kind: FuzzKind): Map<string, number> {
  const known = histograms.get(kind);
  if (known) return known;
  const histogram = new Map<string, number>();
  for (let i = 0; i < kind.cases; i++) {
    const name = runCase(kind, i);
    histogram.set(name, (histogram.get(name) ?? 0) + 1);
  }
  histograms.set(kind, histogram);
  return histogram;
}

describe(`parser fuzz (seed ${SEED})`, () => {
  for (const kind of KINDS) {
    it(`${kind.cases} cases: ${kind.name}`, () => {
      const histogram = runKind(kind);
      assert.equal(
        [...histogram.values()].reduce((a, b) => a + b, 0),
        kind.cases,
      );
    });
  }

  it('the mutations reach the deep checks, not just the header and CRC', (t: TestContext) => {
    const histogram = new Map<string, number>();
    for (const kind of KINDS) {
      for (const [name, n] of runKind(kind)) histogram.set(name, (histogram.get(name) ?? 0) + n);
    }
    const total = [...histogram.values()].reduce((a, b) => a + b, 0);
    t.diagnostic(`${total} files: ${[...histogram].map(([name, n]) => `${name} ${n}`).join(', ')}`);
    assert.ok(total >= 10000, `${total} cases`);
    // Every load code except TOO_LARGE (which needs a file over 1 GiB) should come up.
    const reached = [...histogram.keys()].filter((name) => name !== 'OK');
    assert.ok(reached.length >= 19, `only ${reached.length} codes reached: ${reached.join(', ')}`);
    assert.ok(histogram.has('BAD_FRONTEND'), 'the FRONTEND section is fuzzed too');
    assert.ok((histogram.get('OK') ?? 0) > 1000, 'mutated files that still load are stepped too');
  });
});
