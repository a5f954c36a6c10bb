/**
 * A board in a Node process: its own instance of build/hetsyn.wasm on the JavaScript board ABI
 * (board-imports.ts), driven like a firmware drives it (init once, then poll). The virtual board
 * (`hetsyn board`) puts a pseudo-terminal behind the UART (and a WAV file or stdin behind the
 * microphone, mic.ts); the tests use ByteQueueUart.
 */

import { compileModule, DEFAULT_WASM_PATH } from '../wasm/module.js';
import { boardImports, type MicPort, type SlotStorage, type UartPort } from '../wasm/board-imports.js';
import { MODEL_INFO_FIELD } from '../wasm/engine.js';

export interface DeviceOptions {
  uart: UartPort;
  storage: SlotStorage;
  /** The microphone (default: none, mic_read returns 0). */
  mic?: MicPort;
  /** The module's log lines (default: dropped). */
  log?: (line: string) => void;
  /** Microseconds for step timing (default: process uptime). */
  clockUs?: () => number;
  wasmPath?: string;
  /** Lowers the largest frame body the board accepts (boardSetMaxFrame; clamped to [64, 512]). */
  maxFrame?: number;
}

/** The exports a device uses: the board's entry points and a few engine queries. */
export interface DeviceExports {
  memory: WebAssembly.Memory;
  boardInit(): number;
  boardPoll(): number;
  boardSetMaxFrame(bytes: number): number;
  modelLoaded(): number;
  stepCount(): number;
  decision(): number;
  modelInfo(field: number): number;
  engineVersion(): number;
}

/** pollUntilIdle gave up: the board kept reporting work. */
export class DeviceBusyError extends Error {
  constructor(readonly polls: number) {
    super(`the device was still busy after ${polls} polls`);
    this.name = 'DeviceBusyError';
  }
}

const defaultClockUs = (): number => Math.floor(performance.now() * 1000);

export class Device {
  /** The raw exports, for what the methods below do not cover. */
  readonly exports: DeviceExports;

  private constructor(exports: DeviceExports) {
    this.exports = exports;
  }

  /** A new instance (fresh RAM) on this UART and storage; call init() next, as a firmware does. */
  static open(options: DeviceOptions): Device {
    const holder: { exports?: DeviceExports } = {};
    const imports = boardImports(
      {
        uart: options.uart,
        storage: options.storage,
        ...(options.mic ? { mic: options.mic } : {}),
        clockUs: options.clockUs ?? defaultClockUs,
        log: options.log ?? (() => undefined),
      },
      () => holder.exports?.memory,
    );
    const instance = new WebAssembly.Instance(compileModule(options.wasmPath ?? DEFAULT_WASM_PATH), imports);
    holder.exports = instance.exports as unknown as DeviceExports;
    const device = new Device(holder.exports);
    if (options.maxFrame !== undefined) device.setMaxFrame(options.maxFrame);
    return device;
  }

  /** boardInit: loads the newest valid stored model. 0, an engine code, or a negative storage status. */
  init(): number {
    return this.exports.boardInit();
  }

  /** One boardPoll: 1 if it did anything, 0 if idle. */
  poll(): number {
    return this.exports.boardPoll();
  }

  /**
   * Polls until a poll reports idle; returns how many polls did work. Throws DeviceBusyError after
   * `maxPolls` busy polls (a board that never goes idle on finite input is a bug).
   */
  pollUntilIdle(maxPolls = 100_000): number {
    for (let busy = 0; busy < maxPolls; busy++) {
      if (this.poll() === 0) return busy;
    }
    throw new DeviceBusyError(maxPolls);
  }

  /**
   * Polls until idle or `maxPolls` polls; true if it is still busy. For a board that may rightly
   * stay busy for long (listening to a microphone faster than real time).
   */
  pollWhileBusy(maxPolls: number): boolean {
    for (let polls = 0; polls < maxPolls; polls++) {
      if (this.poll() === 0) return false;
    }
    return true;
  }

  /** The sample rate of the loaded model's front-end (0: no model, or one without a front-end). */
  get frontendRateHz(): number {
    return this.exports.modelInfo(MODEL_INFO_FIELD.frontendSampleRateHz);
  }

  /** The effective maxFrame after clamping. */
  setMaxFrame(bytes: number): number {
    return this.exports.boardSetMaxFrame(bytes);
  }

  get modelLoaded(): boolean {
    return this.exports.modelLoaded() !== 0;
  }
}

export interface ByteQueueUartOptions {
  /** Bytes the transmitter holds until take() (default: unlimited); a full one takes nothing. */
  txCapacity?: number;
  /** The most bytes one write call takes (default: unlimited): partial writes. */
  writeChunk?: number;
  /** The most bytes one read call returns (default: unlimited): frames arrive in pieces. */
  readChunk?: number;
}

/** An in-memory UART: push() what the host sends, take() what the board sent. */
export class ByteQueueUart implements UartPort {
  /** The limits of ByteQueueUartOptions; a test may change them between polls. */
  txCapacity: number;
  writeChunk: number;
  readChunk: number;
  /** Calls of read() and write(), for tests. */
  reads = 0;
  writes = 0;
  private rx = new Uint8Array(0);
  private tx: Uint8Array[] = [];
  private txBytes = 0;

  constructor(options: ByteQueueUartOptions = {}) {
    this.txCapacity = options.txCapacity ?? Infinity;
    this.writeChunk = options.writeChunk ?? Infinity;
    this.readChunk = options.readChunk ?? Infinity;
  }

  /** Host to board. */
  push(bytes: ArrayLike<number>): void {
    const grown = new Uint8Array(this.rx.length + bytes.length);
    grown.set(this.rx);
    grown.set(bytes, this.rx.length);
    this.rx = grown;
  }

  /** Board to host: everything the board wrote since the last take(). */
  take(): Uint8Array {
    const out = new Uint8Array(this.txBytes);
    let at = 0;
    for (const piece of this.tx) {
      out.set(piece, at);
      at += piece.length;
    }
    this.tx = [];
    this.txBytes = 0;
    return out;
  }

  /** Received bytes the board has not read yet. */
  get pending(): number {
    return this.rx.length;
  }

  read(max: number): Uint8Array {
    this.reads++;
    const n = Math.max(0, Math.min(max, this.rx.length, this.readChunk));
    const out = this.rx.slice(0, n);
    this.rx = this.rx.subarray(n);
    return out;
  }

  write(bytes: Uint8Array): number {
    this.writes++;
    const n = Math.max(0, Math.min(bytes.length, this.txCapacity - this.txBytes, this.writeChunk));
    if (n > 0) {
      this.tx.push(bytes.slice(0, n));
      this.txBytes += n;
    }
    return n;
  }
}
