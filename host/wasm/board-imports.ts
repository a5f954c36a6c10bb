/**
 * The board ABI of docs/board-abi.md in JavaScript: the `env` imports of build/hetsyn.wasm, over a
 * UART port, a slot storage and a microphone. The virtual board and the device tests run the module
 * on these; host simulation (host/wasm/engine.ts) gets inert ones (no UART, no storage, no mic).
 *
 * Pointers from the module are bounds-checked here as WAMR checks `*~` arguments: a buffer outside
 * linear memory throws BoardAbiError out of the call, like WAMR's out-of-bounds exception.
 */

import { StorageStatus } from './storage-status.js';
import { WASM_PAGE_BYTES } from '../model/cost.js';

/** The UART as the module sees it: non-blocking both ways. */
export interface UartPort {
  /** Up to `max` received bytes (none: an empty array). */
  read(max: number): Uint8Array;
  /** Takes up to `bytes.length` bytes for transmission; returns how many it took (maybe 0). */
  write(bytes: Uint8Array): number;
}

/** Two model storage slots of `slotBytes` bytes each, with NOR flash semantics. */
export interface SlotStorage {
  readonly slotBytes: number;
  /** Slot 0 or 1 to all 0xFF; a storage status (storage-status.ts): OK, or why it failed. */
  erase(slot: number): number;
  /** Writes into erased bytes only; a storage status (OK, SLOT, RANGE, NOT_ERASED, DEVICE). */
  write(slot: number, offset: number, bytes: Uint8Array): number;
  /** A copy of the bytes, or null when the range is outside the slot. */
  read(slot: number, offset: number, length: number): Uint8Array | null;
}

/** The microphone driver's ring as the module sees it: non-blocking. */
export interface MicPort {
  /** Up to `max` samples of 16-bit mono PCM, oldest first (none yet: an empty array). */
  read(max: number): Int16Array;
}

export interface BoardHost {
  /** null: reads nothing, and writes vanish. */
  uart: UartPort | null;
  /** null: no slots (storage_bytes 0, every other call fails with SLOT). */
  storage: SlotStorage | null;
  /** Default: none (mic_read always returns 0, as on a board without a microphone). */
  mic?: MicPort;
  /** Microseconds, any origin (wrapped to u32); default: always 0. */
  clockUs?: () => number;
  /** The module's log lines; default: dropped. */
  log?: (line: string) => void;
}

/** A pointer argument outside linear memory: WAMR would raise an exception in the instance. */
export class BoardAbiError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BoardAbiError';
  }
}

/** The module called hetsyn_abort: an engine bug (docs/board-abi.md). */
export class WasmAbortError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WasmAbortError';
  }
}

/**
 * The `env` imports, as docs/board-abi.md lists them (pointers and lengths are i32). A type, not an
 * interface, so that it fits WebAssembly.ModuleImports' index signature.
 */
export type BoardEnv = {
  hetsyn_abort(message: number, file: number, line: number, column: number): never;
  uart_read(buf: number, len: number): number;
  uart_write(buf: number, len: number): number;
  storage_bytes(): number;
  storage_erase(slot: number): number;
  storage_write(slot: number, offset: number, buf: number, len: number): number;
  storage_read(slot: number, offset: number, buf: number, len: number): number;
  storage_map(slot: number): number;
  clock_us(): number;
  log(buf: number, len: number): void;
  mic_read(buf: number, len: number): number;
};

/** The import names of docs/board-abi.md, in its order. */
export const BOARD_IMPORTS: readonly (keyof BoardEnv)[] = [
  'hetsyn_abort',
  'uart_read',
  'uart_write',
  'storage_bytes',
  'storage_erase',
  'storage_write',
  'storage_read',
  'storage_map',
  'clock_us',
  'log',
  'mic_read',
];

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** Reads an AssemblyScript string (UTF-16, byte length at ptr - 4) for the abort message. */
function readAsString(memory: WebAssembly.Memory, ptr: number): string {
  if (ptr === 0) return '(null)';
  if (ptr < 4 || ptr > memory.buffer.byteLength) return `(bad pointer ${ptr})`;
  const bytes = new DataView(memory.buffer).getUint32(ptr - 4, true);
  const units = Math.min(bytes >>> 1, (memory.buffer.byteLength - ptr) >>> 1);
  return String.fromCharCode(...new Uint16Array(memory.buffer.slice(ptr, ptr + units * 2)));
}

/**
 * The `env` imports for one instance. `memory` gives that instance's memory, which exists only once
 * the instance does (and whose buffer changes when it grows), so it is asked for on every call.
 */
export function boardImports(
  host: BoardHost,
  memory: () => WebAssembly.Memory | undefined,
): { env: BoardEnv } {
  const { uart, storage, mic } = host;
  const clockUs = host.clockUs ?? (() => 0);
  const log = host.log ?? (() => undefined);

  /** The bytes [ptr, ptr + len) of linear memory, checked as WAMR checks a `*~` pair. */
  const span = (name: string, ptr: number, len: number): Uint8Array => {
    const mem = memory();
    if (!mem) throw new BoardAbiError(`${name} called before the instance exists`);
    const start = ptr >>> 0;
    const length = len | 0;
    if (length < 0 || start + length > mem.buffer.byteLength) {
      throw new BoardAbiError(
        `${name}: buffer [${start}, ${start + length}) outside linear memory (${mem.buffer.byteLength} bytes)`,
      );
    }
    return new Uint8Array(mem.buffer, start, length);
  };
  const validSlot = (slot: number): boolean => slot === 0 || slot === 1;
  // storage_map's view of the slots: a board maps its flash; here linear memory grows once (the
  // module itself never grows it) past everything else, and each call copies the slot there.
  let mappedAt = 0;

  return {
    env: {
      hetsyn_abort(message: number, file: number, line: number, column: number): never {
        const mem = memory();
        const text = (ptr: number): string => (mem ? readAsString(mem, ptr >>> 0) : '?');
        throw new WasmAbortError(`hetsyn.wasm aborted: ${text(message)} at ${text(file)}:${line}:${column}`);
      },
      uart_read(buf: number, len: number): number {
        const target = span('uart_read', buf, len);
        if (!uart || target.length === 0) return 0;
        const got = uart.read(target.length);
        const n = Math.min(got.length, target.length);
        target.set(got.subarray(0, n));
        return n;
      },
      uart_write(buf: number, len: number): number {
        const source = span('uart_write', buf, len);
        if (!uart) return source.length;
        const took = uart.write(source.slice());
        return Math.max(0, Math.min(source.length, Math.floor(took)));
      },
      storage_bytes(): number {
        return storage ? storage.slotBytes | 0 : 0;
      },
      storage_erase(slot: number): number {
        if (!storage || !validSlot(slot)) return StorageStatus.SLOT;
        return storage.erase(slot) | 0;
      },
      storage_write(slot: number, offset: number, buf: number, len: number): number {
        const source = span('storage_write', buf, len);
        if (!storage || !validSlot(slot)) return StorageStatus.SLOT;
        return storage.write(slot, offset >>> 0, source.slice()) | 0;
      },
      storage_read(slot: number, offset: number, buf: number, len: number): number {
        const target = span('storage_read', buf, len);
        if (!storage || !validSlot(slot)) return StorageStatus.SLOT;
        const bytes = storage.read(slot, offset >>> 0, target.length);
        if (!bytes || bytes.length !== target.length) return StorageStatus.RANGE;
        target.set(bytes);
        return StorageStatus.OK;
      },
      storage_map(slot: number): number {
        const mem = memory();
        if (!storage || !validSlot(slot) || !mem) return 0;
        const slotBytes = storage.slotBytes;
        if (mappedAt === 0) {
          mappedAt = mem.buffer.byteLength;
          mem.grow(Math.ceil((2 * slotBytes) / WASM_PAGE_BYTES));
        }
        const bytes = storage.read(slot, 0, slotBytes);
        if (!bytes) return 0;
        const at = mappedAt + slot * slotBytes;
        new Uint8Array(mem.buffer, at, slotBytes).set(bytes);
        return at;
      },
      clock_us(): number {
        return Math.floor(clockUs()) | 0;
      },
      log(buf: number, len: number): void {
        log(utf8.decode(span('log', buf, len)));
      },
      mic_read(buf: number, len: number): number {
        const target = span('mic_read', buf, len);
        if (!mic) return 0;
        const samples = mic.read(target.length >>> 1);
        const n = Math.min(samples.length, target.length >>> 1);
        const view = new DataView(target.buffer, target.byteOffset, 2 * n);
        for (let i = 0; i < n; i++) view.setInt16(2 * i, samples[i] ?? 0, true);
        return 2 * n;
      },
    },
  };
}
