/**
 * The real device (build/hetsyn.wasm as host/board/device.ts runs it, on MemoryStorage) behind the
 * board end of an in-memory transport pair, for the protocol client tests. Bytes from the host are
 * cut into wire frames at each 0x00, shown to `onRequest` (which may drop, hold back or replace a
 * frame), pushed into the device's UART, and the device is polled until idle; what it wrote is cut
 * into frames again, shown to `onReply` (drop, duplicate, inject, rewrite) and written back. The
 * transport's own byte filters (MemoryTransport.pair, setFilter) can lose or corrupt bytes on top.
 *
 *     BoardClient --- MemoryTransport pair (byte filters) --- WiredBoard hooks --- ByteQueueUart --- Device
 *                                                                                                     |
 *                                                                                       MemoryStorage (2 slots)
 *
 * A frame the hooks cannot decode (corrupted on the wire, a lone 0x00) passes as it came. The board
 * survives being re-plugged (attach() again), can be restarted on its storage (a reset: RAM lost,
 * slots kept), and a PowerCutError from the storage switches it off until restart().
 */

import { Device, ByteQueueUart } from '../../host/board/device.js';
import { MemoryStorage, PowerCutError } from '../../host/board/storage.js';
import { encodeFrame, FrameDecoder, FRAME_DELIMITER, type Frame } from '../../host/protocol/frame.js';
import { MessageType } from '../../host/protocol/messages.js';
import type { MemoryTransport } from '../../host/transport/memory.js';
import { writeHsm } from '../../host/model/hsm-writer.js';
import type { MicPort } from '../../host/wasm/board-imports.js';
import type { HsmModel } from '../../host/model/hsm.js';
import { openEngine } from '../../host/wasm/module.js';
import { simulate, type StepRecord } from '../../host/sim/simulate.js';
import { randomModel, Rng } from './fixtures.js';

export const SLOT_HEADER_BYTES = 16;
/** "HSLT" as a little-endian u32. */
const SLOT_MAGIC = 0x544c5348;

/** What happens to one frame on its way: it passes, it is lost, or these frames go instead. */
export type Verdict = 'deliver' | 'drop' | Frame[];

export interface WiredBoardOptions {
  /** Bytes per storage slot (INFO's storageBytes; default 4096). */
  slotBytes?: number;
  /** The device's maxFrame (boardSetMaxFrame, which clamps it to [64, 512]; default 128). */
  maxFrame?: number;
  /** Storage to start on (e.g. with a power cut armed); default erased MemoryStorage of slotBytes. */
  storage?: MemoryStorage;
  /** The board's microphone (default none). */
  mic?: MicPort;
}

interface Inbound {
  wire: Uint8Array;
  frame: Frame | undefined;
}

/** Cuts a byte stream into wire frames, each ending with its 0x00. */
class WireSplitter {
  private partial: number[] = [];

  push(bytes: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (const byte of bytes) {
      this.partial.push(byte);
      if (byte === FRAME_DELIMITER) {
        out.push(Uint8Array.from(this.partial));
        this.partial = [];
      }
    }
    return out;
  }

  reset(): void {
    this.partial = [];
  }
}

/** The frame a wire chunk carries, if it is a valid one. */
function decodeWire(wire: Uint8Array): Frame | undefined {
  return new FrameDecoder().push(wire)[0];
}

export class WiredBoard {
  readonly maxFrame: number;
  storage: MemoryStorage;
  device: Device;
  uart: ByteQueueUart;
  /** boardInit's status at the last (re)start. */
  initStatus: number;
  /** Every valid frame that reached the board end, in order, before onRequest. */
  readonly arrived: Frame[] = [];
  /** Every valid frame the device wrote, in order, before onReply. */
  readonly sent: Frame[] = [];
  /** Decides per valid request frame what reaches the device; a promise holds it (and all after it) back. */
  onRequest: (frame: Frame) => Verdict | Promise<Verdict> = () => 'deliver';
  /** Decides per valid frame the device wrote what reaches the host. */
  onReply: (frame: Frame) => Verdict = () => 'deliver';
  /** Set when the storage cut the power: the board is off until restart(). */
  powerCut: PowerCutError | undefined;

  private readonly mic: MicPort | undefined;
  private transport: MemoryTransport | undefined;
  private unsubscribe: (() => void) | undefined;
  private readonly fromHost = new WireSplitter();
  private readonly fromDevice = new WireSplitter();
  private readonly inbox: Inbound[] = [];
  private holding = false;

  constructor(options: WiredBoardOptions = {}) {
    this.mic = options.mic;
    this.storage = options.storage ?? new MemoryStorage({ slotBytes: options.slotBytes ?? 4096 });
    this.uart = new ByteQueueUart();
    this.device = Device.open({
      uart: this.uart,
      storage: this.storage,
      ...(this.mic ? { mic: this.mic } : {}),
    });
    this.initStatus = this.device.init();
    this.maxFrame = this.device.setMaxFrame(options.maxFrame ?? 128);
  }

  /** Plugs the board into the board end of a memory pair (unplugging it from the last one). */
  attach(transport: MemoryTransport): this {
    this.unsubscribe?.();
    this.transport = transport;
    this.fromHost.reset();
    this.unsubscribe = transport.onData((bytes) => {
      for (const wire of this.fromHost.push(bytes)) {
        const frame = decodeWire(wire);
        if (frame) this.arrived.push(frame);
        this.inbox.push({ wire, frame });
      }
      this.drain();
    });
    return this;
  }

  /**
   * A reset: a new instance (fresh RAM, so any upload in progress is gone) on the same slots. After
   * a power cut the storage is replaced by a copy of what it held, without the cut.
   */
  restart(): void {
    if (this.powerCut) {
      this.storage = new MemoryStorage({ slotBytes: this.storage.slotBytes }, this.storage.snapshot());
      this.powerCut = undefined;
    }
    this.uart = new ByteQueueUart();
    this.device = Device.open({
      uart: this.uart,
      storage: this.storage,
      ...(this.mic ? { mic: this.mic } : {}),
    });
    this.initStatus = this.device.init();
    this.device.setMaxFrame(this.maxFrame);
    this.fromDevice.reset();
  }

  /** Forgets the frames logged so far (arrived, sent), e.g. after a test set the board up. */
  clearLog(): void {
    this.arrived.length = 0;
    this.sent.length = 0;
  }

  /**
   * The newest slot with a header, read from the storage as docs/board-abi.md lays it out ("HSLT",
   * generation, modelBytes, modelCrc, then the model at 16): what the board runs, also after a restart.
   */
  active(): { slot: number; generation: number; bytes: Uint8Array } | undefined {
    let newest: { slot: number; generation: number; bytes: Uint8Array } | undefined;
    for (const slot of [0, 1]) {
      const header = this.storage.read(slot, 0, SLOT_HEADER_BYTES);
      if (!header) continue;
      const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
      if (view.getUint32(0, true) !== SLOT_MAGIC) continue;
      const generation = view.getUint32(4, true);
      if (newest && newest.generation >= generation) continue;
      const bytes = this.storage.read(slot, SLOT_HEADER_BYTES, view.getUint32(8, true));
      if (bytes) newest = { slot, generation, bytes };
    }
    return newest;
  }

  /** Valid frames of this type that arrived from the host. */
  arrivedOf(type: number): Frame[] {
    return this.arrived.filter((f) => f.type === type);
  }

  /** Valid frames of this type the device wrote. */
  sentOf(type: number): Frame[] {
    return this.sent.filter((f) => f.type === type);
  }

  /** The step of every RESULT the device wrote, in order: the steps it ran (a step run twice shows twice). */
  stepsRun(): number[] {
    return this.sentOf(MessageType.RESULT).map((f) =>
      new DataView(f.payload.buffer, f.payload.byteOffset, f.payload.byteLength).getUint32(0, true),
    );
  }

  private drain(): void {
    while (!this.holding && this.inbox.length > 0) {
      const item = this.inbox.shift() as Inbound;
      const verdict = item.frame ? this.onRequest(item.frame) : 'deliver';
      if (verdict instanceof Promise) {
        this.holding = true;
        void verdict.then((v) => {
          this.holding = false;
          this.deliver(item, v);
          this.drain();
        });
        return;
      }
      this.deliver(item, verdict);
    }
  }

  private deliver(item: Inbound, verdict: Verdict): void {
    if (this.powerCut || verdict === 'drop') return;
    if (verdict === 'deliver') this.uart.push(item.wire);
    else for (const f of verdict) this.uart.push(encodeFrame(f.type, f.seq, f.payload));
    this.pump();
  }

  private pump(): void {
    try {
      this.device.pollUntilIdle();
    } catch (error) {
      if (!(error instanceof PowerCutError)) throw error;
      // Power is gone: nothing more leaves the board, not even what it had queued.
      this.powerCut = error;
      this.uart.take();
      return;
    }
    for (const wire of this.fromDevice.push(this.uart.take())) {
      const frame = decodeWire(wire);
      if (frame) this.sent.push(frame);
      const verdict = frame ? this.onReply(frame) : 'deliver';
      if (verdict === 'drop') continue;
      const out = verdict === 'deliver' ? [wire] : verdict.map((f) => encodeFrame(f.type, f.seq, f.payload));
      for (const bytes of out) if (this.transport && !this.transport.closed) this.transport.write(bytes);
    }
  }
}

/** Builds byte payloads field by field, little-endian, for frames a test writes by hand. */
export class Bytes {
  private readonly parts: number[] = [];
  u8(x: number): this {
    this.parts.push(x & 0xff);
    return this;
  }
  u16(x: number): this {
    return this.u8(x).u8(x >>> 8);
  }
  u32(x: number): this {
    return this.u16(x & 0xffff).u16(x >>> 16);
  }
  str(s: string): this {
    const b = new TextEncoder().encode(s);
    this.u8(b.length);
    b.forEach((x) => this.u8(x));
    return this;
  }
  done(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

export interface BoardModel {
  model: HsmModel;
  bytes: Uint8Array;
}

/**
 * A valid .hsm: `inputs` channels, one recurrent layer, a readout of `classes`. The recurrent layer
 * has `hidden` neurons, or, given `minBytes`, the fewest that make the file at least that long;
 * that throws when it takes more than `maxHidden` (a RESULT with the layer's spikes must fit the
 * board's maxFrame).
 */
export function boardModel(options: {
  minBytes?: number;
  hidden?: number;
  inputs?: number;
  classes?: number;
  maxHidden?: number;
  seed?: number;
  name?: string;
}): BoardModel {
  const { minBytes = 0, inputs = 16, classes = 3, maxHidden = 64, seed = 1, name = 'wired' } = options;
  for (let hidden = options.hidden ?? 1; hidden <= (options.hidden ?? maxHidden); hidden++) {
    const model = randomModel(
      new Rng(seed),
      inputs,
      [
        { kind: 'recurrent', neuronCount: hidden, bucketBits: 8, levelCount: 4 },
        { kind: 'readout', neuronCount: classes, bucketBits: 4, levelCount: 2 },
      ],
      name,
    );
    const bytes = writeHsm(model);
    if (bytes.length >= minBytes) return { model, bytes };
  }
  throw new Error(`no model of ${minBytes} bytes within ${maxHidden} hidden neurons`);
}

/** What the device must report for these steps: the host's own .wasm engine on the same model. */
export function expectedRun(bytes: Uint8Array, steps: readonly (readonly number[])[]): StepRecord[] {
  const engine = openEngine();
  engine.loadOrThrow(bytes);
  return simulate(engine, { steps: steps.map((s) => [...s]) }, { spikes: true });
}
