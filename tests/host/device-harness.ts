/**
 * For the device tests (device-*.test.ts): a board (build/hetsyn.wasm on the JavaScript ABI, an
 * in-memory UART and storage) and a deliberately small host written from docs/protocol.md alone:
 * its own COBS, CRC-16 and field readers, so the device is checked against the spec and not
 * against host/protocol/ (which the serial tests cover end to end).
 */

import assert from 'node:assert/strict';
import { Device, ByteQueueUart, type ByteQueueUartOptions } from '../../host/board/device.js';
import { MemoryStorage, type StorageOptions } from '../../host/board/storage.js';
import type { MicPort, SlotStorage } from '../../host/wasm/board-imports.js';
import { DEVICE_ERROR_CODES } from '../../host/protocol/device-errors.js';
import { MessageType } from '../../host/protocol/messages.js';

// ---------------------------------------------------------------------------------------------
// Framing, from the spec

// The numbers come from the host's tables (tests keep them equal to docs/protocol.md and to the
// device's codes); what this harness writes and reads from the spec alone is the frames' fields.
export const T = MessageType;

export const REQUEST_TYPES: readonly number[] = [0x01, 0x10, 0x11, 0x12, 0x13, 0x14, 0x20, 0x21, 0x22, 0x23];

export const ERR: Record<string, number> = Object.fromEntries(
  DEVICE_ERROR_CODES.map((c) => [c.name, c.code]),
);

export const MAX_FRAME = 512;
export const MIN_FRAME = 64;
export const SLOT_HEADER_BYTES = 16;

/** CRC-16/CCITT-FALSE, bitwise. */
export function crc16(bytes: ArrayLike<number>): number {
  let crc = 0xffff;
  for (let i = 0; i < bytes.length; i++) {
    crc ^= (bytes[i] ?? 0) << 8;
    for (let bit = 0; bit < 8; bit++)
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** CRC-32 (IEEE), bitwise. */
export function crc32(bytes: ArrayLike<number>): number {
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) {
    crc ^= bytes[i] ?? 0;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return ~crc >>> 0;
}

/** The model hash of docs/protocol.md: the CRC-32 of all but the last 4 bytes (a .hsm's own trailer). */
export function modelHash(model: Uint8Array): number {
  return crc32(model.subarray(0, Math.max(0, model.length - 4)));
}

export function cobsEncode(body: ArrayLike<number>): number[] {
  const out: number[] = [0];
  let codeAt = 0;
  let code = 1;
  for (let i = 0; i < body.length; i++) {
    const byte = body[i] ?? 0;
    if (byte !== 0) {
      out.push(byte);
      code++;
    }
    if (byte === 0 || code === 0xff) {
      out[codeAt] = code;
      codeAt = out.length;
      out.push(0);
      code = 1;
    }
  }
  out[codeAt] = code;
  return out;
}

/** The body before COBS: type, seq, payload, CRC-16 LE. */
export function frameBody(type: number, seq: number, payload: ArrayLike<number> = []): Uint8Array {
  const body = new Uint8Array(payload.length + 4);
  body[0] = type;
  body[1] = seq;
  body.set(Array.from(payload), 2);
  const crc = crc16(body.subarray(0, body.length - 2));
  body[body.length - 2] = crc & 0xff;
  body[body.length - 1] = crc >>> 8;
  return body;
}

/** COBS(body) 0x00. */
export function wireOf(body: ArrayLike<number>): Uint8Array {
  return Uint8Array.from([...cobsEncode(body), 0]);
}

export function wire(type: number, seq: number, payload: ArrayLike<number> = []): Uint8Array {
  return wireOf(frameBody(type, seq, payload));
}

export interface Frame {
  type: number;
  seq: number;
  payload: Uint8Array;
}

/** Decodes one COBS frame (without its 0x00); null when not valid COBS. */
export function cobsDecode(encoded: ArrayLike<number>): number[] | null {
  const out: number[] = [];
  let i = 0;
  while (i < encoded.length) {
    const code = encoded[i++] ?? 0;
    if (code === 0) return null;
    if (i + code - 1 > encoded.length) return null;
    for (let k = 1; k < code; k++) out.push(encoded[i++] ?? 0);
    if (code !== 0xff && i < encoded.length) out.push(0);
  }
  return out;
}

export type FrameClass = 'empty' | 'ok' | 'bad' | 'overrun';

/** What a receiver with this limit makes of the bytes between two delimiters (docs "Framing"). */
export function classify(
  encoded: ArrayLike<number>,
  maxFrame: number,
): { kind: FrameClass; body?: number[] } {
  if (encoded.length === 0) return { kind: 'empty' };
  const body = cobsDecode(encoded);
  // The board counts an overrun as soon as the decoded bytes pass the limit, even when the frame
  // would also have been bad COBS further on.
  if (decodedLength(encoded) > maxFrame) return { kind: 'overrun' };
  if (body === null || body.length < 4) return { kind: 'bad' };
  const crc = (body[body.length - 2] ?? 0) | ((body[body.length - 1] ?? 0) << 8);
  if (crc16(body.slice(0, -2)) !== crc) return { kind: 'bad' };
  return { kind: 'ok', body };
}

/** The bytes a streaming decoder writes for `encoded` before it sees the delimiter. */
function decodedLength(encoded: ArrayLike<number>): number {
  let n = 0;
  let left = 0;
  let code = 0xff;
  for (let i = 0; i < encoded.length; i++) {
    if (left === 0) {
      if (code !== 0xff) n++;
      code = encoded[i] ?? 0;
      left = code - 1;
    } else {
      n++;
      left--;
    }
  }
  return n;
}

/** A strict receiver for the board's output: the board must never send a bad frame. */
export class StrictDecoder {
  private pending: number[] = [];

  push(bytes: Uint8Array): Frame[] {
    const frames: Frame[] = [];
    for (const byte of bytes) {
      if (byte !== 0) {
        this.pending.push(byte);
        continue;
      }
      const encoded = this.pending;
      this.pending = [];
      assert.ok(encoded.length > 0, 'the board sent an empty frame');
      const body = cobsDecode(encoded);
      assert.ok(body, `the board sent bad COBS: ${hex(encoded)}`);
      assert.ok(body.length >= 4, 'the board sent a frame shorter than 4 bytes');
      const crc = (body[body.length - 2] ?? 0) | ((body[body.length - 1] ?? 0) << 8);
      assert.equal(crc16(body.slice(0, -2)), crc, 'the board sent a bad CRC');
      frames.push({ type: body[0] ?? 0, seq: body[1] ?? 0, payload: Uint8Array.from(body.slice(2, -2)) });
    }
    return frames;
  }

  get partial(): number {
    return this.pending.length;
  }
}

export function hex(bytes: ArrayLike<number>): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}

// ---------------------------------------------------------------------------------------------
// Payloads

export class Out {
  private readonly bytes: number[] = [];
  u8(x: number): this {
    this.bytes.push(x & 0xff);
    return this;
  }
  u16(x: number): this {
    return this.u8(x).u8(x >>> 8);
  }
  u32(x: number): this {
    return this.u16(x & 0xffff).u16(x >>> 16);
  }
  raw(x: ArrayLike<number>): this {
    for (let i = 0; i < x.length; i++) this.u8(x[i] ?? 0);
    return this;
  }
  done(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

export class In {
  private at = 0;
  private readonly view: DataView;
  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  u8(): number {
    return this.view.getUint8(this.at++);
  }
  u16(): number {
    const x = this.view.getUint16(this.at, true);
    this.at += 2;
    return x;
  }
  i16(): number {
    const x = this.view.getInt16(this.at, true);
    this.at += 2;
    return x;
  }
  u32(): number {
    const x = this.view.getUint32(this.at, true);
    this.at += 4;
    return x;
  }
  i32(): number {
    const x = this.view.getInt32(this.at, true);
    this.at += 4;
    return x;
  }
  str(): string {
    const n = this.u8();
    const s = new TextDecoder().decode(this.bytes.subarray(this.at, this.at + n));
    this.at += n;
    return s;
  }
  end(): void {
    assert.equal(this.at, this.bytes.length, 'bytes after the last field');
  }
}

export interface Info {
  protocolVersion: number;
  abiVersion: number;
  engineVersion: number;
  formatVersion: number;
  maxFrame: number;
  flags: number;
  storageBytes: number;
  activeSlot: number;
  generation: number;
  modelBytes: number;
  modelCrc: number;
  modelName: string;
  uploadOffset: number;
  uploadSize: number;
  framesOk: number;
  badFrames: number;
  overruns: number;
  unknownTypes: number;
  badRequests: number;
  resultsDropped: number;
  /** The active model's front-end (all 0 without one). */
  frontend: { sampleRateHz: number; bands: number; windowMs: number; hopMs: number; thresholdQ8: number };
}

export function decodeInfo(payload: Uint8Array): Info {
  const r = new In(payload);
  const info: Info = {
    protocolVersion: r.u16(),
    abiVersion: r.u16(),
    engineVersion: r.u16(),
    formatVersion: r.u16(),
    maxFrame: r.u16(),
    flags: r.u16(),
    storageBytes: r.u32(),
    activeSlot: r.u8(),
    generation: r.u32(),
    modelBytes: r.u32(),
    modelCrc: r.u32(),
    modelName: r.str(),
    uploadOffset: r.u32(),
    uploadSize: r.u32(),
    framesOk: r.u32(),
    badFrames: r.u32(),
    overruns: r.u32(),
    unknownTypes: r.u32(),
    badRequests: r.u32(),
    resultsDropped: r.u32(),
    frontend: { sampleRateHz: r.u16(), bands: r.u8(), windowMs: r.u8(), hopMs: r.u8(), thresholdQ8: r.u16() },
  };
  r.end();
  return info;
}

export interface UploadStatus {
  offset: number;
  size: number;
  crc: number;
}

export function decodeStatus(payload: Uint8Array): UploadStatus {
  const r = new In(payload);
  const s = { offset: r.u32(), size: r.u32(), crc: r.u32() };
  r.end();
  return s;
}

export interface DeviceError {
  requestType: number;
  code: number;
  detail: number;
}

export function decodeError(payload: Uint8Array): DeviceError {
  const r = new In(payload);
  const e = { requestType: r.u8(), code: r.u8(), detail: r.i32() };
  r.end();
  return e;
}

/** The stream's latest detection as RESULT (flag 16) and STOPPED carry it. */
export interface LatestDetection {
  count: number;
  step: number;
  label: number;
  score: number;
}

export interface StepResult {
  step: number;
  decision: number;
  stepUs: number;
  flags: number;
  scores?: number[];
  spikes?: number[];
  detection?: LatestDetection;
}

export const RESULT_DETECTION = 16;

function readDetection(r: In, count: number): LatestDetection {
  return { count, step: r.u32(), label: r.u8(), score: r.i32() };
}

export function decodeResult(payload: Uint8Array, classes: number): StepResult {
  const r = new In(payload);
  const result: StepResult = { step: r.u32(), decision: r.i16(), stepUs: r.u32(), flags: r.u8() };
  if (result.flags & 1) result.scores = Array.from({ length: classes }, () => r.i32());
  if (result.flags & 4) result.spikes = Array.from({ length: r.u16() }, () => r.u16());
  if (result.flags & RESULT_DETECTION) result.detection = readDetection(r, r.u32());
  r.end();
  return result;
}

export function spikesPayload(firstStep: number, steps: readonly (readonly number[])[]): Uint8Array {
  const out = new Out().u32(firstStep).u8(steps.length);
  for (const channels of steps) {
    out.u8(channels.length);
    for (const c of channels) out.u16(c);
  }
  return out.done();
}

// ---------------------------------------------------------------------------------------------
// A board and a minimal host

export interface BoardOptions {
  storage?: SlotStorage;
  slotBytes?: number;
  maxFrame?: number;
  uart?: ByteQueueUartOptions;
  /** Default: no microphone. */
  mic?: MicPort;
  /** Default: a clock that advances 7 us per call, so stepUs is known. */
  clockUs?: () => number;
  /** Default: build/hetsyn.wasm. */
  wasmPath?: string;
}

export interface Exchange {
  /** Frames other than RESULT, in order. */
  replies: Frame[];
  results: Frame[];
}

export class TestBoard {
  readonly uart: ByteQueueUart;
  readonly storage: SlotStorage;
  readonly device: Device;
  readonly decoder = new StrictDecoder();
  readonly logs: string[] = [];
  initStatus: number;
  seq = 0;

  constructor(options: BoardOptions = {}) {
    this.uart = new ByteQueueUart(options.uart ?? {});
    this.storage = options.storage ?? new MemoryStorage({ slotBytes: options.slotBytes ?? 8192 });
    let now = 0;
    const device = Device.open({
      uart: this.uart,
      storage: this.storage,
      ...(options.mic ? { mic: options.mic } : {}),
      log: (line) => this.logs.push(line),
      clockUs: options.clockUs ?? (() => (now += 7)),
      ...(options.maxFrame === undefined ? {} : { maxFrame: options.maxFrame }),
      ...(options.wasmPath === undefined ? {} : { wasmPath: options.wasmPath }),
    });
    this.device = device;
    this.initStatus = device.init();
  }

  /** Pushes bytes, polls until idle (taking what the board sends meanwhile), returns the frames. */
  exchange(bytes: Uint8Array, maxPolls = 100_000): Exchange {
    this.uart.push(bytes);
    const frames: Frame[] = [];
    for (let polls = 0; ; polls++) {
      assert.ok(polls < maxPolls, `the board was still busy after ${maxPolls} polls`);
      const worked = this.device.poll();
      frames.push(...this.decoder.push(this.uart.take()));
      if (worked === 0) break;
    }
    return {
      replies: frames.filter((f) => f.type !== T.RESULT),
      results: frames.filter((f) => f.type === T.RESULT),
    };
  }

  nextSeq(): number {
    this.seq = (this.seq + 1) & 0xff;
    return this.seq;
  }

  /** Sends one request; expects exactly one reply with its seq. */
  request(type: number, payload: ArrayLike<number> = [], seq = this.nextSeq()): Frame & { results: Frame[] } {
    const { replies, results } = this.exchange(wire(type, seq, payload));
    assert.equal(replies.length, 1, `one reply to type 0x${type.toString(16)}, got ${replies.length}`);
    const reply = replies[0];
    assert.equal(reply.seq, seq, 'reply seq');
    return { ...reply, results };
  }

  /** A request that must succeed with `replyType`; its payload. */
  ok(type: number, payload: ArrayLike<number> = [], replyType = type | 0x80): Uint8Array {
    const reply = this.request(type, payload);
    if (reply.type === T.ERROR) {
      const e = decodeError(reply.payload);
      assert.fail(`type 0x${type.toString(16)} failed: code ${e.code} detail ${e.detail}`);
    }
    assert.equal(reply.type, replyType);
    return reply.payload;
  }

  /** A request that must fail; its ERROR. */
  error(type: number, payload: ArrayLike<number> = []): DeviceError {
    const reply = this.request(type, payload);
    assert.equal(reply.type, T.ERROR, `type 0x${type.toString(16)} should have failed`);
    const e = decodeError(reply.payload);
    assert.equal(e.requestType, type);
    return e;
  }

  hello(): Info {
    return decodeInfo(this.ok(T.HELLO));
  }

  begin(size: number, crc: number): UploadStatus {
    return decodeStatus(this.ok(T.UPLOAD_BEGIN, new Out().u32(size).u32(crc).done(), T.UPLOAD_STATUS));
  }

  chunk(offset: number, bytes: ArrayLike<number>): UploadStatus {
    return decodeStatus(this.ok(T.UPLOAD_CHUNK, new Out().u32(offset).raw(bytes).done(), T.UPLOAD_STATUS));
  }

  end(): UploadStatus {
    return decodeStatus(this.ok(T.UPLOAD_END, [], T.UPLOAD_STATUS));
  }

  /** Begins (or resumes) and sends every chunk from the offset the board names. */
  send(model: Uint8Array, crc = modelHash(model), chunkBytes = this.chunkBytes()): UploadStatus {
    let status = this.begin(model.length, crc);
    while (status.offset < model.length) {
      status = this.chunk(status.offset, model.subarray(status.offset, status.offset + chunkBytes));
    }
    return this.end();
  }

  /** The most model bytes one UPLOAD_CHUNK carries at the board's current maxFrame. */
  chunkBytes(): number {
    return this.hello().maxFrame - 8;
  }

  commit(): { slot: number; generation: number } {
    const r = new In(this.ok(T.COMMIT, [], T.COMMITTED));
    const c = { slot: r.u8(), generation: r.u32() };
    r.end();
    return c;
  }

  rollback(): { slot: number; generation: number } {
    const r = new In(this.ok(T.ROLLBACK, [], T.COMMITTED));
    const c = { slot: r.u8(), generation: r.u32() };
    r.end();
    return c;
  }

  /** Uploads, verifies and commits a model. */
  install(model: Uint8Array): { slot: number; generation: number } {
    const status = this.send(model);
    assert.equal(status.offset, model.length, 'verified');
    return this.commit();
  }

  startStream(report: number, layer = 0): { classes: number; inputs: number; nextStep: number } {
    const r = new In(this.ok(T.STREAM_START, [report, layer]));
    const s = { classes: r.u16(), inputs: r.u16(), nextStep: r.u32() };
    r.end();
    return s;
  }

  /** SPIKES: the ack's nextStep and the RESULT frames before it. */
  spikes(firstStep: number, steps: readonly (readonly number[])[]): { nextStep: number; results: Frame[] } {
    const reply = this.request(T.SPIKES, spikesPayload(firstStep, steps));
    assert.equal(reply.type, T.SPIKES_ACK, reply.type === T.ERROR ? `ERROR ${hex(reply.payload)}` : 'ack');
    const r = new In(reply.payload);
    const nextStep = r.u32();
    r.end();
    return { nextStep, results: reply.results };
  }

  stop(): { steps: number; decision: number; detection?: LatestDetection } {
    const r = new In(this.ok(T.STREAM_STOP));
    const s: { steps: number; decision: number; detection?: LatestDetection } = {
      steps: r.u32(),
      decision: r.i16(),
    };
    const count = r.u32();
    if (count !== 0) s.detection = readDetection(r, count);
    r.end();
    return s;
  }
}

export function memoryStorage(options: Partial<StorageOptions> = {}): MemoryStorage {
  return new MemoryStorage({ slotBytes: 8192, ...options });
}
