/**
 * Every message of docs/protocol.md, typed: request encoders, reply decoders, and the device's
 * error table. The tables here and the ones in the doc are the same tables; the protocol tests
 * compare them, so a change to one without the other fails.
 *
 * Naming: a request is known by its name ('HELLO'), which keys REQUESTS; `type` is the byte on the
 * wire. All integers are little-endian; `str` is u8 length + UTF-8 bytes.
 */

import { describeStatus } from '../model/errors.js';
import { hex32 } from '../model/crc32.js';
import { ProtocolError } from './errors.js';

/** The protocol version this host speaks (INFO's protocolVersion). */
export const PROTOCOL_VERSION = 1;

export const MessageType = {
  HELLO: 0x01,
  UPLOAD_BEGIN: 0x10,
  UPLOAD_CHUNK: 0x11,
  UPLOAD_END: 0x12,
  COMMIT: 0x13,
  ROLLBACK: 0x14,
  STREAM_START: 0x20,
  SPIKES: 0x21,
  STREAM_STOP: 0x22,
  INFO: 0x81,
  UPLOAD_STATUS: 0x90,
  COMMITTED: 0x93,
  STREAMING: 0xa0,
  SPIKES_ACK: 0xa1,
  STOPPED: 0xa2,
  RESULT: 0xc1,
  ERROR: 0xff,
} as const;

export type MessageName = keyof typeof MessageType;

const NAME_OF_TYPE = new Map<number, MessageName>(
  Object.entries(MessageType).map(([name, type]) => [type, name as MessageName]),
);

/** "HELLO (0x01)", or "type 0x3c" for a type this host does not know. */
export function describeType(type: number): string {
  const hex = `0x${type.toString(16).padStart(2, '0')}`;
  const name = NAME_OF_TYPE.get(type);
  return name ? `${name} (${hex})` : `type ${hex}`;
}

/** STREAM_START's report bits: what each RESULT carries besides the decision. */
export const Report = {
  /** bit 0: the readout scores of the step, i32 per class. */
  scores: 1 << 0,
  /** bit 2: the spikes of layer spikeLayer. */
  spikes: 1 << 2,
} as const;

/** INFO flags. */
export const InfoFlag = {
  modelLoaded: 1 << 0,
  streaming: 1 << 1,
  uploading: 1 << 2,
} as const;

/** INFO's activeSlot when no model is stored. */
export const NO_SLOT = 0xff;

// ---------------------------------------------------------------------------------------------
// Replies

/** The board's error counters, as INFO reports them (since its last restart). */
export interface BoardCounters {
  framesOk: number;
  /** COBS, CRC or too short. */
  badFrames: number;
  overruns: number;
  unknownTypes: number;
  badRequests: number;
  resultsDropped: number;
}

/** INFO (0x81), the reply to HELLO. */
export interface HelloInfo {
  protocolVersion: number;
  abiVersion: number;
  engineVersion: number;
  formatVersion: number;
  /** The longest frame body (type + seq + payload + CRC) the board accepts. */
  maxFrame: number;
  flags: number;
  modelLoaded: boolean;
  streaming: boolean;
  uploading: boolean;
  /** Capacity of each of the two storage slots. */
  storageBytes: number;
  /** The slot of the active model, null when none is stored. */
  activeSlot: number | null;
  generation: number;
  modelBytes: number;
  modelCrc: number;
  modelName: string;
  uploadOffset: number;
  uploadSize: number;
  counters: BoardCounters;
}

/** UPLOAD_STATUS (0x90): where the upload stands; offset = size after UPLOAD_END means verified. */
export interface UploadStatus {
  offset: number;
  size: number;
  crc32: number;
}

/** COMMITTED (0x93): the model now active. */
export interface Committed {
  slot: number;
  generation: number;
}

/** STREAMING (0xA0). */
export interface Streaming {
  classes: number;
  inputs: number;
  nextStep: number;
}

/** SPIKES_ACK (0xA1). */
export interface SpikesAck {
  nextStep: number;
}

/** STOPPED (0xA2). */
export interface Stopped {
  steps: number;
  /** The window decision, -1 when there is none. */
  decision: number;
}

/** RESULT (0xC1), sent unasked once per step of a stream. */
export interface StepResult {
  step: number;
  /** The window decision after this step, -1 while there is none. */
  decision: number;
  /** How long the board took for the step. */
  stepUs: number;
  flags: number;
  /** Readout scores (state LSB), when the stream reports them. */
  scores?: number[];
  /** Neurons of the reported layer that fired, when the stream reports them. */
  spikes?: number[];
}

// ---------------------------------------------------------------------------------------------
// Device errors: one table, the text lives on the host (the board sends only the code)

export interface DeviceErrorCode {
  code: number;
  name: string;
  /** The meaning column of docs/protocol.md, word for word. */
  meaning: string;
  /** What ERROR's detail holds for this code, or null when it holds nothing. */
  detail: string | null;
}

export const DEVICE_ERROR_CODES: readonly DeviceErrorCode[] = [
  { code: 1, name: 'BAD_REQUEST', meaning: 'payload length or a field is wrong for the type', detail: null },
  { code: 2, name: 'UNKNOWN_TYPE', meaning: 'a request type this board does not know', detail: null },
  { code: 3, name: 'TOO_LARGE', meaning: 'the model does not fit a storage slot', detail: 'slot bytes' },
  {
    code: 4,
    name: 'NO_UPLOAD',
    meaning: 'UPLOAD_CHUNK/END/COMMIT without a matching upload in progress',
    detail: null,
  },
  {
    code: 5,
    name: 'HASH_MISMATCH',
    meaning: "the stored bytes' model hash differs from UPLOAD_BEGIN's, or their last 4 bytes do not hold it",
    detail: 'hash found',
  },
  { code: 6, name: 'NOT_VERIFIED', meaning: 'COMMIT before UPLOAD_END verified the upload', detail: null },
  {
    code: 7,
    name: 'MODEL_REJECTED',
    meaning: 'the engine refused the model at COMMIT; the old model stays active',
    detail: 'engine status code (docs/model-format.md)',
  },
  { code: 8, name: 'STORAGE', meaning: 'a storage import failed', detail: 'its status' },
  { code: 9, name: 'NO_MODEL', meaning: 'streaming needs a model', detail: null },
  {
    code: 10,
    name: 'NOT_STREAMING',
    meaning: 'SPIKES or STREAM_STOP without STREAM_START',
    detail: null,
  },
  {
    code: 11,
    name: 'STEP_GAP',
    meaning: "SPIKES starts after the board's next step (a frame was lost)",
    detail: "the board's next step",
  },
  {
    code: 12,
    name: 'BAD_INPUT',
    meaning: "a channel at or above the model's input count; the frame is not applied",
    detail: 'engine status code',
  },
  { code: 13, name: 'NO_ROLLBACK', meaning: 'no older valid model to roll back to', detail: null },
];

/** An ERROR (0xFF) reply, with its words from the table. */
export interface DeviceError {
  /** The request type the board refused. */
  requestType: number;
  code: number;
  name: string;
  /** The meaning from the error table. */
  message: string;
  /** ERROR's detail (i32); see DeviceErrorCode.detail for what it holds. */
  detail: number;
}

export function describeDeviceErrorCode(code: number): DeviceErrorCode {
  return (
    DEVICE_ERROR_CODES.find((e) => e.code === code) ?? {
      code,
      name: `UNKNOWN_ERROR_${code}`,
      meaning: `an error code this host does not know (${code})`,
      detail: null,
    }
  );
}

export function makeDeviceError(requestType: number, code: number, detail: number): DeviceError {
  const entry = describeDeviceErrorCode(code);
  return { requestType, code, name: entry.name, message: entry.meaning, detail };
}

/** The detail in words, or '' when the code's detail means nothing. */
export function deviceErrorDetail(error: DeviceError): string {
  switch (error.name) {
    case 'TOO_LARGE':
      return `a slot holds models of at most ${error.detail} bytes`;
    case 'HASH_MISMATCH':
      return `the board found model hash 0x${hex32(error.detail)}`;
    case 'MODEL_REJECTED':
    case 'BAD_INPUT': {
      const status = describeStatus(error.detail);
      return `engine status ${status.name}: ${status.message}`;
    }
    case 'STORAGE':
      return `storage status ${error.detail}`;
    case 'STEP_GAP':
      return `the board's next step is ${error.detail}`;
    case 'BAD_REQUEST':
      // STREAM_START names the bytes one RESULT would need when they exceed the board's maxFrame.
      return error.requestType === MessageType.STREAM_START && error.detail > 0
        ? `a RESULT of this stream would need ${error.detail} bytes, more than the board's maxFrame`
        : '';
    default:
      return '';
  }
}

/** "Failed to <action>: <NAME> (<meaning>; <detail>)": the one way a device error is printed. */
export function formatDeviceError(action: string, error: DeviceError): string {
  const detail = deviceErrorDetail(error);
  return `Failed to ${action}: ${error.name} (${error.message}${detail ? `; ${detail}` : ''})`;
}

// ---------------------------------------------------------------------------------------------
// Byte readers and writers

const utf8Decoder = new TextDecoder('utf-8', { fatal: false });

class Writer {
  private readonly bytes: Uint8Array;
  private readonly view: DataView;
  private at = 0;
  constructor(length: number) {
    this.bytes = new Uint8Array(length);
    this.view = new DataView(this.bytes.buffer);
  }
  u8(x: number): this {
    this.view.setUint8(this.at, x);
    this.at += 1;
    return this;
  }
  u16(x: number): this {
    this.view.setUint16(this.at, x, true);
    this.at += 2;
    return this;
  }
  u32(x: number): this {
    this.view.setUint32(this.at, x >>> 0, true);
    this.at += 4;
    return this;
  }
  raw(x: Uint8Array): this {
    this.bytes.set(x, this.at);
    this.at += x.length;
    return this;
  }
  done(): Uint8Array {
    if (this.at !== this.bytes.length) throw new Error(`writer: ${this.at} of ${this.bytes.length} bytes`);
    return this.bytes;
  }
}

/** Reads a reply payload; any read past the end, or bytes left over, is a ProtocolError. */
class Reader {
  private readonly view: DataView;
  private at = 0;
  constructor(
    private readonly bytes: Uint8Array,
    private readonly what: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  private need(n: number): number {
    if (this.at + n > this.bytes.length) {
      throw new ProtocolError(`${this.what} is ${this.bytes.length} bytes, too short for its fields`);
    }
    const at = this.at;
    this.at += n;
    return at;
  }
  u8(): number {
    return this.view.getUint8(this.need(1));
  }
  u16(): number {
    return this.view.getUint16(this.need(2), true);
  }
  i16(): number {
    return this.view.getInt16(this.need(2), true);
  }
  u32(): number {
    return this.view.getUint32(this.need(4), true);
  }
  i32(): number {
    return this.view.getInt32(this.need(4), true);
  }
  str(): string {
    const length = this.u8();
    const at = this.need(length);
    return utf8Decoder.decode(this.bytes.subarray(at, at + length));
  }
  end(): void {
    if (this.at !== this.bytes.length) {
      throw new ProtocolError(`${this.what} has ${this.bytes.length - this.at} bytes after its last field`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Requests

export const EMPTY = new Uint8Array(0);

export function encodeUploadBegin(size: number, crc32: number): Uint8Array {
  return new Writer(8).u32(size).u32(crc32).done();
}

/** The UPLOAD_CHUNK payload bytes besides the data. */
export const UPLOAD_CHUNK_HEADER_BYTES = 4;

export function encodeUploadChunk(offset: number, data: Uint8Array): Uint8Array {
  return new Writer(UPLOAD_CHUNK_HEADER_BYTES + data.length).u32(offset).raw(data).done();
}

export function encodeStreamStart(report: number, spikeLayer: number): Uint8Array {
  return new Writer(2).u8(report).u8(spikeLayer).done();
}

/** The SPIKES payload bytes before the first step: firstStep u32, steps u8. */
export const SPIKES_HEADER_BYTES = 5;
/** The most steps one SPIKES frame carries (steps is a u8), and the most spikes in one step. */
export const MAX_STEPS_PER_FRAME = 255;
export const MAX_SPIKES_PER_STEP = 255;

/** Bytes one step takes in a SPIKES payload: count u8, count x channel u16. */
export function spikesStepBytes(channels: readonly number[]): number {
  return 1 + 2 * channels.length;
}

export function encodeSpikes(firstStep: number, steps: readonly (readonly number[])[]): Uint8Array {
  if (steps.length > MAX_STEPS_PER_FRAME) throw new RangeError(`${steps.length} steps in one SPIKES frame`);
  const length = steps.reduce((n, s) => n + spikesStepBytes(s), SPIKES_HEADER_BYTES);
  const w = new Writer(length).u32(firstStep).u8(steps.length);
  for (const channels of steps) {
    if (channels.length > MAX_SPIKES_PER_STEP) throw new RangeError(`${channels.length} spikes in one step`);
    w.u8(channels.length);
    for (const channel of channels) w.u16(channel);
  }
  return w.done();
}

// ---------------------------------------------------------------------------------------------
// Reply decoders

export function decodeInfo(payload: Uint8Array): HelloInfo {
  const r = new Reader(payload, 'INFO');
  const protocolVersion = r.u16();
  // A board of another version may lay INFO out differently: read no further than the version.
  if (protocolVersion !== PROTOCOL_VERSION) {
    throw new ProtocolError(
      `the board speaks protocol version ${protocolVersion}; this host speaks version ${PROTOCOL_VERSION}`,
    );
  }
  const abiVersion = r.u16();
  const engineVersion = r.u16();
  const formatVersion = r.u16();
  const maxFrame = r.u16();
  const flags = r.u16();
  const storageBytes = r.u32();
  const slot = r.u8();
  const info: HelloInfo = {
    protocolVersion,
    abiVersion,
    engineVersion,
    formatVersion,
    maxFrame,
    flags,
    modelLoaded: (flags & InfoFlag.modelLoaded) !== 0,
    streaming: (flags & InfoFlag.streaming) !== 0,
    uploading: (flags & InfoFlag.uploading) !== 0,
    storageBytes,
    activeSlot: slot === NO_SLOT ? null : slot,
    generation: r.u32(),
    modelBytes: r.u32(),
    modelCrc: r.u32(),
    modelName: r.str(),
    uploadOffset: r.u32(),
    uploadSize: r.u32(),
    counters: {
      framesOk: r.u32(),
      badFrames: r.u32(),
      overruns: r.u32(),
      unknownTypes: r.u32(),
      badRequests: r.u32(),
      resultsDropped: r.u32(),
    },
  };
  r.end();
  return info;
}

export function decodeUploadStatus(payload: Uint8Array): UploadStatus {
  const r = new Reader(payload, 'UPLOAD_STATUS');
  const status = { offset: r.u32(), size: r.u32(), crc32: r.u32() };
  r.end();
  return status;
}

export function decodeCommitted(payload: Uint8Array): Committed {
  const r = new Reader(payload, 'COMMITTED');
  const committed = { slot: r.u8(), generation: r.u32() };
  r.end();
  return committed;
}

export function decodeStreaming(payload: Uint8Array): Streaming {
  const r = new Reader(payload, 'STREAMING');
  const streaming = { classes: r.u16(), inputs: r.u16(), nextStep: r.u32() };
  r.end();
  return streaming;
}

export function decodeSpikesAck(payload: Uint8Array): SpikesAck {
  const r = new Reader(payload, 'SPIKES_ACK');
  const ack = { nextStep: r.u32() };
  r.end();
  return ack;
}

export function decodeStopped(payload: Uint8Array): Stopped {
  const r = new Reader(payload, 'STOPPED');
  const stopped = { steps: r.u32(), decision: r.i16() };
  r.end();
  return stopped;
}

export function decodeError(payload: Uint8Array): DeviceError {
  const r = new Reader(payload, 'ERROR');
  const requestType = r.u8();
  const code = r.u8();
  const detail = r.i32();
  r.end();
  return makeDeviceError(requestType, code, detail);
}

/** What a RESULT's layout depends on: the stream's report bits and the model's class count. */
export interface ResultLayout {
  report: number;
  classes: number;
}

export function decodeResult(payload: Uint8Array, layout: ResultLayout): StepResult {
  const r = new Reader(payload, 'RESULT');
  const result: StepResult = { step: r.u32(), decision: r.i16(), stepUs: r.u32(), flags: r.u8() };
  if (layout.report & Report.scores) {
    result.scores = [];
    for (let c = 0; c < layout.classes; c++) result.scores.push(r.i32());
  }
  if (layout.report & Report.spikes) {
    const count = r.u16();
    result.spikes = [];
    for (let i = 0; i < count; i++) result.spikes.push(r.u16());
  }
  r.end();
  return result;
}

// ---------------------------------------------------------------------------------------------
// The request table: what each request is answered with, how to decode it, how long to wait

/**
 * How long the host waits for a reply, and how often it asks again (docs "Timeouts"). The link
 * counts as dead after (1 + retries) x timeoutMs without a reply. With `adaptive`, the host asks
 * again sooner within that time (client.ts): after the measured round trip (or
 * `firstRetransmitMs` before there is one), doubling per silent try up to timeoutMs. Safe for
 * every request: each is idempotent, or a same-seq repeat gets the board's remembered reply.
 */
export interface ReplyTiming {
  timeoutMs: number;
  retries: number;
  adaptive: boolean;
  firstRetransmitMs: number;
}

/** A reply to HELLO, a chunk, SPIKES (and the other quick requests). */
export const QUICK_REPLY: ReplyTiming = {
  timeoutMs: 500,
  retries: 4,
  adaptive: true,
  firstRetransmitMs: 100,
};
/** UPLOAD_BEGIN (erases a slot), UPLOAD_END (reads it all back), COMMIT (loads the model). */
export const SLOW_REPLY: ReplyTiming = {
  timeoutMs: 5000,
  retries: 2,
  adaptive: true,
  firstRetransmitMs: 250,
};

interface RequestSpec<Reply> {
  type: number;
  /** The reply type of the table in docs/protocol.md. */
  replyType: number;
  decode: (payload: Uint8Array) => Reply;
  timing: ReplyTiming;
}

export interface ReplyOf {
  HELLO: HelloInfo;
  UPLOAD_BEGIN: UploadStatus;
  UPLOAD_CHUNK: UploadStatus;
  UPLOAD_END: UploadStatus;
  COMMIT: Committed;
  ROLLBACK: Committed;
  STREAM_START: Streaming;
  SPIKES: SpikesAck;
  STREAM_STOP: Stopped;
}

export type RequestName = keyof ReplyOf;

export const REQUESTS: { readonly [N in RequestName]: RequestSpec<ReplyOf[N]> } = {
  HELLO: { type: 0x01, replyType: 0x81, decode: decodeInfo, timing: QUICK_REPLY },
  UPLOAD_BEGIN: { type: 0x10, replyType: 0x90, decode: decodeUploadStatus, timing: SLOW_REPLY },
  UPLOAD_CHUNK: { type: 0x11, replyType: 0x90, decode: decodeUploadStatus, timing: QUICK_REPLY },
  UPLOAD_END: { type: 0x12, replyType: 0x90, decode: decodeUploadStatus, timing: SLOW_REPLY },
  COMMIT: { type: 0x13, replyType: 0x93, decode: decodeCommitted, timing: SLOW_REPLY },
  // ROLLBACK loads the model left active: as slow as COMMIT.
  ROLLBACK: { type: 0x14, replyType: 0x93, decode: decodeCommitted, timing: SLOW_REPLY },
  STREAM_START: { type: 0x20, replyType: 0xa0, decode: decodeStreaming, timing: QUICK_REPLY },
  SPIKES: { type: 0x21, replyType: 0xa1, decode: decodeSpikesAck, timing: QUICK_REPLY },
  STREAM_STOP: { type: 0x22, replyType: 0xa2, decode: decodeStopped, timing: QUICK_REPLY },
};

/** Whether a frame of `type` answers request `name` (ERROR frames aside): the table's reply type. */
export function isReplyTo(name: RequestName, type: number): boolean {
  return type === REQUESTS[name].replyType;
}

export function requestNameOf(type: number): RequestName | undefined {
  return (Object.keys(REQUESTS) as RequestName[]).find((name) => REQUESTS[name].type === type);
}
