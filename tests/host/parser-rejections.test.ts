/**
 * Every rejection path of assembly/model/parse.ts (and the load and step checks of assembly/index.ts),
 * each hit by a file that differs from a valid one in exactly the field under test, with the CRC
 * resealed so the mutation reaches the check it targets. The expected code is the one
 * docs/model-format.md gives for the condition.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Engine } from '../../host/wasm/engine.js';
import { openEngine } from '../../host/wasm/module.js';
import { EngineError } from '../../host/model/errors.js';
import type { HsmLayer, HsmModel } from '../../host/model/hsm.js';
import { writeHsm } from '../../host/model/hsm-writer.js';
import {
  arrayAt,
  assemble,
  concat,
  edited,
  FILE_FIELD,
  labelsPayload,
  layerField,
  layerSection,
  modelField,
  MODEL_FIELD,
  peek,
  perNeuronModel,
  poke,
  rawInstance,
  SECTION_FIELD,
  sectionAt,
  sparseModel,
  splitSections,
  statusName,
  tinyModel,
  VARIANTS,
  type RawSection,
  type Scalar,
  placeModel,
} from './fixtures.js';

const TINY = writeHsm(tinyModel());
const SPARSE = writeHsm(sparseModel());
const PER_NEURON = writeHsm(perNeuronModel());
const engine = openEngine();
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

/** A model is loaded first, so every case also shows that a rejection unloads it. */
function assertRejected(bytes: Uint8Array, expected: string): void {
  assert.equal(statusName(engine.load(TINY)), 'OK');
  assert.equal(statusName(engine.load(bytes)), expected);
  assert.equal(engine.loaded, false, 'a rejected file must leave no model loaded');
  assert.equal(statusName(engine.stepRaw([])), 'NO_MODEL');
}

function rejects(title: string, expected: string, build: () => Uint8Array): void {
  it(`${title} -> ${expected}`, () => assertRejected(build(), expected));
}

/** TINY with one field of the file rewritten and the CRC resealed. */
function tinyWith(at: (bytes: Uint8Array) => number, type: Scalar, value: number): Uint8Array {
  return edited(TINY, (b) => poke(b, at(b), type, value));
}

function withSections(base: Uint8Array, change: (sections: RawSection[]) => RawSection[]): Uint8Array {
  return assemble(change(splitSections(base)));
}

/** The sections of TINY with section `index`'s payload replaced. */
function tinyWithPayload(index: number, payload: Uint8Array): Uint8Array {
  return withSections(TINY, (s) => s.map((section, i) => (i === index ? { ...section, payload } : section)));
}

function modelPayload(nameBytes: number, name: Uint8Array): Uint8Array {
  const payload = new Uint8Array(13 + name.length);
  poke(payload, MODEL_FIELD.timestepUs, 'u32', 10000);
  poke(payload, MODEL_FIELD.inputCount, 'u16', 3);
  poke(payload, MODEL_FIELD.layerCount, 'u16', 2);
  poke(payload, MODEL_FIELD.decisionSkipSteps, 'u16', 1);
  poke(payload, MODEL_FIELD.nameBytes, 'u8', nameBytes);
  payload.set(name, MODEL_FIELD.name);
  return payload;
}

describe('the base files', () => {
  for (const variant of VARIANTS) {
    it(`${variant.name} loads (so each rejection below is the mutation's doing)`, () => {
      assert.equal(statusName(engine.load(writeHsm(variant.model()))), 'OK');
    });
  }
});

describe('file header', () => {
  rejects('an empty file', 'TRUNCATED', () => new Uint8Array(0));
  rejects('19 bytes: less than a header and a CRC', 'TRUNCATED', () => TINY.slice(0, 19));
  rejects('the first 20 bytes of a valid file (fileBytes > bytes given)', 'TRUNCATED', () =>
    TINY.slice(0, 20),
  );
  rejects('a valid file missing its last byte', 'TRUNCATED', () => TINY.slice(0, -1));
  rejects('fileBytes one more than the bytes given', 'TRUNCATED', () =>
    tinyWith(() => FILE_FIELD.fileBytes, 'u32', TINY.length + 1),
  );
  rejects('magic "HSYM"', 'BAD_MAGIC', () => edited(TINY, (b) => b.set(utf8('HSYM'), FILE_FIELD.magic)));
  rejects('magic "hsyn"', 'BAD_MAGIC', () => edited(TINY, (b) => b.set(utf8('hsyn'), FILE_FIELD.magic)));
  rejects('20 zero bytes', 'BAD_MAGIC', () => new Uint8Array(20));
  for (const version of [0, 4, 0xffff]) {
    rejects(`formatVersion ${version}`, 'BAD_VERSION', () =>
      tinyWith(() => FILE_FIELD.formatVersion, 'u16', version),
    );
  }
  rejects('fileBytes 4 less than the bytes given', 'BAD_LENGTH', () =>
    tinyWith(() => FILE_FIELD.fileBytes, 'u32', TINY.length - 4),
  );
  rejects('4 bytes appended after the CRC', 'BAD_LENGTH', () => concat(TINY, [0, 0, 0, 0]));
  for (const flags of [1, 0x8000]) {
    rejects(`header flags 0x${flags.toString(16)}`, 'BAD_LENGTH', () =>
      tinyWith(() => FILE_FIELD.flags, 'u16', flags),
    );
  }
  rejects('a weight bit flipped, CRC not resealed', 'BAD_CRC', () => {
    const bytes = TINY.slice();
    bytes[arrayAt(bytes, 0, 'weight', 7)] ^= 0x10;
    return bytes;
  });
  rejects('a CRC bit flipped', 'BAD_CRC', () => {
    const bytes = TINY.slice();
    bytes[bytes.length - 1] ^= 0x80;
    return bytes;
  });
  rejects('the header covered by the CRC: timestepUs changed, CRC not resealed', 'BAD_CRC', () => {
    const bytes = TINY.slice();
    poke(bytes, modelField(bytes, 'timestepUs'), 'u32', 20000);
    return bytes;
  });
});

describe('section framing', () => {
  // The parser reads a section header past the last section, which runs past the end.
  rejects('sectionCount one more than the sections present', 'BAD_SECTION', () =>
    tinyWith(() => FILE_FIELD.sectionCount, 'u32', 5),
  );
  rejects('sectionCount 0xFFFFFFFF', 'BAD_SECTION', () =>
    tinyWith(() => FILE_FIELD.sectionCount, 'u32', 0xffffffff),
  );
  rejects("the last section's payloadBytes running into the CRC", 'BAD_SECTION', () =>
    tinyWith(
      (b) => layerSection(b, 1).at + SECTION_FIELD.payloadBytes,
      'u32',
      layerSection(TINY, 1).payloadBytes + 4,
    ),
  );
  rejects('MODEL payloadBytes 0xFFFFFFFF (no 32-bit wrap)', 'BAD_SECTION', () =>
    tinyWith((b) => sectionAt(b, 0).at + SECTION_FIELD.payloadBytes, 'u32', 0xffffffff),
  );
  for (const [index, what] of [
    [0, 'MODEL'],
    [1, 'LABELS'],
    [2, 'LAYER'],
  ] as const) {
    for (const reserved of [1, 0x8000]) {
      rejects(`${what} section reserved = 0x${reserved.toString(16)}`, 'BAD_SECTION', () =>
        tinyWith((b) => sectionAt(b, index).at + SECTION_FIELD.reserved, 'u16', reserved),
      );
    }
  }
  for (const id of [0, 3, 4, 5, 6, 7, 9, 0xffff]) {
    rejects(`a section with id ${id} between LABELS and the layers`, 'UNKNOWN_SECTION', () =>
      withSections(TINY, (s) => [...s.slice(0, 2), { id, payload: new Uint8Array(4) }, ...s.slice(2)]),
    );
  }
  rejects('the MODEL section id replaced by 3 (unknown before out of order)', 'UNKNOWN_SECTION', () =>
    tinyWith((b) => sectionAt(b, 0).at + SECTION_FIELD.id, 'u16', 3),
  );
  for (const trailing of [1, 4, 8]) {
    rejects(`${trailing} bytes after the last section`, 'BAD_SECTION', () =>
      assemble(splitSections(TINY), { trailing: new Uint8Array(trailing) }),
    );
  }
});

describe('section order and count', () => {
  const [model, labels, layer0, readout] = splitSections(TINY);
  assert.ok(model && labels && layer0 && readout);
  const cases: [string, RawSection[]][] = [
    ['LABELS before MODEL', [labels, model, layer0, readout]],
    ['a LAYER before LABELS', [model, layer0, labels, readout]],
    ['no MODEL', [labels, layer0, readout]],
    ['no LABELS', [model, layer0, readout]],
    ['MODEL twice', [model, model, labels, layer0, readout]],
    ['LABELS twice', [model, labels, labels, layer0, readout]],
    ['LABELS after the layers', [model, layer0, readout, labels]],
    ['one LAYER fewer than layerCount', [model, labels, layer0]],
    ['one LAYER more than layerCount', [model, labels, layer0, readout, readout]],
  ];
  for (const [title, sections] of cases) rejects(title, 'SECTION_ORDER', () => assemble(sections));
  for (const count of [0, 1, 2, 3]) {
    rejects(`sectionCount ${count} with all 4 sections present`, 'SECTION_ORDER', () =>
      assemble([model, labels, layer0, readout], { sectionCount: count }),
    );
  }
  it('sectionCount 0 on a fresh engine (no layer count from an earlier file) -> SECTION_ORDER', () => {
    const fresh = openEngine();
    assert.equal(
      statusName(fresh.load(assemble([model, labels, layer0, readout], { sectionCount: 0 }))),
      'SECTION_ORDER',
    );
    assert.equal(fresh.loaded, false);
  });
});

describe('MODEL section', () => {
  rejects('payloadBytes 12 (under the 13 fixed bytes)', 'BAD_SECTION', () =>
    tinyWithPayload(0, modelPayload(0, new Uint8Array(0)).subarray(0, 12)),
  );
  rejects('payloadBytes one more than 13 + nameBytes', 'BAD_SECTION', () =>
    tinyWithPayload(0, modelPayload(4, utf8('tiny!'))),
  );
  rejects('nameBytes one more than the name present', 'BAD_SECTION', () =>
    tinyWithPayload(0, modelPayload(5, utf8('tiny'))),
  );
  rejects('timestepUs 0', 'BAD_MODEL', () => tinyWith((b) => modelField(b, 'timestepUs'), 'u32', 0));
  rejects('inputCount 0', 'BAD_MODEL', () => tinyWith((b) => modelField(b, 'inputCount'), 'u16', 0));
  rejects('layerCount 0', 'BAD_MODEL', () => tinyWith((b) => modelField(b, 'layerCount'), 'u16', 0));
  rejects('layerCount 17', 'BAD_MODEL', () => tinyWith((b) => modelField(b, 'layerCount'), 'u16', 17));
  rejects('layerCount 0xFFFF', 'BAD_MODEL', () =>
    tinyWith((b) => modelField(b, 'layerCount'), 'u16', 0xffff),
  );
  rejects('reserved byte 1', 'BAD_MODEL', () => tinyWith((b) => modelField(b, 'reserved'), 'u8', 1));
  rejects('a 64-byte name', 'BAD_MODEL', () =>
    tinyWithPayload(0, modelPayload(64, new Uint8Array(64).fill(0x6e))),
  );
  rejects('a 255-byte name', 'BAD_MODEL', () =>
    tinyWithPayload(0, modelPayload(255, new Uint8Array(255).fill(0x6e))),
  );
  for (const mode of [1, 255]) {
    rejects(`decisionMode ${mode}`, 'BAD_DECISION', () =>
      tinyWith((b) => modelField(b, 'decisionMode'), 'u8', mode),
    );
  }
});

describe('LABELS section', () => {
  const [a, b, c] = ['left', 'right', 'idle'].map(utf8);
  assert.ok(a && b && c);
  rejects('2 labels for a readout of 3', 'BAD_LABELS', () => writeHsm(tinyModel({ labels: ['a', 'b'] })));
  rejects('4 labels for a readout of 3', 'BAD_LABELS', () =>
    writeHsm(tinyModel({ labels: ['a', 'b', 'c', 'd'] })),
  );
  rejects('labelCount 0', 'BAD_LABELS', () => tinyWithPayload(1, labelsPayload(0, [])));
  rejects('an empty label', 'BAD_LABELS', () =>
    tinyWithPayload(1, labelsPayload(3, [a, new Uint8Array(0), c])),
  );
  rejects('a 64-byte label', 'BAD_LABELS', () =>
    tinyWithPayload(1, labelsPayload(3, [a, new Uint8Array(64).fill(0x61), c])),
  );
  rejects('labelCount 4 with 3 labels present (runs past)', 'BAD_LABELS', () =>
    tinyWithPayload(1, labelsPayload(4, [a, b, c])),
  );
  rejects('the last label 10 bytes long with 3 present (runs past)', 'BAD_LABELS', () =>
    tinyWithPayload(1, concat(labelsPayload(3, [a, b]), [10], utf8('xyz'))),
  );
  rejects('payloadBytes 1', 'BAD_LABELS', () => tinyWithPayload(1, new Uint8Array([3])));
  rejects('payloadBytes 0', 'BAD_LABELS', () => tinyWithPayload(1, new Uint8Array(0)));
  rejects('a byte after the last label', 'BAD_SECTION', () =>
    tinyWithPayload(1, concat(labelsPayload(3, [a, b, c]), [0])),
  );
});

describe('LAYER header', () => {
  for (const kind of [3, 255]) {
    rejects(`kind ${kind}`, 'BAD_LAYER', () => tinyWith((b) => layerField(b, 0, 'kind'), 'u8', kind));
  }
  for (let bit = 1; bit < 8; bit++) {
    rejects(`flags bit ${bit}`, 'BAD_LAYER', () =>
      tinyWith((b) => layerField(b, 0, 'flags'), 'u8', 1 << bit),
    );
  }
  rejects('flags 0x03 on a sparse layer', 'BAD_LAYER', () =>
    edited(SPARSE, (b) => poke(b, layerField(b, 0, 'flags'), 'u8', 3)),
  );
  for (const reserved of [1, 0x100]) {
    rejects(`reserved 0x${reserved.toString(16)}`, 'BAD_LAYER', () =>
      tinyWith((b) => layerField(b, 0, 'reserved'), 'u16', reserved),
    );
  }
  rejects('neuronCount 0 (spiking layer)', 'BAD_LAYER', () =>
    tinyWith((b) => layerField(b, 0, 'neuronCount'), 'u16', 0),
  );
  rejects('neuronCount 0 (readout)', 'BAD_LAYER', () =>
    tinyWith((b) => layerField(b, 1, 'neuronCount'), 'u16', 0),
  );
  for (const shift of [17, 255]) {
    rejects(`weightShift ${shift}`, 'BAD_LAYER', () =>
      tinyWith((b) => layerField(b, 0, 'weightShift'), 'u8', shift),
    );
  }
  for (const bits of [63, 255]) {
    rejects(`stateFracBits ${bits}`, 'BAD_LAYER', () =>
      tinyWith((b) => layerField(b, 1, 'stateFracBits'), 'u8', bits),
    );
  }
  for (const decay of [1, 65536]) {
    rejects(`a readout with resetDecayQ16 ${decay}`, 'BAD_LAYER', () =>
      tinyWith((b) => layerField(b, 1, 'resetDecayQ16'), 'u32', decay),
    );
  }
  rejects('a readout as the first of two layers', 'READOUT_POSITION', () =>
    edited(TINY, (b) => {
      poke(b, layerField(b, 0, 'kind'), 'u8', 2);
      // A readout has no reset decay; with one it would be BAD_LAYER first.
      poke(b, layerField(b, 0, 'resetDecayQ16'), 'u32', 0);
    }),
  );
  for (const kind of [0, 1]) {
    rejects(`the last layer of kind ${kind}`, 'READOUT_POSITION', () =>
      tinyWith((b) => layerField(b, 1, 'kind'), 'u8', kind),
    );
  }
  rejects('a single feed-forward layer', 'READOUT_POSITION', () => {
    const model = perNeuronModel();
    const [first] = model.layers;
    assert.ok(first);
    return writeHsm({ ...model, labels: ['a', 'b', 'c', 'd', 'e'], layers: [first] });
  });
  for (const count of [2, 4]) {
    rejects(`layer 0 inputCount ${count} for 3 model inputs`, 'LAYER_MISMATCH', () =>
      tinyWith((b) => layerField(b, 0, 'inputCount'), 'u16', count),
    );
  }
  for (const count of [4, 6]) {
    rejects(`readout inputCount ${count} after 5 neurons`, 'LAYER_MISMATCH', () =>
      tinyWith((b) => layerField(b, 1, 'inputCount'), 'u16', count),
    );
  }
  for (const bits of [1, 2, 3, 5, 6, 7, 9, 16, 255]) {
    rejects(`bucketBits ${bits}`, 'BAD_LEVELS', () =>
      tinyWith((b) => layerField(b, 0, 'bucketBits'), 'u8', bits),
    );
  }
  rejects('levelCount 0', 'BAD_LEVELS', () => tinyWith((b) => layerField(b, 0, 'levelCount'), 'u8', 0));
  rejects('levelCount 17 with bucketBits 4', 'BAD_LEVELS', () =>
    tinyWith((b) => layerField(b, 0, 'levelCount'), 'u8', 17),
  );
  rejects('levelCount 17 with bucketBits 0', 'BAD_LEVELS', () =>
    edited(PER_NEURON, (b) => poke(b, layerField(b, 0, 'levelCount'), 'u8', 17)),
  );
  for (const count of [65, 255]) {
    rejects(`levelCount ${count} with bucketBits 8`, 'BAD_LEVELS', () =>
      edited(SPARSE, (b) => poke(b, layerField(b, 0, 'levelCount'), 'u8', count)),
    );
  }
  for (const decay of [65537, 0xffffffff]) {
    rejects(`resetDecayQ16 ${decay}`, 'BAD_DECAY', () =>
      tinyWith((b) => layerField(b, 0, 'resetDecayQ16'), 'u32', decay),
    );
  }
});

describe('LAYER payload size', () => {
  rejects('payloadBytes 19 (under the 20 fixed bytes)', 'BAD_SECTION', () =>
    withSections(TINY, (s) => s.map((x, i) => (i === 3 ? { ...x, payload: x.payload.subarray(0, 19) } : x))),
  );
  for (const variant of VARIANTS) {
    const base = writeHsm(variant.model());
    const layers = variant.model().layers.length;
    for (let l = 0; l < layers; l++) {
      for (const [what, resize] of [
        ['4 bytes longer', (p: Uint8Array) => concat(p, [0, 0, 0, 0])],
        ['1 byte longer', (p: Uint8Array) => concat(p, [0])],
        ['4 bytes shorter', (p: Uint8Array) => p.subarray(0, p.length - 4)],
      ] as const) {
        rejects(`${variant.name}: layer ${l} payload ${what} than its arrays`, 'BAD_SECTION', () =>
          withSections(base, (s) =>
            s.map((x, i) => (i === 2 + l ? { ...x, payload: resize(x.payload) } : x)),
          ),
        );
      }
    }
  }
});

describe('LAYER arrays', () => {
  rejects('levelDecayQ16[0] 65537', 'BAD_DECAY', () =>
    tinyWith((b) => arrayAt(b, 0, 'levelDecayQ16', 0), 'u32', 65537),
  );
  rejects('levelDecayQ16[K-1] 0x80000000', 'BAD_DECAY', () =>
    tinyWith((b) => arrayAt(b, 0, 'levelDecayQ16', 2), 'u32', 0x80000000),
  );
  rejects('levelDecayQ16 65537 in a readout', 'BAD_DECAY', () =>
    tinyWith((b) => arrayAt(b, 1, 'levelDecayQ16', 1), 'u32', 65537),
  );
  for (const [index, value] of [
    [0, 0],
    [4, -1],
    [2, -0x80000000],
  ] as const) {
    rejects(`threshold[${index}] ${value}`, 'BAD_THRESHOLD', () =>
      tinyWith((b) => arrayAt(b, 0, 'threshold', index), 'i32', value),
    );
  }
  for (const level of [2, 255]) {
    rejects(`neuronLevel[4] ${level} with K = 2`, 'LEVEL_INDEX', () =>
      edited(PER_NEURON, (b) => poke(b, arrayAt(b, 0, 'neuronLevel', 4), 'u8', level)),
    );
  }
  rejects('synapse level byte 5 with K = 5 (bucketBits 8, sparse)', 'LEVEL_INDEX', () =>
    edited(SPARSE, (b) => poke(b, arrayAt(b, 0, 'synapseLevel', 4), 'u8', 5)),
  );
  rejects('synapse level byte 3 with K = 3 (bucketBits 8, dense)', 'LEVEL_INDEX', () =>
    edited(PER_NEURON, (b) => poke(b, arrayAt(b, 1, 'synapseLevel', 9), 'u8', 3)),
  );
  // TINY layer 0: K = 3, 40 synapses in 20 bytes; levels s % 3, so byte 6 holds synapses 12, 13.
  rejects('low nibble 3 with K = 3', 'LEVEL_INDEX', () =>
    tinyWith((b) => arrayAt(b, 0, 'synapseLevel', 6), 'u8', 0x13),
  );
  rejects('high nibble 3 with K = 3', 'LEVEL_INDEX', () =>
    tinyWith((b) => arrayAt(b, 0, 'synapseLevel', 6), 'u8', 0x31),
  );
  rejects('nibble 15 in the last byte', 'LEVEL_INDEX', () =>
    tinyWith((b) => arrayAt(b, 0, 'synapseLevel', 19), 'u8', 0xf0),
  );
  // The readout's 15 synapses end in the low nibble of byte 7: its high nibble is unused. Level 1
  // is valid (K = 2), so only the unused-nibble rule rejects it.
  rejects('the unused high nibble 1 after 15 synapses (dense)', 'LEVEL_INDEX', () =>
    edited(TINY, (b) => {
      const at = arrayAt(b, 1, 'synapseLevel', 7);
      poke(b, at, 'u8', peek(b, at, 'u8') | 0x10);
    }),
  );
  rejects('the unused high nibble 1 after 9 synapses (sparse)', 'LEVEL_INDEX', () =>
    edited(SPARSE, (b) => {
      const at = arrayAt(b, 1, 'synapseLevel', 4);
      poke(b, at, 'u8', peek(b, at, 'u8') | 0x10);
    }),
  );
});

// docs/model-format.md: writers zero the padding, readers do not check it (the CRC covers every
// byte), and the engine does not validate UTF-8. A parser that starts rejecting these breaks files
// the format allows.
describe('bytes the format leaves unchecked', () => {
  it('a non-zero padding byte after the LABELS payload loads', () => {
    const labels = sectionAt(TINY, 1);
    assert.notEqual(labels.payloadBytes % 4, 0);
    const bytes = edited(TINY, (b) => poke(b, labels.payload + labels.payloadBytes, 'u8', 0xaa));
    assert.equal(statusName(engine.load(bytes)), 'OK');
  });
  it('a non-zero padding byte after an array loads', () => {
    // The readout has 15 weights, padded to 16.
    assert.equal(statusName(engine.load(tinyWith((b) => arrayAt(b, 1, 'weight', 15), 'u8', 7))), 'OK');
  });
  it('a name that is not UTF-8 loads', () => {
    assert.equal(statusName(engine.load(tinyWith((b) => modelField(b, 'name'), 'u8', 0xff))), 'OK');
  });
});

describe('synapse counts and sparse rows', () => {
  for (const delta of [-1, 1]) {
    rejects(`dense synapseCount ${delta > 0 ? '+' : ''}${delta}`, 'BAD_SPARSE', () =>
      tinyWith((b) => layerField(b, 0, 'synapseCount'), 'u32', 40 + delta),
    );
  }
  rejects('dense synapseCount 0', 'BAD_SPARSE', () =>
    tinyWith((b) => layerField(b, 1, 'synapseCount'), 'u32', 0),
  );
  // SPARSE layer 0: 3 rows x 4 neurons; rowStart [0, 2, 2, 5], columns [0, 2 | - | 1, 2, 3].
  rejects('sparse synapseCount 13 > 3 rows x 4 neurons', 'BAD_SPARSE', () =>
    edited(SPARSE, (b) => poke(b, layerField(b, 0, 'synapseCount'), 'u32', 13)),
  );
  const sparseWith = (array: 'rowStart' | 'column', index: number, value: number) => (): Uint8Array =>
    edited(SPARSE, (b) => poke(b, arrayAt(b, 0, array, index), array === 'rowStart' ? 'u32' : 'u16', value));
  rejects('rowStart[0] 1', 'BAD_SPARSE', sparseWith('rowStart', 0, 1));
  rejects('rowStart[rows] synapseCount - 1', 'BAD_SPARSE', sparseWith('rowStart', 3, 4));
  rejects('rowStart decreasing (2 then 1)', 'BAD_SPARSE', sparseWith('rowStart', 2, 1));
  rejects('rowStart[1] past synapseCount', 'BAD_SPARSE', sparseWith('rowStart', 1, 6));
  rejects('rowStart[1] 0xFFFFFFFF', 'BAD_SPARSE', sparseWith('rowStart', 1, 0xffffffff));
  rejects('a column repeated within a row', 'BAD_SPARSE', sparseWith('column', 3, 1));
  rejects('columns decreasing within a row', 'BAD_SPARSE', sparseWith('column', 2, 3));
  rejects('column = neuronCount', 'BAD_SPARSE', sparseWith('column', 4, 4));
  rejects('column 0xFFFF', 'BAD_SPARSE', sparseWith('column', 4, 0xffff));
  // SPARSE layer 1 is recurrent: its last row (6) is the recurrent row of its neuron 2.
  rejects('a recurrent row naming neuron 3 of 3', 'BAD_SPARSE', () =>
    edited(SPARSE, (b) => poke(b, arrayAt(b, 1, 'column', 8), 'u16', 3)),
  );
});

describe('limits that are accepted', () => {
  function accepts(title: string, model: () => HsmModel): void {
    it(title, () => assert.equal(statusName(engine.load(writeHsm(model()))), 'OK'));
  }
  const readoutOnInputs = (layer: Partial<HsmLayer>): HsmModel => {
    const model = perNeuronModel();
    const [, readout] = model.layers;
    assert.ok(readout);
    return {
      ...model,
      layers: [
        { ...readout, inputCount: 3, weight: new Int8Array(6), synapseLevel: new Uint8Array(6), ...layer },
      ],
    };
  };
  accepts('a 63-byte name and 63-byte labels', () =>
    tinyModel({ name: 'n'.repeat(63), labels: ['a'.repeat(63), 'b'.repeat(63), 'c'.repeat(63)] }),
  );
  accepts('a single readout layer on the inputs', () => readoutOnInputs({}));
  accepts('16 layers', () => {
    const model = perNeuronModel();
    const [hidden, readout] = model.layers;
    assert.ok(hidden && readout);
    const square = { ...hidden, inputCount: 5, weight: new Int8Array(25) };
    return { ...model, layers: [hidden, ...Array.from({ length: 14 }, () => square), readout] };
  });
  accepts('weightShift 16, stateFracBits 62, decays 0 and 65536, threshold 1, timestepUs 1', () => {
    const model = tinyModel({ timestepUs: 1 });
    const [layer0, readout] = model.layers;
    assert.ok(layer0 && readout);
    const extreme: HsmLayer = {
      ...layer0,
      weightShift: 16,
      stateFracBits: 62,
      levelDecayQ16: [0, 65536, 1],
      resetDecayQ16: 65536,
      threshold: new Int32Array(5).fill(1),
    };
    return { ...model, layers: [extreme, { ...readout, weightShift: 16, stateFracBits: 62 }] };
  });
  accepts('16 levels with bucketBits 4 and 0, 64 with bucketBits 8', () => {
    const levels = (K: number): number[] => Array.from({ length: K }, (_, k) => 65536 - k * 1000);
    const model = readoutOnInputs({
      bucketBits: 8,
      levelDecayQ16: levels(64),
      synapseLevel: Uint8Array.from([63, 0, 1, 2, 3, 62]),
    });
    const nibbles: HsmLayer = {
      kind: 'feedforward',
      inputCount: 3,
      neuronCount: 3,
      bucketBits: 4,
      levelDecayQ16: levels(16),
      resetDecayQ16: 0,
      weightShift: 0,
      stateFracBits: 0,
      threshold: Int32Array.from([1, 1, 1]),
      drive: new Int32Array(3),
      weight: new Int8Array(9),
      synapseLevel: Uint8Array.from([15, 14, 0, 15, 1, 2, 3, 4, 15]),
    };
    const perNeuron: HsmLayer = {
      ...nibbles,
      bucketBits: 0,
      synapseLevel: undefined,
      neuronLevel: Uint8Array.from([15, 0, 7]),
    };
    const [readout] = model.layers;
    assert.ok(readout);
    return { ...model, layers: [nibbles, perNeuron, readout] };
  });
  accepts('a sparse layer without synapses', () => {
    const model = sparseModel();
    const [first, ...rest] = model.layers;
    assert.ok(first);
    const empty = { ...first, sparse: { rowStart: new Uint32Array(4), column: new Uint16Array(0) } };
    return {
      ...model,
      layers: [{ ...empty, weight: new Int8Array(0), synapseLevel: new Uint8Array(0) }, ...rest],
    };
  });
});

describe('memory', () => {
  /** `hiddenLayers` feed-forward layers of n neurons with K levels per synapse and a readout of n, no synapses. */
  function stateHeavy(n: number, K: number, hiddenLayers: number): HsmModel {
    const hidden = (inputCount: number): HsmLayer => ({
      kind: 'feedforward',
      inputCount,
      neuronCount: n,
      bucketBits: 8,
      levelDecayQ16: new Array<number>(K).fill(65536),
      resetDecayQ16: 0,
      weightShift: 0,
      stateFracBits: 0,
      threshold: new Int32Array(n).fill(1),
      drive: new Int32Array(n),
      sparse: { rowStart: new Uint32Array(inputCount + 1), column: new Uint16Array(0) },
      weight: new Int8Array(0),
      synapseLevel: new Uint8Array(0),
    });
    const readout: HsmLayer = { ...hidden(n), kind: 'readout', threshold: undefined };
    return {
      name: 'state heavy',
      timestepUs: 1,
      inputCount: n,
      decision: { mode: 'sum', skipSteps: 0 },
      labels: Array.from({ length: n }, () => 'c'),
      layers: [...Array.from({ length: hiddenLayers }, () => hidden(n)), readout],
    };
  }

  it('stateBytes as documented, carved from the state arena', () => {
    const n = 64;
    const K = 16;
    const info = openEngine().loadOrThrow(writeHsm(stateHeavy(n, K, 2)));
    const align8 = (x: number): number => Math.ceil(x / 8) * 8;
    // docs/model-format.md "Memory": the detector's thresholds; per layer the sums, and for spiking
    // layers the reset currents, membrane potentials, spikes and spike list; then scores,
    // accumulators, the input list and the detector's running means.
    const spiking = align8(4 * n * K) + align8(4 * n) + align8(4 * n) + align8(n) + align8(2 * n);
    const detector = 2 * align8(4 * n);
    const expected =
      detector + 2 * spiking + align8(4 * n * K) + align8(4 * n) + align8(8 * n) + align8(2 * n);
    assert.equal(info.stateBytes, expected);
    assert.ok(info.stateBytes <= info.stateArenaBytes);
  });

  it('a model whose state does not fit the state arena -> TOO_LARGE; the largest the format allows too', () => {
    const engine = openEngine();
    // 4 layers of 64 neurons at K = 64: 16 KiB of bucket sums each.
    assert.equal(statusName(engine.load(writeHsm(stateHeavy(64, 64, 3)))), 'TOO_LARGE');
    assert.equal(engine.loaded, false);
    // 16 layers of 65535 neurons at K = 64 (~280 MB of state); sparse layers without synapses keep
    // the file at ~13 MB. The sizes are computed in 64 bits: nothing wraps into a fit.
    assert.equal(statusName(engine.load(writeHsm(stateHeavy(65535, 64, 15)))), 'TOO_LARGE');
    assert.equal(statusName(engine.load(TINY)), 'OK');
  });

  it('a model over the static memory or past 2^32 -> BAD_PLACE, and memory never grows from inside', () => {
    const x = rawInstance();
    const pages = x.memory.buffer.byteLength;
    const at = placeModel(x, TINY);
    assert.equal(statusName(x.modelLoad(at, TINY.length)), 'OK');
    const grown = x.memory.buffer.byteLength;
    for (const [base, bytes] of [
      [0, TINY.length],
      [at - 16, TINY.length],
      [0xffffff00, 0x101],
      [at, 0xffffffff],
    ] as const) {
      assert.equal(statusName(x.modelLoad(base, bytes)), 'BAD_PLACE', `${base} + ${bytes}`);
      assert.equal(x.modelLoaded(), 0);
      assert.equal(statusName(x.step(0)), 'NO_MODEL');
    }
    assert.ok(grown >= pages);
    assert.equal(x.memory.buffer.byteLength, grown);
  });

  it('a model read through addresses beyond linear memory traps instead of reading elsewhere', () => {
    // On a board such addresses are the WAMR shared heap over the flash slot; a host has none,
    // so wasm's own bounds check stops the read.
    const x = rawInstance();
    assert.throws(() => x.modelLoad(0xffff0000, TINY.length), WebAssembly.RuntimeError);
    assert.equal(x.modelLoaded(), 0);
  });
});

describe('after a rejection', () => {
  const broken = tinyWith((b) => arrayAt(b, 1, 'levelDecayQ16', 0), 'u32', 65537);

  it('no model is loaded and every query says so', () => {
    assert.equal(statusName(engine.load(TINY)), 'OK');
    engine.step([0, 1]);
    assert.equal(statusName(engine.load(broken)), 'BAD_DECAY');
    assert.equal(engine.loaded, false);
    assert.equal(statusName(engine.stepRaw([0])), 'NO_MODEL');
    assert.equal(engine.decision(), -1);
    assert.deepEqual(Array.from(engine.scores()), []);
    assert.deepEqual(Array.from(engine.spikeList(0)), []);
    assert.equal(engine.membrane(0, 0), 0);
    const noModel = (error: unknown): boolean =>
      error instanceof EngineError && error.status.name === 'NO_MODEL';
    assert.throws(() => engine.info(), noModel);
    assert.throws(() => engine.reset(), noModel);
  });

  it('the next valid load runs exactly like a fresh engine', () => {
    // The rejected file passed its first layer, overwriting that layer's descriptor.
    const used = openEngine();
    assert.equal(statusName(used.load(SPARSE)), 'OK');
    for (let t = 0; t < 5; t++) used.step([t % 3]);
    assert.equal(statusName(used.load(broken)), 'BAD_DECAY');
    assert.equal(statusName(used.load(PER_NEURON)), 'OK');
    const fresh = openEngine();
    assert.equal(statusName(fresh.load(PER_NEURON)), 'OK');
    for (let t = 0; t < 20; t++) {
      const active = [0, 1, 2].filter((c) => (t + c) % 3 !== 0);
      used.step(active);
      fresh.step(active);
      assert.deepEqual(snapshot(used), snapshot(fresh), `step ${t}`);
    }
  });
});

/** Everything observable about an engine's state after a step. */
function snapshot(e: Engine): unknown {
  const info = e.info();
  return {
    stepCount: e.stepCount,
    scores: Array.from(e.scores()),
    sums: Array.from(e.scoreSums()),
    decision: e.decision(),
    layers: info.layers.map((layer, l) => ({
      spikes: Array.from(e.spikeList(l)),
      membrane: Array.from({ length: layer.neuronCount }, (_, j) => e.membrane(l, j)),
    })),
  };
}

describe('step input checks', () => {
  const history = [[0], [1, 2], [], [0, 1, 2], [2, 2]];
  const twins = (): [Engine, Engine] => {
    const a = openEngine();
    const b = openEngine();
    for (const e of [a, b]) {
      e.loadOrThrow(TINY);
      for (const active of history) e.step(active);
    }
    return [a, b];
  };
  const bad: [string, number[]][] = [
    ['channel = inputCount', [3]],
    ['channel 65535', [65535]],
    ['a bad channel after good ones', [0, 1, 3]],
    ['a list longer than inputCount (all channels valid)', [0, 1, 2, 0]],
    ['channel 65536 (not a u16)', [65536]],
    ['channel -1', [-1]],
  ];
  for (const [title, active] of bad) {
    it(`${title} -> BAD_INPUT, state unchanged`, () => {
      const [a, b] = twins();
      assert.equal(statusName(a.stepRaw(active)), 'BAD_INPUT');
      assert.deepEqual(snapshot(a), snapshot(b));
      // Hidden state (sums, reset currents) too: the next steps must agree.
      for (const next of [[0, 2], [1], []]) {
        a.step(next);
        b.step(next);
        assert.deepEqual(snapshot(a), snapshot(b));
      }
    });
  }
  it('a list as long as inputCount, with duplicates, is a valid step', () => {
    const [a] = twins();
    assert.equal(statusName(a.stepRaw([0, 0, 0])), 'OK');
    assert.equal(a.stepCount, history.length + 1);
  });
});
