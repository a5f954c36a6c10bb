/**
 * Flashing one model onto one board (docs/protocol.md, "Model upload"):
 *
 *     UPLOAD_BEGIN(size, crc32)  -> offset (0, or where an interrupted upload of the same file stands)
 *     UPLOAD_CHUNK(offset, ...)  -> the board's offset; the next chunk starts there, whatever was sent
 *     UPLOAD_END                 -> the board read the bytes back and their CRC-32 matches
 *     COMMIT                     -> the board loaded the model and made it the active one
 *
 * The board dictates every offset, so a lost chunk or a lost reply costs one repeat, and a caller
 * whose link dropped reopens it, connects a new client and calls again: UPLOAD_BEGIN with the same
 * size and CRC resumes where the board stands.
 */

import { crc32, hex32 } from '../model/crc32.js';
import type { BoardClient, DeviceResult } from './client.js';
import { LinkTimeoutError, ProtocolError } from './errors.js';
import { FRAME_OVERHEAD_BYTES } from './frame.js';
import type { DeviceError } from './device-errors.js';
import {
  encodeUploadChunk,
  UPLOAD_CHUNK_HEADER_BYTES,
  type HelloInfo,
  type UploadStatus,
} from './messages.js';

/** Whole uploads tried when the board loses one (NO_UPLOAD: it restarted) or its CRC differs. */
export const MAX_UPLOAD_ATTEMPTS = 3;
/** Chunk replies in a row that may leave the board's offset where it was before we give up. */
export const MAX_OFFSET_STALLS = 8;
/**
 * Chunk sizing on a lossy link (AIMD): a chunk whose reply timed out halves the next ones (a long
 * frame is more likely to be hit), down to MIN_CHUNK_BYTES; each good reply grows them by
 * CHUNK_GROW_BYTES, up to what maxFrame allows. At 1% of bytes damaged this settles near 40 bytes,
 * where a try succeeds about half the time; on a clean link chunks stay at the maximum. The link
 * counts as dead when no reply came for UPLOAD_SILENCE_MS, or client.deadLinkMs (the docs' 1 + 4
 * tries of 500 ms) if that is longer.
 */
export const MIN_CHUNK_BYTES = 16;
/** An upload gives up after this long without any reply (chunks shrinking meanwhile). */
export const UPLOAD_SILENCE_MS = 10_000;
export const CHUNK_GROW_BYTES = 16;

export interface UploadProgress {
  /** Bytes the board holds. */
  offset: number;
  size: number;
  /** Where this call started (above 0 when it resumed an interrupted upload). */
  resumedFrom: number;
}

export type FlashOutcome =
  | {
      ok: true;
      size: number;
      /** The model hash the board verified (modelHash): the .hsm's own CRC-32. */
      crc32: number;
      slot: number;
      generation: number;
      /** The offset UPLOAD_BEGIN returned in the last attempt: above 0 means it resumed. */
      resumedFrom: number;
      /** An earlier call (on a link that then dropped) had already committed it: nothing was sent. */
      committedEarlier: boolean;
    }
  | {
      ok: false;
      /** What failed, for "Failed to <action>". */
      action: string;
      error: DeviceError;
    };

/**
 * The model hash (docs/protocol.md, "Model upload"): the CRC-32 of all of the file but its last 4
 * bytes, which must hold that same value little-endian, as every .hsm ends. It is the model's own
 * CRC, so it tells models apart (the CRC-32 of a whole .hsm is the same residue, 0x2144DF1C, for
 * every intact file). UPLOAD_BEGIN names it, UPLOAD_END checks it, INFO reports it as modelCrc.
 */
export function modelHash(model: Uint8Array): number {
  return crc32(model.subarray(0, Math.max(0, model.length - 4)));
}

/** The last 4 bytes of the file, little-endian: the CRC it claims for itself (null if shorter). */
export function modelTrailer(model: Uint8Array): number | null {
  if (model.length < 4) return null;
  return new DataView(model.buffer, model.byteOffset + model.length - 4, 4).getUint32(0, true);
}

/** A file the board would refuse at UPLOAD_END: it does not end with its own CRC-32. */
export class ModelHashError extends Error {
  constructor(hash: number, trailer: number | null) {
    super(
      `the model does not end with its own CRC-32 (the bytes hash to 0x${hex32(hash)}, ` +
        `its last 4 bytes hold ${trailer === null ? 'nothing' : `0x${hex32(trailer)}`}): not an intact .hsm file`,
    );
    this.name = 'ModelHashError';
  }
}

/** Model bytes per UPLOAD_CHUNK for a board's maxFrame. */
export function chunkBytesFor(maxFrame: number): number {
  const bytes = maxFrame - FRAME_OVERHEAD_BYTES - UPLOAD_CHUNK_HEADER_BYTES;
  if (bytes < 1) throw new ProtocolError(`the board's maxFrame ${maxFrame} leaves no room for upload data`);
  return bytes;
}

export interface UploadOptions {
  /**
   * The board's generation before an earlier, interrupted call for the same model: a board now
   * past it that runs a model of this size and hash got our COMMIT, so nothing is sent again.
   */
  sinceGeneration?: number;
  /** Chunk size cap (default: as large as the board's maxFrame allows). */
  chunkBytes?: number;
}

/**
 * Flashes `model`, yielding the board's offset after each reply; returns the outcome. Device
 * errors end it with `{ ok: false }`; link failures throw (LinkError), and calling again on a new
 * connection resumes.
 */
export async function* uploadModel(
  client: BoardClient,
  model: Uint8Array,
  options: UploadOptions = {},
): AsyncGenerator<UploadProgress, FlashOutcome> {
  const info = client.info ?? (await client.hello());
  const size = model.length;
  const crc = modelHash(model);
  // Refused here rather than after the whole upload (UPLOAD_END would say HASH_MISMATCH).
  if (modelTrailer(model) !== crc) throw new ModelHashError(crc, modelTrailer(model));
  // A COMMIT of an earlier call went through when the generation moved on and the board runs a
  // model of this size and hash.
  const generationBefore = options.sinceGeneration ?? info.generation;
  if (options.sinceGeneration !== undefined && committedSince(info, generationBefore, size, crc)) {
    return committed(info, size, crc, size, true);
  }
  const chunkBytes = Math.min(options.chunkBytes ?? Infinity, chunkBytesFor(info.maxFrame));
  let resumedFrom = 0;
  for (let attempt = 1; ; attempt++) {
    const begin = await client.uploadBegin(size, crc);
    if (!begin.ok) return { ok: false, action: 'begin the upload', error: begin.error };
    if (begin.reply.size !== size || begin.reply.crc32 !== crc) {
      throw new ProtocolError(
        `UPLOAD_BEGIN(${size} B, crc 0x${hex32(crc)}) answered for ${begin.reply.size} B, crc 0x${hex32(begin.reply.crc32)}`,
      );
    }
    let offset = checkOffset(begin.reply.offset, size);
    resumedFrom = offset;
    yield { offset, size, resumedFrom };

    let stalls = 0;
    let lost: DeviceError | undefined;
    let chunkNow = chunkBytes;
    let lastReplyAt = performance.now();
    let triesSinceReply = 0;
    while (offset < size) {
      let chunk: DeviceResult<UploadStatus>;
      try {
        triesSinceReply++;
        chunk = await client.send(
          'UPLOAD_CHUNK',
          encodeUploadChunk(offset, model.subarray(offset, offset + chunkNow)),
        );
      } catch (error) {
        if (!(error instanceof LinkTimeoutError)) throw error;
        // A long frame on a noisy line rarely arrives whole (0.99^514 at 1% damaged bytes), so
        // each timeout halves the chunk; the board takes any chunk at its offset.
        chunkNow = Math.max(MIN_CHUNK_BYTES, chunkNow >> 1);
        const silentMs = performance.now() - lastReplyAt;
        if (silentMs >= Math.max(UPLOAD_SILENCE_MS, client.deadLinkMs('UPLOAD_CHUNK'))) {
          throw new LinkTimeoutError('UPLOAD_CHUNK', triesSinceReply, silentMs);
        }
        continue;
      }
      lastReplyAt = performance.now();
      triesSinceReply = 0;
      chunkNow = Math.min(chunkBytes, chunkNow + CHUNK_GROW_BYTES);
      if (!chunk.ok) {
        lost = chunk.error;
        break;
      }
      const next = checkOffset(chunk.reply.offset, size);
      stalls = next === offset ? stalls + 1 : 0;
      if (stalls > MAX_OFFSET_STALLS) {
        throw new ProtocolError(`the board's upload offset stays at ${offset} after ${stalls} chunks`);
      }
      offset = next;
      yield { offset, size, resumedFrom };
    }
    if (lost) {
      // The board forgot the upload (it restarted): start again, a few times.
      if (lost.name === 'NO_UPLOAD' && attempt < MAX_UPLOAD_ATTEMPTS) continue;
      return { ok: false, action: `upload the model at byte ${offset} of ${size}`, error: lost };
    }

    const end = await client.uploadEnd();
    if (!end.ok) {
      // A damaged chunk that passed the frame CRC (1 in 65536) shows here: the board abandoned
      // the upload, so a new UPLOAD_BEGIN starts over.
      const retry = end.error.name === 'HASH_MISMATCH' || end.error.name === 'NO_UPLOAD';
      if (retry && attempt < MAX_UPLOAD_ATTEMPTS) continue;
      return { ok: false, action: 'verify the upload', error: end.error };
    }
    if (end.reply.offset !== size) {
      throw new ProtocolError(`UPLOAD_END left the offset at ${end.reply.offset} of ${size}`);
    }

    const commit = await client.commit();
    if (!commit.ok) {
      // A COMMIT sent again after its reply was lost finds no upload: the first one did it,
      // when the generation moved on.
      if (commit.error.name === 'NO_UPLOAD') {
        const now = await client.hello();
        if (committedSince(now, generationBefore, size, crc))
          return committed(now, size, crc, resumedFrom, false);
      }
      return { ok: false, action: 'commit the model', error: commit.error };
    }
    // Verify: the board now reports this model as its active one.
    const after = await client.hello();
    if (!isActive(after, size, crc) || after.activeSlot !== commit.reply.slot) {
      throw new ProtocolError(
        `after COMMIT (slot ${commit.reply.slot}) the board reports slot ${after.activeSlot ?? 'none'}, ` +
          `${after.modelBytes} B, crc 0x${hex32(after.modelCrc)}`,
      );
    }
    return {
      ok: true,
      size,
      crc32: crc,
      slot: commit.reply.slot,
      generation: commit.reply.generation,
      resumedFrom,
      committedEarlier: false,
    };
  }
}

/** uploadModel with a progress callback, for callers that need no generator. */
export async function flashModel(
  client: BoardClient,
  model: Uint8Array,
  onProgress?: (progress: UploadProgress) => void,
  options: UploadOptions = {},
): Promise<FlashOutcome> {
  const upload = uploadModel(client, model, options);
  for (;;) {
    const step = await upload.next();
    if (step.done) return step.value;
    onProgress?.(step.value);
  }
}

function isActive(
  info: { modelLoaded: boolean; activeSlot: number | null; modelBytes: number; modelCrc: number },
  size: number,
  crc: number,
): boolean {
  return (
    info.modelLoaded && info.activeSlot !== null && info.modelBytes === size && info.modelCrc >>> 0 === crc
  );
}

function committedSince(info: HelloInfo, generationBefore: number, size: number, crc: number): boolean {
  return info.generation > generationBefore && isActive(info, size, crc);
}

function committed(
  info: HelloInfo,
  size: number,
  crc: number,
  resumedFrom: number,
  committedEarlier: boolean,
): FlashOutcome & { ok: true } {
  return {
    ok: true,
    size,
    crc32: crc,
    slot: info.activeSlot ?? 0,
    generation: info.generation,
    resumedFrom,
    committedEarlier,
  };
}

function checkOffset(offset: number, size: number): number {
  if (offset > size) throw new ProtocolError(`the board's upload offset ${offset} is past the size ${size}`);
  return offset;
}
