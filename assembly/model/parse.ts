// The .hsm parser and validator (docs/model-format.md). The bytes come from the wire or a file and
// are fully untrusted: every size is computed in 64 bits against the bytes present, every index
// checked, and a file is only marked loaded when all of it has passed. Sections are handled in
// file order, one function each, and each returns a status code (`if (err) return err` keeps
// them linear).

import * as E from './errors';
import { crc32 } from './crc32';
import {
  Layer,
  layerAt,
  Model,
  FORMAT_MAX_LAYERS,
  MAX_LAYERS,
  KIND_RECURRENT,
  KIND_READOUT,
} from './network';
import { ModelFrontend, validConfig } from './frontend-section';
import { ModelDetect, MAX_SMOOTHING_SHIFT } from './detect-section';

/** The newest format version this parser reads; it reads every version from 1 up to it. */
export const FORMAT_VERSION: u32 = 3;
const FIRST_FRONTEND_VERSION: u32 = 2;
const FIRST_DETECT_VERSION: u32 = 3;
const MAGIC: u32 = 0x4e595348; // "HSYN" read as a little-endian u32
const FILE_HEADER_BYTES: u32 = 16;
const SECTION_HEADER_BYTES: u32 = 8;
const CRC_BYTES: u32 = 4;

const SECTION_MODEL: u32 = 1;
const SECTION_LABELS: u32 = 2;
const SECTION_FRONTEND: u32 = 3;
const SECTION_DETECT: u32 = 4;
const SECTION_LAYER: u32 = 8;

const MODEL_FIXED_BYTES: u32 = 13;
const FRONTEND_BYTES: u32 = 12;
const DETECT_FIXED_BYTES: u32 = 8;
const ENCODING_DELTA: u32 = 0;
const LAYER_FIXED_BYTES: u32 = 20;
const MAX_NAME_BYTES: u32 = 63;
const MAX_LABEL_BYTES: u32 = 63;
const DECAY_ONE: u32 = 65536;
const MAX_WEIGHT_SHIFT: u32 = 16;
const MAX_STATE_FRAC_BITS: u32 = 62;
const DECISION_SUM: u32 = 0;


@inline
function pad4(x: u64): u64 {
  return (x + 3) & ~(<u64>3);
}

/** The format version of the file last parsed (valid while a model is loaded). */
export class FileFormat {
  static version: u32 = 0;
}

/** Parses and validates `bytes` at `base`. On OK, Model and the layer table describe the network. */
export function parseModel(base: usize, bytes: u32): i32 {
  Model.loaded = false;
  ModelFrontend.present = false;
  ModelDetect.present = false;
  if (bytes < FILE_HEADER_BYTES + CRC_BYTES) return E.TRUNCATED;
  if (load<u32>(base) != MAGIC) return E.BAD_MAGIC;
  const version = <u32>load<u16>(base, 4);
  if (version == 0 || version > FORMAT_VERSION) return E.BAD_VERSION;
  const declared = load<u32>(base, 8);
  if (declared > bytes) return E.TRUNCATED;
  if (declared != bytes || load<u16>(base, 6) != 0) return E.BAD_LENGTH;
  const end = base + bytes - CRC_BYTES;
  if (crc32(base, bytes - CRC_BYTES) != load<u32>(end)) return E.BAD_CRC;

  const sectionCount = load<u32>(base, 12);
  let at = base + FILE_HEADER_BYTES;
  let layerIndex: i32 = 0;
  let expected = SECTION_MODEL;
  for (let i: u32 = 0; i < sectionCount; i++) {
    if (<u64>at + SECTION_HEADER_BYTES > <u64>end) return E.BAD_SECTION;
    const id = <u32>load<u16>(at);
    const payloadBytes = load<u32>(at, 4);
    if (load<u16>(at, 2) != 0) return E.BAD_SECTION;
    const payload = at + SECTION_HEADER_BYTES;
    if (<u64>payload + <u64>payloadBytes > <u64>end) return E.BAD_SECTION;
    const frontend = id == SECTION_FRONTEND && version >= FIRST_FRONTEND_VERSION;
    const detect = id == SECTION_DETECT && version >= FIRST_DETECT_VERSION;
    if (id != SECTION_MODEL && id != SECTION_LABELS && id != SECTION_LAYER && !frontend && !detect) {
      return E.UNKNOWN_SECTION;
    }
    // FRONTEND then DETECT are optional, each at most once, between LABELS and the first LAYER.
    const optional = frontend || detect;
    if (optional ? expected != SECTION_LAYER || layerIndex != 0 || ModelDetect.present : id != expected) {
      return E.SECTION_ORDER;
    }
    if (frontend && ModelFrontend.present) return E.SECTION_ORDER;

    let err: i32;
    if (frontend) {
      err = parseFrontendSection(payload, payloadBytes);
    } else if (detect) {
      err = parseDetectSection(payload, payloadBytes);
    } else if (id == SECTION_MODEL) {
      err = parseModelSection(payload, payloadBytes);
      expected = SECTION_LABELS;
    } else if (id == SECTION_LABELS) {
      err = parseLabelsSection(payload, payloadBytes);
      expected = SECTION_LAYER;
    } else {
      if (layerIndex >= Model.layerCount) return E.SECTION_ORDER;
      err = parseLayerSection(payload, payloadBytes, layerIndex);
      layerIndex++;
    }
    if (err != E.OK) return err;
    at = payload + <usize>pad4(payloadBytes);
  }
  if (layerIndex != Model.layerCount || expected != SECTION_LAYER) return E.SECTION_ORDER;
  if (at != end) return E.BAD_SECTION;
  if (Model.labelCount != layerAt(Model.layerCount - 1).neuronCount) return E.BAD_LABELS;

  Model.base = base;
  Model.bytes = bytes;
  FileFormat.version = version;
  return E.OK;
}

function parseModelSection(p: usize, n: u32): i32 {
  if (n < MODEL_FIXED_BYTES) return E.BAD_SECTION;
  const nameBytes = <u32>load<u8>(p, 12);
  if (n != MODEL_FIXED_BYTES + nameBytes) return E.BAD_SECTION;
  const timestepUs = load<u32>(p);
  const inputCount = <u32>load<u16>(p, 4);
  const layerCount = <i32>load<u16>(p, 6);
  if (timestepUs == 0 || inputCount == 0 || layerCount == 0 || layerCount > FORMAT_MAX_LAYERS)
    return E.BAD_MODEL;
  if (MAX_LAYERS < FORMAT_MAX_LAYERS && layerCount > MAX_LAYERS) return E.TOO_LARGE; // a board build
  if (load<u8>(p, 9) != 0 || nameBytes > MAX_NAME_BYTES) return E.BAD_MODEL;
  if (<u32>load<u8>(p, 8) != DECISION_SUM) return E.BAD_DECISION;
  Model.timestepUs = timestepUs;
  Model.inputCount = inputCount;
  Model.layerCount = layerCount;
  Model.decisionMode = <u32>load<u8>(p, 8);
  Model.decisionSkipSteps = <u32>load<u16>(p, 10);
  Model.nameBytes = nameBytes;
  Model.name = p + MODEL_FIXED_BYTES;
  return E.OK;
}

function parseFrontendSection(p: usize, n: u32): i32 {
  if (n != FRONTEND_BYTES) return E.BAD_SECTION;
  ModelFrontend.sampleRateHz = load<u32>(p);
  ModelFrontend.bands = <u32>load<u16>(p, 4);
  ModelFrontend.windowMs = <u32>load<u8>(p, 6);
  ModelFrontend.hopMs = <u32>load<u8>(p, 7);
  ModelFrontend.thresholdQ8 = <u32>load<u16>(p, 8);
  if (<u32>load<u8>(p, 10) != ENCODING_DELTA || load<u8>(p, 11) != 0) return E.BAD_FRONTEND;
  if (
    !validConfig(
      ModelFrontend.sampleRateHz,
      ModelFrontend.bands,
      ModelFrontend.windowMs,
      ModelFrontend.hopMs,
      ModelFrontend.thresholdQ8,
    )
  ) {
    return E.BAD_FRONTEND;
  }
  if (ModelFrontend.bands << 1 != Model.inputCount) return E.BAD_FRONTEND;
  ModelFrontend.present = true;
  return E.OK;
}

function parseDetectSection(p: usize, n: u32): i32 {
  if (n < DETECT_FIXED_BYTES) return E.BAD_SECTION;
  const shift = <u32>load<u8>(p);
  const classes = <u32>load<u16>(p, 4);
  if (n != DETECT_FIXED_BYTES + (classes << 2)) return E.BAD_SECTION;
  if (load<u8>(p, 1) != 0 || load<u16>(p, 6) != 0) return E.BAD_DETECT;
  if (shift > MAX_SMOOTHING_SHIFT || classes != Model.labelCount) return E.BAD_DETECT;
  ModelDetect.smoothingShift = shift;
  ModelDetect.suppressSteps = <u32>load<u16>(p, 2);
  ModelDetect.thresholds = p + DETECT_FIXED_BYTES;
  ModelDetect.present = true;
  return E.OK;
}

function parseLabelsSection(p: usize, n: u32): i32 {
  if (n < 2) return E.BAD_LABELS;
  const count = <u32>load<u16>(p);
  const end = p + n;
  let at = p + 2;
  for (let i: u32 = 0; i < count; i++) {
    if (at >= end) return E.BAD_LABELS;
    const length = <u32>load<u8>(at);
    if (length == 0 || length > MAX_LABEL_BYTES) return E.BAD_LABELS;
    at += 1 + length;
    if (at > end) return E.BAD_LABELS;
  }
  if (at != end) return E.BAD_SECTION;
  Model.labels = p + 2;
  Model.labelCount = count;
  return E.OK;
}

function parseLayerSection(p: usize, n: u32, index: i32): i32 {
  if (n < LAYER_FIXED_BYTES) return E.BAD_SECTION;
  const L = layerAt(index);
  const kind = <u32>load<u8>(p);
  const bucketBits = <u32>load<u8>(p, 1);
  const levelCount = <u32>load<u8>(p, 2);
  const flags = <u32>load<u8>(p, 3);
  const inputCount = <u32>load<u16>(p, 4);
  const neuronCount = <u32>load<u16>(p, 6);
  const weightShift = <u32>load<u8>(p, 8);
  const stateFracBits = <u32>load<u8>(p, 9);
  const resetDecay = load<u32>(p, 12);
  const synapseCount = load<u32>(p, 16);

  if (kind > KIND_READOUT || (flags & ~1) != 0 || load<u16>(p, 10) != 0 || neuronCount == 0) {
    return E.BAD_LAYER;
  }
  if (weightShift > MAX_WEIGHT_SHIFT || stateFracBits > MAX_STATE_FRAC_BITS) return E.BAD_LAYER;
  if (kind == KIND_READOUT && resetDecay != 0) return E.BAD_LAYER;
  if ((kind == KIND_READOUT) != (index == Model.layerCount - 1)) return E.READOUT_POSITION;
  const feeding = index == 0 ? Model.inputCount : layerAt(index - 1).neuronCount;
  if (inputCount != feeding) return E.LAYER_MISMATCH;
  if (bucketBits != 0 && bucketBits != 4 && bucketBits != 8) return E.BAD_LEVELS;
  if (levelCount == 0 || levelCount > (bucketBits == 8 ? 64 : 16)) return E.BAD_LEVELS;
  if (resetDecay > DECAY_ONE) return E.BAD_DECAY;

  const sparse = (flags & 1) != 0;
  const spiking = kind != KIND_READOUT;
  const rows = <u64>inputCount + (kind == KIND_RECURRENT ? <u64>neuronCount : 0);
  const possible = rows * <u64>neuronCount;
  if (sparse ? <u64>synapseCount > possible : <u64>synapseCount != possible) return E.BAD_SPARSE;

  // Array offsets within the payload, in file order; all in 64 bits, checked against n at the end.
  const syn = <u64>synapseCount;
  let off: u64 = LAYER_FIXED_BYTES;
  const levelDecayAt = off;
  off += pad4(4 * <u64>levelCount);
  const thresholdAt = off;
  if (spiking) off += 4 * <u64>neuronCount;
  const driveAt = off;
  off += 4 * <u64>neuronCount;
  const neuronLevelAt = off;
  if (bucketBits == 0) off += pad4(<u64>neuronCount);
  const rowStartAt = off;
  if (sparse) off += 4 * (rows + 1);
  const columnAt = off;
  if (sparse) off += pad4(2 * syn);
  const weightAt = off;
  off += pad4(syn);
  const synapseLevelAt = off;
  if (bucketBits == 4) off += pad4((syn + 1) >> 1);
  else if (bucketBits == 8) off += pad4(syn);
  if (off != <u64>n) return E.BAD_SECTION;

  for (let k: u32 = 0; k < levelCount; k++) {
    if (load<u32>(p + <usize>levelDecayAt + (k << 2)) > DECAY_ONE) return E.BAD_DECAY;
  }
  if (spiking) {
    for (let j: u32 = 0; j < neuronCount; j++) {
      if (load<i32>(p + <usize>thresholdAt + (j << 2)) < 1) return E.BAD_THRESHOLD;
    }
  }
  if (bucketBits == 0) {
    for (let j: u32 = 0; j < neuronCount; j++) {
      if (<u32>load<u8>(p + <usize>neuronLevelAt + j) >= levelCount) return E.LEVEL_INDEX;
    }
  }
  if (sparse) {
    const err = checkSparseRows(
      p + <usize>rowStartAt,
      p + <usize>columnAt,
      <u32>rows,
      neuronCount,
      synapseCount,
    );
    if (err != E.OK) return err;
  }
  if (bucketBits != 0) {
    const err = checkSynapseLevels(p + <usize>synapseLevelAt, synapseCount, bucketBits, levelCount);
    if (err != E.OK) return err;
  }

  L.kind = kind;
  L.inputCount = inputCount;
  L.neuronCount = neuronCount;
  L.rows = <u32>rows;
  L.levelCount = levelCount;
  L.stateWidth = bucketBits == 0 ? 1 : levelCount;
  L.bucketBits = bucketBits;
  L.sparse = sparse;
  L.weightShift = weightShift;
  L.stateFracBits = stateFracBits;
  L.resetDecayQ16 = resetDecay;
  L.synapseCount = synapseCount;
  L.levelDecayQ16 = p + <usize>levelDecayAt;
  L.threshold = spiking ? p + <usize>thresholdAt : 0;
  L.drive = p + <usize>driveAt;
  L.neuronLevel = bucketBits == 0 ? p + <usize>neuronLevelAt : 0;
  L.rowStart = sparse ? p + <usize>rowStartAt : 0;
  L.column = sparse ? p + <usize>columnAt : 0;
  L.weight = p + <usize>weightAt;
  L.synapseLevel = bucketBits != 0 ? p + <usize>synapseLevelAt : 0;
  return E.OK;
}

function checkSparseRows(
  rowStart: usize,
  column: usize,
  rows: u32,
  neuronCount: u32,
  synapseCount: u32,
): i32 {
  if (load<u32>(rowStart) != 0 || load<u32>(rowStart + ((<usize>rows) << 2)) != synapseCount) {
    return E.BAD_SPARSE;
  }
  for (let r: u32 = 0; r < rows; r++) {
    const first = load<u32>(rowStart + ((<usize>r) << 2));
    const last = load<u32>(rowStart + ((<usize>(r + 1)) << 2));
    if (last < first || last > synapseCount) return E.BAD_SPARSE;
    let previous: i32 = -1;
    for (let s = first; s < last; s++) {
      const j = <i32>load<u16>(column + ((<usize>s) << 1));
      if (j <= previous || <u32>j >= neuronCount) return E.BAD_SPARSE;
      previous = j;
    }
  }
  return E.OK;
}

function checkSynapseLevels(levels: usize, synapseCount: u32, bucketBits: u32, levelCount: u32): i32 {
  if (bucketBits == 8) {
    for (let s: u32 = 0; s < synapseCount; s++) {
      if (<u32>load<u8>(levels + s) >= levelCount) return E.LEVEL_INDEX;
    }
    return E.OK;
  }
  const packedBytes = (synapseCount + 1) >> 1;
  for (let b: u32 = 0; b < packedBytes; b++) {
    const byte = <u32>load<u8>(levels + b);
    if ((byte & 15) >= levelCount || byte >> 4 >= levelCount) return E.LEVEL_INDEX;
  }
  if ((synapseCount & 1) != 0 && (<u32>load<u8>(levels + packedBytes - 1)) >> 4 != 0) return E.LEVEL_INDEX;
  return E.OK;
}
