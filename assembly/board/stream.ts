// Streaming (docs/protocol.md, "Streaming"): STREAM_START, SPIKES, STREAM_STOP and the RESULT frame
// of each step. The board's next step is the engine's own step counter, reset by STREAM_START.
//
// A SPIKES frame is checked whole before its first step runs, then run a step at a time, each step
// only when the transmit ring has room for its RESULT and the ack: so a slow UART slows the steps
// down (and, through the host's window, the host) instead of dropping results. While a frame is
// being run the board reads no new request; its bytes stay in FRAME.

import { clockUs } from '../abi/imports';
import { ModelLoads } from '../engine/model-load';
import { Model, layerAt, KIND_READOUT } from '../model/network';
import { State, resetState } from '../engine/state';
import { stepNetwork, decide } from '../engine/step';
import { Detect, detectReset, detectStep } from '../engine/detect';
import * as E from '../model/errors';
import * as F from '../frontend/frontend';
import * as P from '../protocol/codes';
import {
  Link,
  TX_RESERVE,
  beginFrame,
  bodyLength,
  flushTx,
  putU16,
  putU32,
  putU8,
  sendFrame,
  txFree,
} from '../protocol/link';

/** RESULT before its optional parts: step u32, decision i16, stepUs u32, flags u8. */
const RESULT_FIXED_BYTES: u32 = 11;
/** The latest detection: count u32, step u32, class u8, score i32 (RESULT and STOPPED). */
const DETECTION_BYTES: u32 = 13;
/** A RESULT (at most maxFrame) and the SPIKES_ACK after it, encoded. */
const STEP_RESERVE: u32 = TX_RESERVE + 16;

export class Stream {
  static active: bool = false;
  /** ModelLoads.count at STREAM_START: any load since (COMMIT, ROLLBACK) ends the stream. */
  static loads: u32 = 0;
  static report: u32 = 0;
  static layer: i32 = 0;
  /** A checked SPIKES frame is being run: its seq, next step's bytes in FRAME and steps left. */
  static running: bool = false;
  static seq: u32 = 0;
  static cursor: usize = 0;
  static stepsLeft: u32 = 0;
  /** An AUDIO stream: samples taken into the front-end since STREAM_START (the next one expected). */
  static audio: bool = false;
  static samples: u32 = 0;
  static samplesLeft: u32 = 0;
}

/** Checks the report against the model and maxFrame, then resets the network state. */
export function streamStart(report: u32, layer: u32): i32 {
  if (!Model.loaded) return P.NO_MODEL;
  if ((report & ~(P.REPORT_SCORES | P.REPORT_SPIKES | P.SOURCE_AUDIO)) != 0) return P.BAD_REQUEST;
  const audio = (report & P.SOURCE_AUDIO) != 0;
  if (audio) {
    const status = F.configureFromModel();
    if (status != E.OK) return P.fail(P.MODEL_REJECTED, status);
    F.reset();
  }
  let bytes = P.FRAME_OVERHEAD + RESULT_FIXED_BYTES + DETECTION_BYTES;
  if ((report & P.REPORT_SCORES) != 0) bytes += Model.labelCount << 2;
  if ((report & P.REPORT_SPIKES) != 0) {
    if (layer >= <u32>Model.layerCount || layerAt(<i32>layer).kind == KIND_READOUT) return P.BAD_REQUEST;
    bytes += 2 + (layerAt(<i32>layer).neuronCount << 1);
  }
  // Every RESULT of this stream must fit a frame: refused here, with the bytes it would need.
  if (bytes > Link.maxFrame) return P.fail(P.BAD_REQUEST, <i32>bytes);
  resetState();
  detectReset();
  Stream.active = true;
  Stream.loads = ModelLoads.count;
  Stream.report = report & ~P.SOURCE_AUDIO;
  Stream.layer = <i32>layer;
  Stream.audio = audio;
  Stream.samples = 0;
  return P.OK;
}

/**
 * SPIKES: `payload` holds firstStep u32, steps u8, then per step count u8 and count channels u16.
 * Returns OK with nothing queued when the steps are to run (Stream.running), or an ERROR code, or
 * -1 when the frame repeats steps already run and only wants the ack.
 */
export function spikes(seq: u32, payload: usize, bytes: u32): i32 {
  if (!streaming()) return P.NOT_STREAMING;
  if (bytes < 5 || Stream.audio) return P.BAD_REQUEST;
  const firstStep = load<u32>(payload);
  const steps = <u32>load<u8>(payload, 4);
  const inputs = Model.inputCount;
  let bad = false;
  let at: u32 = 5;
  for (let s: u32 = 0; s < steps; s++) {
    if (at >= bytes) return P.BAD_REQUEST;
    const count = <u32>load<u8>(payload + at);
    const end = at + 1 + (count << 1);
    if (end > bytes) return P.BAD_REQUEST;
    if (count > inputs) bad = true;
    for (let c = at + 1; c < end; c += 2) if (<u32>load<u16>(payload + c) >= inputs) bad = true;
    at = end;
  }
  if (at != bytes) return P.BAD_REQUEST;
  const next = State.stepCount;
  if (firstStep < next) return -1;
  if (firstStep > next) return P.fail(P.STEP_GAP, <i32>next);
  if (bad) return P.fail(P.BAD_INPUT, E.BAD_INPUT);
  Stream.running = true;
  Stream.seq = seq;
  Stream.cursor = payload + 5;
  Stream.stepsLeft = steps;
  return P.OK;
}

/**
 * AUDIO: `payload` holds firstSample u32, then i16 samples. Like spikes(): OK when they are to run,
 * an ERROR code, or -1 for a repeat (its samples were all taken) that only wants the ack.
 */
export function audio(seq: u32, payload: usize, bytes: u32): i32 {
  if (!streaming()) return P.NOT_STREAMING;
  if (!Stream.audio || bytes < 4 || (bytes & 1) != 0) return P.BAD_REQUEST;
  const firstSample = load<u32>(payload);
  const next = Stream.samples;
  if (firstSample < next) return -1;
  if (firstSample > next) return P.fail(P.STEP_GAP, <i32>next);
  Stream.running = true;
  Stream.seq = seq;
  Stream.cursor = payload + 4;
  Stream.samplesLeft = (bytes - 4) >> 1;
  return P.OK;
}

/** Queues the ack of the stream's kind: SPIKES_ACK with the next step, AUDIO_ACK with the next sample. */
export function sendAck(seq: u32): void {
  if (Stream.audio) {
    beginFrame(P.T_AUDIO | P.REPLY, seq);
    putU32(Stream.samples);
  } else {
    beginFrame(P.T_SPIKES | P.REPLY, seq);
    putU32(State.stepCount);
  }
  sendFrame();
}

/** Runs the steps of the current SPIKES frame the ring has room for, then its ack; true if it ran any. */
export function runSteps(): bool {
  if (Stream.audio) return runAudio();
  let ran = false;
  while (Stream.stepsLeft != 0) {
    if (txFree() < STEP_RESERVE) {
      flushTx();
      if (txFree() < STEP_RESERVE) return ran;
    }
    runStep();
    ran = true;
  }
  sendAck(Stream.seq);
  Stream.running = false;
  return true;
}

/**
 * Feeds the current AUDIO frame's samples to the front-end and runs a step per completed hop, each
 * when the ring has room for its RESULT; then the ack. A sample counts as taken once pushed, so the
 * ack's next sample never makes a resend run one twice.
 */
function runAudio(): bool {
  let ran = false;
  for (;;) {
    if (F.push(0) > 0) {
      if (txFree() < STEP_RESERVE) {
        flushTx();
        if (txFree() < STEP_RESERVE) return ran;
      }
      // The front-end's encoding is part of the step's time.
      const started = clockUs();
      const count = <u32>F.nextStep();
      inputChannels(F.spikesAt(), count);
      stepNetwork(count);
      detectStep();
      sendResult(clockUs() - started);
      ran = true;
    } else if (Stream.samplesLeft != 0) {
      const room = F.room();
      const take = Stream.samplesLeft < room ? Stream.samplesLeft : room;
      const at = F.samplesAt();
      for (let i: u32 = 0; i < take; i++) {
        store<i16>(at + ((<usize>i) << 1), load<i16>(Stream.cursor + ((<usize>i) << 1)));
      }
      Stream.cursor += (<usize>take) << 1;
      Stream.samplesLeft -= take;
      Stream.samples += take;
      F.push(take);
      ran = true;
    } else break;
  }
  sendAck(Stream.seq);
  Stream.running = false;
  return true;
}

function inputChannels(channels: usize, count: u32): void {
  for (let e: u32 = 0; e < count; e++) {
    store<u16>(State.inputList + ((<usize>e) << 1), load<u16>(channels + ((<usize>e) << 1)));
  }
}

function runStep(): void {
  const count = <u32>load<u8>(Stream.cursor);
  const channels = Stream.cursor + 1;
  inputChannels(channels, count);
  Stream.cursor = channels + ((<usize>count) << 1);
  Stream.stepsLeft--;
  const started = clockUs();
  stepNetwork(count);
  detectStep();
  sendResult(clockUs() - started);
}

function sendResult(stepUs: u32): void {
  // Every RESULT after a detection repeats it, so a RESULT lost on the line does not lose it.
  const report = Stream.report | (Detect.count != 0 ? P.RESULT_DETECTION : 0);
  beginFrame(P.T_RESULT, Stream.seq);
  putU32(State.stepCount - 1);
  putU16(<u32>decide());
  putU32(stepUs);
  putU8(report);
  if ((report & P.REPORT_SCORES) != 0) {
    for (let j: u32 = 0; j < Model.labelCount; j++) putU32(load<u32>(State.scores + ((<usize>j) << 2)));
  }
  if ((report & P.REPORT_SPIKES) != 0) {
    const L = layerAt(Stream.layer);
    putU16(L.spikeCount);
    for (let i: u32 = 0; i < L.spikeCount; i++) putU16(<u32>load<u16>(L.spikeList + ((<usize>i) << 1)));
  }
  if ((report & P.RESULT_DETECTION) != 0) putDetection();
  // Larger than maxFrame only when maxFrame was lowered during the stream.
  if (bodyLength() + 2 > Link.maxFrame || !sendFrame()) Link.resultsDropped++;
}

/** The stream's latest detection: count u32, then (when count != 0) step u32, class u8, score i32. */
export function putDetection(): void {
  putU32(Detect.count);
  if (Detect.count == 0) return;
  putU32(Detect.lastStep);
  putU8(<u32>Detect.lastClass);
  putU32(<u32>Detect.lastScore);
}

export function streaming(): bool {
  return Stream.active && Stream.loads == ModelLoads.count && Model.loaded;
}
