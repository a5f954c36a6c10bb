/**
 * Model storage for the virtual board and the tests: two slots with NOR flash semantics (erase sets
 * a whole slot to 0xFF; a write may only go into erased bytes). MemoryStorage keeps them in RAM;
 * FileStorage in one file holding slot 0 then slot 1, written through synchronously, so a process
 * killed in the middle of an upload leaves on disk exactly the bytes written before.
 *
 * A power cut can be simulated: `powerCutAfterBytes` stops the storage the moment that many bytes
 * have been written (counted from when it was opened; erases not counted): in the middle of the
 * write that crosses the count (the bytes before the cut are kept), or right after the write that
 * reaches it exactly. It throws PowerCutError out of the module's call; `onWrite` sees the running
 * total after every write that did not cut.
 */

import { closeSync, existsSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import type { SlotStorage } from '../wasm/board-imports.js';
import { StorageStatus } from '../wasm/storage-status.js';

export const ERASED = 0xff;

export interface StorageOptions {
  /** Bytes per slot. */
  slotBytes: number;
  /** Called after every successful write with the bytes written so far by this storage object. */
  onWrite?: (totalBytesWritten: number) => void;
  /** The storage dies once this many bytes are written (see PowerCutError). */
  powerCutAfterBytes?: number;
}

/** Thrown by the write that reached `powerCutAfterBytes`: the board lost power. */
export class PowerCutError extends Error {
  constructor(readonly bytesWritten: number) {
    super(`power cut after ${bytesWritten} bytes written to storage`);
    this.name = 'PowerCutError';
  }
}

abstract class NorStorage implements SlotStorage {
  readonly slotBytes: number;
  /** Bytes written by write() so far (erases not counted). */
  bytesWritten = 0;
  protected readonly bytes: Uint8Array;
  private readonly onWrite: ((total: number) => void) | undefined;
  private readonly powerCutAfterBytes: number;

  protected constructor(options: StorageOptions, bytes: Uint8Array) {
    if (!Number.isInteger(options.slotBytes) || options.slotBytes < 0 || options.slotBytes > 0x7fffffff) {
      throw new RangeError(`slotBytes must be an integer in [0, 2^31): ${options.slotBytes}`);
    }
    this.slotBytes = options.slotBytes;
    this.bytes = bytes;
    this.onWrite = options.onWrite;
    this.powerCutAfterBytes = options.powerCutAfterBytes ?? Infinity;
  }

  /**
   * Where [offset, offset + length) of `slot` starts in `bytes`, or the failing status (negative):
   * SLOT for a slot other than 0 and 1, RANGE for bytes outside it.
   */
  private at(slot: number, offset: number, length: number): number {
    if (slot !== 0 && slot !== 1) return StorageStatus.SLOT;
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0) {
      return StorageStatus.RANGE;
    }
    if (offset + length > this.slotBytes) return StorageStatus.RANGE;
    return slot * this.slotBytes + offset;
  }

  erase(slot: number): number {
    const at = this.at(slot, 0, this.slotBytes);
    if (at < 0) return at;
    this.bytes.fill(ERASED, at, at + this.slotBytes);
    this.persist(at, this.slotBytes);
    return StorageStatus.OK;
  }

  write(slot: number, offset: number, data: Uint8Array): number {
    const at = this.at(slot, offset, data.length);
    if (at < 0) return at;
    for (let i = 0; i < data.length; i++) {
      if (this.bytes[at + i] !== ERASED) return StorageStatus.NOT_ERASED;
    }
    // The cut comes the moment the total reaches powerCutAfterBytes, in the middle of a write or
    // at its end: a write that brings the total to exactly n is kept whole, and then power is gone.
    const room = this.powerCutAfterBytes - this.bytesWritten;
    if (data.length >= room) {
      const kept = Math.max(0, Math.min(data.length, room));
      this.bytes.set(data.subarray(0, kept), at);
      this.persist(at, kept);
      this.bytesWritten += kept;
      throw new PowerCutError(this.bytesWritten);
    }
    this.bytes.set(data, at);
    this.persist(at, data.length);
    this.bytesWritten += data.length;
    this.onWrite?.(this.bytesWritten);
    return StorageStatus.OK;
  }

  read(slot: number, offset: number, length: number): Uint8Array | null {
    const at = this.at(slot, offset, length);
    return at < 0 ? null : this.bytes.slice(at, at + length);
  }

  /** Both slots as they are now (a copy): slot 0, then slot 1. */
  snapshot(): Uint8Array {
    return this.bytes.slice();
  }

  protected abstract persist(at: number, length: number): void;
}

export class MemoryStorage extends NorStorage {
  /** Erased slots, or (with `image`, e.g. another storage's snapshot()) those bytes. */
  constructor(options: StorageOptions, image?: Uint8Array) {
    const bytes = new Uint8Array(2 * options.slotBytes).fill(ERASED);
    if (image) {
      if (image.length !== bytes.length)
        throw new RangeError(`image of ${image.length} bytes for ${bytes.length}`);
      bytes.set(image);
    }
    super(options, bytes);
  }

  protected override persist(): void {}
}

export class FileStorage extends NorStorage {
  private fd: number | undefined;

  private constructor(options: StorageOptions, fd: number, bytes: Uint8Array) {
    super(options, bytes);
    this.fd = fd;
  }

  /**
   * Opens `path` (2 x slotBytes bytes), creating it 0xFF-filled when absent. An existing file of
   * another size is refused: it was made for other slots.
   */
  static open(path: string, options: StorageOptions): FileStorage {
    const size = 2 * options.slotBytes;
    const created = !existsSync(path);
    const fd = openSync(path, created ? 'w+' : 'r+');
    try {
      const bytes = new Uint8Array(size).fill(ERASED);
      if (created) {
        writeSync(fd, bytes, 0, size, 0);
      } else {
        const found = fstatSync(fd).size;
        if (found !== size) {
          throw new RangeError(`${path} holds ${found} bytes; slots of ${options.slotBytes} need ${size}`);
        }
        let done = 0;
        while (done < size) {
          const n = readSync(fd, bytes, done, size - done, done);
          if (n <= 0) break;
          done += n;
        }
      }
      return new FileStorage(options, fd, bytes);
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  }

  protected override persist(at: number, length: number): void {
    if (this.fd === undefined) throw new Error('FileStorage used after close()');
    let done = 0;
    while (done < length) done += writeSync(this.fd, this.bytes, at + done, length - done, at + done);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
