/**
 * Every message of docs/protocol.md, typed: request encoders, reply decoders and the request
 * table (ERROR's codes are in device-errors.ts). The tables here and the ones in the doc are the
 * same tables; the protocol tests compare them, so a change to one without the other fails.
 *
 * Naming: a request is known by its name ('HELLO'), which keys REQUESTS; `type` is the byte on the
 * wire.
 */

import { Reader, Writer } from './bytes.js';
import { ProtocolError } from './errors.js';
import { QUICK_REPLY, SLOW_REPLY, STEP_REPLY, type ReplyTiming } from './reply-timing.js';
import type { Detection } from '../model/detection.js';
import type { FrontendConfig } from '../model/frontend-config.js';

export type { Detection } from '../model/detection.js';

/** The protocol version this host speaks (INFO's protocolVersion). */
export const PROTOCOL_VERSION = 3;

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
  AUDIO: 0x23,
  INFO: 0x81,
  UPLOAD_STATUS: 0x90,
  COMMITTED: 0x93,
  STREAMING: 0xa0,
  SPIKES_ACK: 0xa1,
  STOPPED: 0xa2,
  AUDIO_ACK: 0xa3,
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
  /** bit 3 (SOURCE_AUDIO): an audio stream, AUDIO frames encoded by the board's own front-end. */
  audio: 1 << 3,
  /** bit 4 (SOURCE_MIC): a microphone stream, the board's own microphone through its front-end. */
  mic: 1 << 4,
} as const;

/** RESULT flag bit 4: the frame ends with the stream's latest detection (repeated until the next). */
export const RESULT_DETECTION_FLAG = 1 << 4;
/** The latest detection's bytes: count u32, step u32, class u8, score i32. */
export const DETECTION_BYTES = 13;

/** INFO flags. */
export const InfoFlag = {
  modelLoaded: 1 << 0,
  streaming: 1 << 1,
  uploading: 1 << 2,
  /** The board listens to its microphone on its own (it started with a front-end model). */
  listening: 1 << 3,
  /** The active model has a front-end (INFO ends with its parameters). */
  frontend: 1 << 4,
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
  listening: boolean;
  /** The active model's front-end, when it has one: the board then takes audio. */
  frontend?: FrontendConfig;
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
  /** Detections in the stream, and the latest one (when there was any). */
  detections: number;
  lastDetection?: Detection;
}

/** RESULT's bytes before its optional parts: step u32, decision i16, stepUs u32, flags u8. */
export const RESULT_FIXED_BYTES = 11;

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
  /** Once the stream has had a detection: how many, and the latest (docs/protocol.md). */
  detections?: number;
  lastDetection?: Detection;
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

/** The AUDIO payload bytes before the samples: firstSample u32. */
export const AUDIO_HEADER_BYTES = 4;

export function encodeAudio(firstSample: number, samples: Int16Array): Uint8Array {
  const w = new Writer(AUDIO_HEADER_BYTES + 2 * samples.length).u32(firstSample);
  for (const sample of samples) w.u16(sample & 0xffff);
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
    listening: (flags & InfoFlag.listening) !== 0,
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
  const frontend: FrontendConfig = {
    sampleRateHz: r.u16(),
    bands: r.u8(),
    windowMs: r.u8(),
    hopMs: r.u8(),
    thresholdQ8: r.u16(),
  };
  if (flags & InfoFlag.frontend) info.frontend = frontend;
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

/** AUDIO_ACK (0xA3). */
export interface AudioAck {
  nextSample: number;
}

export function decodeAudioAck(payload: Uint8Array): AudioAck {
  const r = new Reader(payload, 'AUDIO_ACK');
  const ack = { nextSample: r.u32() };
  r.end();
  return ack;
}

export function decodeStopped(payload: Uint8Array): Stopped {
  const r = new Reader(payload, 'STOPPED');
  const stopped: Stopped = { steps: r.u32(), decision: r.i16(), detections: r.u32() };
  if (stopped.detections !== 0) stopped.lastDetection = readDetection(r);
  r.end();
  return stopped;
}

function readDetection(r: Reader): Detection {
  return { step: r.u32(), label: r.u8(), score: r.i32() };
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
  if (result.flags & RESULT_DETECTION_FLAG) {
    result.detections = r.u32();
    result.lastDetection = readDetection(r);
  }
  r.end();
  return result;
}

// ---------------------------------------------------------------------------------------------
// The request table: what each request is answered with, how to decode it, how long to wait

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
  AUDIO: AudioAck;
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
  SPIKES: { type: 0x21, replyType: 0xa1, decode: decodeSpikesAck, timing: STEP_REPLY },
  STREAM_STOP: { type: 0x22, replyType: 0xa2, decode: decodeStopped, timing: QUICK_REPLY },
  AUDIO: { type: 0x23, replyType: 0xa3, decode: decodeAudioAck, timing: STEP_REPLY },
};

/** Whether a frame of `type` answers request `name` (ERROR frames aside): the table's reply type. */
export function isReplyTo(name: RequestName, type: number): boolean {
  return type === REQUESTS[name].replyType;
}

export function requestNameOf(type: number): RequestName | undefined {
  return (Object.keys(REQUESTS) as RequestName[]).find((name) => REQUESTS[name].type === type);
}
