/**
 * The virtual board: build/hetsyn.wasm running as a device (host/board/device.ts) behind a
 * pseudo-terminal, so every host command talks to it exactly as to a board on a serial port.
 *
 *     host tool --- /dev/pts/B ===pty pair=== /dev/pts/A --- serialport --- faults --- Device (wasm)
 *                                                                                       |
 *                                                                             FileStorage (2 slots)
 *
 * The device is polled whenever bytes arrive, until it is idle, and what it wrote goes back out.
 * With a microphone (mic.ts: a WAV file or standard input) it is also polled on its own, every few
 * milliseconds while idle and without pause while busy, since it listens with no byte arriving.
 * Faults for testing the host's recovery: bytes dropped or corrupted with a probability (seeded,
 * both directions), and a power cut once the storage has taken N bytes of writes. The storage is a
 * file, so a committed model survives restarting the board on the same file.
 */

import { existsSync, statSync } from 'node:fs';
import { Device, ByteQueueUart } from './device.js';
import { PacedMic, type PcmQueue } from './mic.js';
import { FileStorage, PowerCutError } from './storage.js';
import { Prng } from '../util/prng.js';
import { createPtyPair, type PtyPair } from '../transport/pty.js';
import { SerialTransport } from '../transport/serial.js';

/** Storage per slot when a new storage file is made (the file holds two slots). */
export const DEFAULT_SLOT_BYTES = 1 << 20;
export const DEFAULT_STORAGE_PATH = 'hetsyn-board.bin';

export interface VirtualBoardOptions {
  /** The storage file (created 0xFF-filled when absent). */
  storagePath?: string;
  /** Bytes per slot for a new storage file; an existing file keeps its own size. */
  slotBytes?: number;
  /** The largest frame body the board accepts (64..512). */
  maxFrame?: number;
  /** Probability that a byte is dropped, each direction. */
  dropProbability?: number;
  /** Probability that a byte has one bit flipped, each direction. */
  corruptProbability?: number;
  /** Cut the power (end the board) once the storage has taken this many bytes of writes. */
  powerCutAfterBytes?: number;
  seed?: number;
  /** A stable symlink to the host's end (e.g. /tmp/hetsyn-board), made by the pty helper. */
  link?: string;
  /** Force the pty helper (default: socat when installed, else python3). */
  ptyVia?: 'socat' | 'python3';
  /** The microphone's samples (mic-input.ts), played from the board's first mic_read. */
  mic?: VirtualMicOptions;
  /** The board's own log lines and the virtual board's notes. */
  log?: (line: string) => void;
}

export interface VirtualMicOptions {
  queue: PcmQueue;
  /** A WAV's rate: a model of another rate hears nothing. */
  sourceRateHz?: number;
  /** Real time at the model's rate (default), or as fast as the board reads. */
  paced?: boolean;
}

/** Polls per turn of the event loop while the board listens faster than real time. */
const MIC_POLLS_PER_TURN = 2000;
/** How often an idle board with a microphone is polled. */
const MIC_IDLE_MS = 5;

export interface VirtualBoardStats {
  bytesIn: number;
  bytesOut: number;
  bytesDropped: number;
  bytesCorrupted: number;
  /** Samples the board took from its microphone. */
  micSamples: number;
}

export type VirtualBoardEnd =
  { reason: 'stopped' } | { reason: 'power-cut'; bytesWritten: number } | { reason: 'failed'; error: Error };

export interface VirtualBoard {
  /** The path the host opens. */
  path: string;
  /** The device's own end of the pty pair. */
  devicePath: string;
  storagePath: string;
  slotBytes: number;
  maxFrame: number;
  /** boardInit's status: 0, or the engine code of a stored model it refused. */
  initStatus: number;
  readonly stats: VirtualBoardStats;
  /** Resolves when the board ends: stop(), a power cut, or a failure of the pty. */
  ended: Promise<VirtualBoardEnd>;
  stop(): Promise<void>;
}

export class VirtualBoardError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VirtualBoardError';
  }
}

/** Drops or flips bytes with the given probabilities; the stats count what it did. */
function faultInjector(
  prng: Prng,
  drop: number,
  corrupt: number,
  stats: VirtualBoardStats,
): (bytes: Uint8Array) => Uint8Array {
  if (drop <= 0 && corrupt <= 0) return (bytes) => bytes;
  return (bytes) => {
    const out: number[] = [];
    for (const byte of bytes) {
      const r = prng.uniform();
      if (r < drop) {
        stats.bytesDropped++;
      } else if (r < drop + corrupt) {
        stats.bytesCorrupted++;
        out.push(byte ^ (1 << prng.int(8)));
      } else {
        out.push(byte);
      }
    }
    return Uint8Array.from(out);
  };
}

function openStorage(
  path: string,
  requestedSlotBytes: number | undefined,
  onPowerCut: number | undefined,
): FileStorage {
  let slotBytes = requestedSlotBytes ?? DEFAULT_SLOT_BYTES;
  if (existsSync(path)) {
    const size = statSync(path).size;
    if (requestedSlotBytes === undefined) {
      slotBytes = size / 2;
    } else if (size !== 2 * requestedSlotBytes) {
      throw new VirtualBoardError(
        `the storage file ${path} holds ${size} bytes, made for slots of ${size / 2} bytes, not ${requestedSlotBytes}: ` +
          'leave out --slot-bytes or use another file',
      );
    }
    if (!Number.isInteger(slotBytes) || slotBytes <= 0) {
      throw new VirtualBoardError(`${path} (${size} bytes) is not a board storage file (two equal slots)`);
    }
  }
  return FileStorage.open(path, {
    slotBytes,
    ...(onPowerCut === undefined ? {} : { powerCutAfterBytes: onPowerCut }),
  });
}

export async function startVirtualBoard(options: VirtualBoardOptions = {}): Promise<VirtualBoard> {
  const log = options.log ?? (() => undefined);
  const storagePath = options.storagePath ?? DEFAULT_STORAGE_PATH;
  const storage = openStorage(storagePath, options.slotBytes, options.powerCutAfterBytes);
  const stats: VirtualBoardStats = {
    bytesIn: 0,
    bytesOut: 0,
    bytesDropped: 0,
    bytesCorrupted: 0,
    micSamples: 0,
  };
  const prng = new Prng(options.seed ?? 1);
  const toBoard = faultInjector(prng, options.dropProbability ?? 0, options.corruptProbability ?? 0, stats);
  const toHost = faultInjector(prng, options.dropProbability ?? 0, options.corruptProbability ?? 0, stats);

  const uart = new ByteQueueUart();
  let device: Device | undefined;
  let initStatus: number;
  const mic =
    options.mic &&
    new PacedMic(options.mic.queue, {
      ...(options.mic.paced === undefined ? {} : { paced: options.mic.paced }),
      ...(options.mic.sourceRateHz === undefined ? {} : { sourceRateHz: options.mic.sourceRateHz }),
      modelRateHz: () => device?.frontendRateHz ?? 0,
      nowUs: () => performance.now() * 1000,
      log,
    });
  try {
    device = Device.open({ uart, storage, ...(mic ? { mic } : {}), log: (line) => log(`board> ${line}`) });
    initStatus = device.init();
  } catch (error) {
    storage.close();
    throw error;
  }
  // Clamped by the module to what it supports (64..512); without the option, its largest.
  const maxFrame = device.setMaxFrame(options.maxFrame ?? 0x7fffffff);
  const board = device;

  let pty: PtyPair;
  let transport: SerialTransport;
  try {
    pty = await createPtyPair({
      ...(options.link ? { linkB: options.link } : {}),
      ...(options.ptyVia ? { via: options.ptyVia } : {}),
    });
  } catch (error) {
    storage.close();
    throw error;
  }
  try {
    transport = await SerialTransport.open(pty.a);
  } catch (error) {
    await pty.close();
    storage.close();
    throw error;
  }

  let finish: (end: VirtualBoardEnd) => void = () => undefined;
  const ended = new Promise<VirtualBoardEnd>((resolve) => (finish = resolve));
  let done = false;
  let stopListening: () => void = () => undefined;
  const shutdown = async (end: VirtualBoardEnd): Promise<void> => {
    if (done) return;
    done = true;
    stopListening();
    await transport.close().catch(() => undefined);
    await pty.close().catch(() => undefined);
    storage.close();
    finish(end);
  };

  /** Polls (until idle; with a microphone, at most a turn's worth) and sends what the board wrote; still busy? */
  const pump = (): boolean => {
    let busy = false;
    try {
      if (mic) busy = board.pollWhileBusy(MIC_POLLS_PER_TURN);
      else board.pollUntilIdle();
    } catch (error) {
      if (error instanceof PowerCutError) {
        // Power is gone: nothing more leaves the board, not even what it had queued.
        void shutdown({ reason: 'power-cut', bytesWritten: error.bytesWritten });
        return false;
      }
      void shutdown({ reason: 'failed', error: error as Error });
      return false;
    }
    if (mic) stats.micSamples = mic.delivered;
    const out = uart.take();
    if (out.length === 0) return busy;
    stats.bytesOut += out.length;
    const wire = toHost(out);
    if (wire.length > 0 && !transport.closed) transport.write(wire);
    return busy;
  };

  if (mic) {
    let timer: NodeJS.Timeout | undefined;
    let immediate: NodeJS.Immediate | undefined;
    const listen = (): void => {
      timer = immediate = undefined;
      if (done) return;
      if (pump()) immediate = setImmediate(listen);
      else timer = setTimeout(listen, MIC_IDLE_MS);
    };
    stopListening = () => {
      clearTimeout(timer);
      clearImmediate(immediate);
    };
    listen();
  }

  transport.onData((bytes) => {
    if (done) return;
    stats.bytesIn += bytes.length;
    uart.push(toBoard(bytes));
    pump();
  });
  transport.onClose((reason) => {
    void shutdown(reason ? { reason: 'failed', error: reason } : { reason: 'stopped' });
  });
  void pty.exited.then(() => {
    if (!done)
      void shutdown({ reason: 'failed', error: new VirtualBoardError('the pseudo-terminal relay exited') });
  });

  return {
    path: pty.b,
    devicePath: pty.a,
    storagePath,
    slotBytes: storage.slotBytes,
    maxFrame,
    initStatus,
    stats,
    ended,
    stop: () => shutdown({ reason: 'stopped' }),
  };
}
