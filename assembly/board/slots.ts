// The two model storage slots of docs/board-abi.md ("Storage slots") and the upload into them.
//
//   slot:  0 magic "HSLT" | 4 generation u32 | 8 modelBytes u32 | 12 modelCrc u32 | 16 model ...
//
// The active slot is the valid one (magic, size, model hash of the stored bytes) with the highest
// generation. An upload erases the other slot, writes the model at 16, verifies it by reading it
// back, and COMMIT writes the header last: until then a power cut leaves the old slot newest.
// A model runs from its slot where it lies (storage_map): it is never copied into RAM.
// The upload's state lives in RAM only. Functions return protocol ERROR codes (codes.ts) with
// Fail.detail, as the handlers answer them.

import { CRC32_START, crc32Update, crc32Finish } from '../model/crc32';
import { storageBytes, storageErase, storageMap, storageRead, storageWrite } from '../abi/imports';
import { logValue } from '../abi/log';
import { loadModel } from '../engine/model-load';
import { Model } from '../model/network';
import * as E from '../model/errors';
import * as P from '../protocol/codes';

const HEADER_BYTES: u32 = 16;
const TRAILER_BYTES: u32 = 4;
const SLOT_MAGIC: u32 = 0x544c5348; // "HSLT" as a little-endian u32
/** Header reads and CRC read-back go through this buffer, so a check needs no model-sized RAM. */
const CHUNK_BYTES: u32 = 64;
const CHUNK = memory.data(CHUNK_BYTES, 4);

export const NO_SLOT: i32 = -1;

export const UPLOAD_NONE: u32 = 0;
export const UPLOAD_RECEIVING: u32 = 1;
export const UPLOAD_VERIFIED: u32 = 2;

/** The active slot's header (NO_SLOT: none valid). */
export class Slots {
  static active: i32 = NO_SLOT;
  static generation: u32 = 0;
  static modelBytes: u32 = 0;
  static modelCrc: u32 = 0;
}

export class Upload {
  static state: u32 = UPLOAD_NONE;
  static slot: i32 = 0;
  static size: u32 = 0;
  static crc: u32 = 0;
  /** The next byte the board wants: every byte before it is written. */
  static offset: u32 = 0;
}

// The header slotValid read last, and the status of a failed storage read.
let foundGeneration: u32 = 0;
let foundBytes: u32 = 0;
let foundCrc: u32 = 0;
let readStatus: i32 = 0;
let trailerOk = false;

/** The largest model a slot holds. */
export function slotCapacity(): u32 {
  const total = storageBytes();
  return total > HEADER_BYTES ? total - HEADER_BYTES : 0;
}

/**
 * The model hash of `bytes` stored model bytes of `slot` (docs/protocol.md): the CRC-32 of all but
 * the last 4 bytes, which must hold that same CRC (little-endian), as every .hsm file ends. The CRC
 * of a whole .hsm is the same constant for every intact file, so it could not tell models apart.
 * On a read failure readStatus != 0; a mismatched trailer returns the CRC with trailerOk false.
 */
function storedHash(slot: i32, bytes: u32): u32 {
  trailerOk = false;
  readStatus = 0;
  if (bytes < TRAILER_BYTES) return 0;
  const covered = bytes - TRAILER_BYTES;
  let crc = CRC32_START;
  for (let at: u32 = 0; at < covered; at += CHUNK_BYTES) {
    const n = covered - at < CHUNK_BYTES ? covered - at : CHUNK_BYTES;
    readStatus = storageRead(slot, HEADER_BYTES + at, CHUNK, n);
    if (readStatus != 0) return 0;
    crc = crc32Update(crc, CHUNK, n);
  }
  crc = crc32Finish(crc);
  readStatus = storageRead(slot, HEADER_BYTES + covered, CHUNK, TRAILER_BYTES);
  if (readStatus != 0) return 0;
  trailerOk = load<u32>(CHUNK) == crc;
  return crc;
}

/** Whether `slot` holds a valid model; its header is then in found*. */
function slotValid(slot: i32): bool {
  readStatus = storageRead(slot, 0, CHUNK, HEADER_BYTES);
  if (readStatus != 0 || load<u32>(CHUNK) != SLOT_MAGIC) return false;
  foundGeneration = load<u32>(CHUNK, 4);
  foundBytes = load<u32>(CHUNK, 8);
  foundCrc = load<u32>(CHUNK, 12);
  if (foundBytes > slotCapacity()) return false;
  const crc = storedHash(slot, foundBytes);
  return readStatus == 0 && trailerOk && crc == foundCrc;
}

function setActive(slot: i32): void {
  Slots.active = slot;
  Slots.generation = foundGeneration;
  Slots.modelBytes = foundBytes;
  Slots.modelCrc = foundCrc;
}

/** Loads the `bytes` model bytes of `slot` where the board maps them: 0, or an engine code. */
function loadSlot(slot: i32, bytes: u32): i32 {
  const at = storageMap(slot);
  // Unmapped, or mapped where the model would not fit the address space: the loader refuses it.
  return loadModel(at == 0 ? 0 : at + HEADER_BYTES, bytes);
}

/** Loads the active slot's model again (after a refused candidate unloaded it). */
function reloadActive(): void {
  Model.loaded = false;
  if (Slots.active != NO_SLOT) loadSlot(Slots.active, Slots.modelBytes);
}

/** Finds the active slot and loads its model: 0 (also with none), or the engine's code refusing it. */
export function slotsInit(): i32 {
  Slots.active = NO_SLOT;
  Upload.state = UPLOAD_NONE;
  for (let slot = 0; slot < 2; slot++) {
    if (slotValid(slot) && (Slots.active == NO_SLOT || foundGeneration > Slots.generation)) setActive(slot);
  }
  if (Slots.active == NO_SLOT) {
    logValue('hetsyn: no valid model stored; slot bytes', <i32>storageBytes());
    return 0;
  }
  const code = loadSlot(Slots.active, Slots.modelBytes);
  if (code != 0) {
    logValue('hetsyn: stored model refused; engine code', code);
    return code;
  }
  logValue('hetsyn: model loaded from slot', Slots.active);
  return 0;
}

export function uploadBegin(size: u32, crc: u32): i32 {
  if (Upload.state != UPLOAD_NONE && size == Upload.size && crc == Upload.crc) return P.OK; // resume
  Upload.state = UPLOAD_NONE;
  const capacity = slotCapacity();
  if (size > capacity) return P.fail(P.TOO_LARGE, <i32>capacity);
  if (size < TRAILER_BYTES) return P.BAD_REQUEST;
  const slot = Slots.active == 0 ? 1 : 0;
  const status = storageErase(slot);
  if (status != 0) return P.fail(P.STORAGE, status);
  Upload.state = UPLOAD_RECEIVING;
  Upload.slot = slot;
  Upload.size = size;
  Upload.crc = crc;
  Upload.offset = 0;
  return P.OK;
}

/** Writes a chunk that starts at the board's offset; any other chunk changes nothing. */
export function uploadChunk(offset: u32, src: usize, bytes: u32): i32 {
  if (Upload.state == UPLOAD_NONE) return P.NO_UPLOAD;
  if (offset != Upload.offset || bytes == 0) return P.OK;
  if (<u64>offset + <u64>bytes > <u64>Upload.size) return P.BAD_REQUEST;
  const status = storageWrite(Upload.slot, HEADER_BYTES + offset, src, <i32>bytes);
  if (status != 0) {
    // Part of the chunk may be written, so it cannot be written again: the upload is over.
    Upload.state = UPLOAD_NONE;
    return P.fail(P.STORAGE, status);
  }
  Upload.offset += bytes;
  return P.OK;
}

/** Verifies a complete upload by reading it back; an incomplete one is left as it is. */
export function uploadEnd(): i32 {
  if (Upload.state == UPLOAD_NONE) return P.NO_UPLOAD;
  if (Upload.state == UPLOAD_RECEIVING && Upload.offset == Upload.size) {
    const crc = storedHash(Upload.slot, Upload.size);
    if (readStatus != 0) return P.fail(P.STORAGE, readStatus);
    if (crc != Upload.crc || !trailerOk) {
      Upload.state = UPLOAD_NONE;
      return P.fail(P.HASH_MISMATCH, <i32>crc);
    }
    Upload.state = UPLOAD_VERIFIED;
  }
  return P.OK;
}

/** Loads the verified upload, then makes it the active slot by writing its header. */
export function commit(): i32 {
  if (Upload.state == UPLOAD_NONE) return P.NO_UPLOAD;
  if (Upload.state != UPLOAD_VERIFIED) return P.NOT_VERIFIED;
  const code = loadSlot(Upload.slot, Upload.size);
  if (code != 0) {
    reloadActive();
    return P.fail(P.MODEL_REJECTED, code);
  }
  foundGeneration = Slots.active == NO_SLOT ? 1 : Slots.generation + 1;
  foundBytes = Upload.size;
  foundCrc = Upload.crc;
  store<u32>(CHUNK, SLOT_MAGIC);
  store<u32>(CHUNK, foundGeneration, 4);
  store<u32>(CHUNK, foundBytes, 8);
  store<u32>(CHUNK, foundCrc, 12);
  Upload.state = UPLOAD_NONE;
  const status = storageWrite(Upload.slot, 0, CHUNK, HEADER_BYTES);
  if (status != 0) {
    reloadActive();
    return P.fail(P.STORAGE, status);
  }
  setActive(Upload.slot);
  return P.OK;
}

/** Erases the active slot when the other one holds a valid model, and loads that. */
export function rollback(): i32 {
  if (Slots.active == NO_SLOT) return P.NO_ROLLBACK;
  const other = Slots.active ^ 1;
  if (!slotValid(other)) return readStatus != 0 ? P.fail(P.STORAGE, readStatus) : P.NO_ROLLBACK;
  const status = storageErase(Slots.active);
  if (status != 0) return P.fail(P.STORAGE, status);
  Upload.state = UPLOAD_NONE;
  setActive(other);
  const code = loadSlot(other, foundBytes);
  if (code != 0) return P.fail(P.MODEL_REJECTED, code);
  return P.OK;
}
