/**
 * A scripted stand-in for a board, for the protocol client tests: the device side of
 * docs/protocol.md written plainly in TypeScript over the in-memory transport, with hooks to lose,
 * hold back or alter frames. It is no model of the real device (that is build/hetsyn.wasm, tested
 * end to end over a pty); it answers as the spec says so the host's logic can be checked alone.
 */

import { encodeFrame, FrameDecoder, type Frame } from '../../host/protocol/frame.js';
import { modelHash, modelTrailer } from '../../host/protocol/upload.js';
import { MessageType, PROTOCOL_VERSION, Report } from '../../host/protocol/messages.js';
import type { MemoryTransport } from '../../host/transport/memory.js';

const SLOT_HEADER_BYTES = 16;
/** Requests whose last reply the device remembers, to answer a repeat without acting twice. */
const REMEMBERED = new Set<number>([
  MessageType.UPLOAD_END,
  MessageType.COMMIT,
  MessageType.ROLLBACK,
  MessageType.STREAM_STOP,
]);

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

/** What the board does with a received request: answer, stay silent, or let the test answer. */
export type Verdict = 'handle' | 'drop';

export interface FakeBoardOptions {
  maxFrame?: number;
  storageBytes?: number;
  classes?: number;
  inputs?: number;
  protocolVersion?: number;
}

interface Upload {
  size: number;
  crc: number;
  data: Uint8Array;
  offset: number;
  verified: boolean;
}

export class FakeBoard {
  readonly maxFrame: number;
  readonly storageBytes: number;
  readonly classes: number;
  readonly inputs: number;
  protocolVersion: number;
  /** Every valid frame received, in order. */
  readonly received: Frame[] = [];
  /** Decides per request whether the board sees it (default: always). */
  onRequest: (frame: Frame) => Verdict = () => 'handle';
  /** Decides per frame the board sends whether it reaches the host (default: always). */
  onSend: (type: number, seq: number, payload: Uint8Array) => boolean = () => true;
  /** Called before a SPIKES frame is handled; a test may hold it back by returning a promise. */
  beforeSpikes: (frame: Frame) => Promise<void> | void = () => undefined;
  /** A step whose SPIKES frame the board refuses with BAD_INPUT. */
  badInputAt: number | undefined;
  /** The model the engine refuses at COMMIT (by CRC), with this engine status. */
  rejectCrc: { crc: number; status: number } | undefined;

  upload: Upload | undefined;
  active: { slot: number; generation: number; bytes: Uint8Array; crc: number; name: string } | undefined;
  stream: { report: number; layer: number; nextStep: number } | undefined;
  /** Steps run, in order (a step run twice would show twice). */
  readonly stepsRun: number[] = [];
  readonly counters = {
    framesOk: 0,
    badFrames: 0,
    overruns: 0,
    unknownTypes: 0,
    badRequests: 0,
    resultsDropped: 0,
  };
  chunkWrites = 0;
  /** Model bytes written by chunks (a byte written twice would count twice). */
  bytesWritten = 0;

  private transport: MemoryTransport | undefined;
  private handling: Frame | undefined;
  private remembered: { type: number; seq: number; reply: [number, number, Uint8Array] } | undefined;
  private decoder: FrameDecoder;
  private queue: Promise<void> = Promise.resolve();

  constructor(options: FakeBoardOptions = {}) {
    this.maxFrame = options.maxFrame ?? 128;
    this.storageBytes = options.storageBytes ?? 4096;
    this.classes = options.classes ?? 3;
    this.inputs = options.inputs ?? 16;
    this.protocolVersion = options.protocolVersion ?? PROTOCOL_VERSION;
    this.decoder = new FrameDecoder(this.maxFrame);
  }

  /** Plugs the board into the board end of a memory pair (a board survives being re-plugged). */
  attach(transport: MemoryTransport): this {
    this.transport = transport;
    this.decoder = new FrameDecoder(this.maxFrame);
    transport.onData((bytes) => {
      for (const frame of this.decoder.push(bytes)) {
        this.received.push(frame);
        // One request at a time, in order, as the device's poll loop does.
        this.queue = this.queue.then(() => this.handle(frame));
      }
    });
    return this;
  }

  send(type: number, seq: number, payload: Uint8Array): void {
    if (this.handling && REMEMBERED.has(this.handling.type)) {
      this.remembered = { type: this.handling.type, seq: this.handling.seq, reply: [type, seq, payload] };
    }
    if (!this.onSend(type, seq, payload)) return;
    if (this.transport && !this.transport.closed) this.transport.write(encodeFrame(type, seq, payload));
  }

  error(request: Frame, code: number, detail = 0): void {
    const payload = new Uint8Array(6);
    payload[0] = request.type;
    payload[1] = code;
    new DataView(payload.buffer).setInt32(2, detail, true);
    this.send(MessageType.ERROR, request.seq, payload);
  }

  infoPayload(): Uint8Array {
    const flags = (this.active ? 1 : 0) | (this.stream ? 2 : 0) | (this.upload ? 4 : 0);
    return new Bytes()
      .u16(this.protocolVersion)
      .u16(1)
      .u16(1)
      .u16(1)
      .u16(this.maxFrame)
      .u16(flags)
      .u32(this.storageBytes)
      .u8(this.active?.slot ?? 0xff)
      .u32(this.active?.generation ?? 0)
      .u32(this.active?.bytes.length ?? 0)
      .u32(this.active?.crc ?? 0)
      .str(this.active?.name ?? '')
      .u32(this.upload?.offset ?? 0)
      .u32(this.upload?.size ?? 0)
      .u32(this.counters.framesOk)
      .u32(this.counters.badFrames)
      .u32(this.counters.overruns)
      .u32(this.counters.unknownTypes)
      .u32(this.counters.badRequests)
      .u32(this.counters.resultsDropped)
      .done();
  }

  private status(): Uint8Array {
    const u = this.upload as Upload;
    return new Bytes().u32(u.offset).u32(u.size).u32(u.crc).done();
  }

  private async handle(frame: Frame): Promise<void> {
    if (this.onRequest(frame) === 'drop') return;
    this.counters.framesOk++;
    // As the device: a repeat (same type and seq) of a state-changing request gets the same reply.
    const memory = this.remembered;
    this.remembered = undefined;
    if (memory && memory.type === frame.type && memory.seq === frame.seq) {
      this.remembered = memory;
      const [type, seq, payload] = memory.reply;
      if (this.onSend(type, seq, payload) && this.transport && !this.transport.closed) {
        this.transport.write(encodeFrame(type, seq, payload));
      }
      return;
    }
    this.handling = frame;
    try {
      await this.handleRequest(frame);
    } finally {
      this.handling = undefined;
    }
  }

  private async handleRequest(frame: Frame): Promise<void> {
    const view = new DataView(frame.payload.buffer, frame.payload.byteOffset, frame.payload.byteLength);
    switch (frame.type) {
      case MessageType.HELLO:
        return this.send(MessageType.INFO, frame.seq, this.infoPayload());
      case MessageType.UPLOAD_BEGIN: {
        const size = view.getUint32(0, true);
        const crc = view.getUint32(4, true);
        if (size > this.storageBytes - SLOT_HEADER_BYTES) return this.error(frame, 3, this.storageBytes);
        if (!this.upload || this.upload.size !== size || this.upload.crc !== crc) {
          this.upload = { size, crc, data: new Uint8Array(size), offset: 0, verified: false };
        }
        return this.send(MessageType.UPLOAD_STATUS, frame.seq, this.status());
      }
      case MessageType.UPLOAD_CHUNK: {
        if (!this.upload) return this.error(frame, 4);
        const offset = view.getUint32(0, true);
        const data = frame.payload.subarray(4);
        if (offset === this.upload.offset && offset + data.length <= this.upload.size) {
          this.upload.data.set(data, offset);
          this.upload.offset += data.length;
          this.chunkWrites++;
          this.bytesWritten += data.length;
        }
        return this.send(MessageType.UPLOAD_STATUS, frame.seq, this.status());
      }
      case MessageType.UPLOAD_END: {
        if (!this.upload) return this.error(frame, 4);
        const stored = this.upload.data.subarray(0, this.upload.offset);
        const found = modelHash(stored);
        if (
          this.upload.offset !== this.upload.size ||
          found !== this.upload.crc ||
          modelTrailer(stored) !== found
        ) {
          this.upload = undefined;
          return this.error(frame, 5, found | 0);
        }
        this.upload.verified = true;
        return this.send(MessageType.UPLOAD_STATUS, frame.seq, this.status());
      }
      case MessageType.COMMIT: {
        if (!this.upload) return this.error(frame, 4);
        if (!this.upload.verified) return this.error(frame, 6);
        if (this.rejectCrc && this.rejectCrc.crc === this.upload.crc) {
          this.upload = undefined;
          return this.error(frame, 7, this.rejectCrc.status);
        }
        const slot = this.active ? 1 - this.active.slot : 0;
        const generation = (this.active?.generation ?? 0) + 1;
        this.active = { slot, generation, bytes: this.upload.data, crc: this.upload.crc, name: 'fake' };
        this.upload = undefined;
        return this.send(MessageType.COMMITTED, frame.seq, new Bytes().u8(slot).u32(generation).done());
      }
      case MessageType.STREAM_START: {
        if (!this.active) return this.error(frame, 9);
        this.stream = { report: frame.payload[0] ?? 0, layer: frame.payload[1] ?? 0, nextStep: 0 };
        return this.send(
          MessageType.STREAMING,
          frame.seq,
          new Bytes().u16(this.classes).u16(this.inputs).u32(0).done(),
        );
      }
      case MessageType.SPIKES: {
        if (!this.stream) return this.error(frame, 10);
        await this.beforeSpikes(frame);
        const first = view.getUint32(0, true);
        const steps = view.getUint8(4);
        if (first > this.stream.nextStep) return this.error(frame, 11, this.stream.nextStep);
        if (first === this.stream.nextStep) {
          let at = 5;
          const channelsPerStep: number[][] = [];
          for (let s = 0; s < steps; s++) {
            const count = view.getUint8(at++);
            const channels: number[] = [];
            for (let i = 0; i < count; i++, at += 2) channels.push(view.getUint16(at, true));
            channelsPerStep.push(channels);
          }
          const refused =
            channelsPerStep.some((c) => c.some((x) => x >= this.inputs)) ||
            (this.badInputAt !== undefined && first <= this.badInputAt && this.badInputAt < first + steps);
          if (refused) return this.error(frame, 12, 22);
          for (const channels of channelsPerStep) this.runStep(channels);
        }
        return this.send(MessageType.SPIKES_ACK, frame.seq, new Bytes().u32(this.stream.nextStep).done());
      }
      case MessageType.STREAM_STOP: {
        if (!this.stream) return this.error(frame, 10);
        const steps = this.stream.nextStep;
        this.stream = undefined;
        return this.send(
          MessageType.STOPPED,
          frame.seq,
          new Bytes()
            .u32(steps)
            .u16(steps % 3)
            .done(),
        );
      }
      default:
        this.counters.unknownTypes++;
        return this.error(frame, 2);
    }
  }

  /** A step's RESULT: decision = step % classes, scores = step * 10 + class, spikes = its channels. */
  private runStep(channels: number[]): void {
    const stream = this.stream as NonNullable<FakeBoard['stream']>;
    const step = stream.nextStep++;
    this.stepsRun.push(step);
    const b = new Bytes()
      .u32(step)
      .u16(step % this.classes)
      .u32(7)
      .u8(0);
    if (stream.report & Report.scores) for (let c = 0; c < this.classes; c++) b.u32(step * 10 + c);
    if (stream.report & Report.spikes) {
      b.u16(channels.length);
      channels.forEach((c) => b.u16(c));
    }
    this.send(MessageType.RESULT, 0, b.done());
  }
}

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
