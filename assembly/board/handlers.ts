// One function per request type of docs/protocol.md, dispatched from handleFrame. A handler checks
// its payload length, acts, and either queues its reply (returning OK) or returns an ERROR code
// (with Fail.detail) that handleFrame answers. The link guarantees room for one reply of any size.
//
// Repeats: UPLOAD_END, COMMIT, ROLLBACK and STREAM_STOP change state, so a retry (same type and
// seq as the request just handled) gets the remembered reply instead of a second action. Any other
// request, HELLO in particular, forgets it.

import * as P from '../protocol/codes';
import {
  FRAME,
  BODY,
  Link,
  beginFrame,
  bodyLength,
  putBytes,
  putU16,
  putU32,
  putU8,
  sendFrame,
  setBodyLength,
} from '../protocol/link';
import { storageBytes } from '../abi/imports';
import { ENGINE_VERSION } from '../engine/model-load';
import * as S from './slots';
import { Stream, audio, putDetection, spikes, sendAck, streamStart, streaming } from './stream';
import { Listen } from './listen';
import { Model } from '../model/network';
import { ModelFrontend } from '../model/frontend-section';
import { State } from '../engine/state';
import { decide } from '../engine/step';
import { FORMAT_VERSION } from '../model/parse';

// The longest remembered reply body: STOPPED with the latest detection, 2 + 4 + 2 + 4 + 4 + 1 + 4
// = 21 bytes (docs/protocol.md). 16 once held only the others: STOPPED ran over what follows.
const REPLY_MEMORY_BYTES: u32 = 24;
const REPLY_MEMORY = memory.data(REPLY_MEMORY_BYTES, 4);
let rememberedType: u32 = 0;
let rememberedSeq: u32 = 0;
let rememberedBytes: u32 = 0;


@inline
function remembers(type: u32): bool {
  return type == P.T_UPLOAD_END || type == P.T_COMMIT || type == P.T_ROLLBACK || type == P.T_STREAM_STOP;
}

/** Handles the `bytes`-byte frame in FRAME (CRC checked, at least 4 bytes). */
export function handleFrame(bytes: u32): void {
  const type = <u32>load<u8>(FRAME);
  const seq = <u32>load<u8>(FRAME, 1);
  const payload = FRAME + 2;
  const n = bytes - P.FRAME_OVERHEAD;
  if (remembers(type) && type == rememberedType && seq == rememberedSeq) {
    for (let i: u32 = 0; i < rememberedBytes; i++) store<u8>(BODY + i, load<u8>(REPLY_MEMORY + i));
    setBodyLength(rememberedBytes);
    sendFrame();
    return;
  }
  // The host takes the board over: it no longer listens on its own (listen.ts).
  if (type == P.T_STREAM_START || type == P.T_COMMIT || type == P.T_ROLLBACK) Listen.active = false;
  let err: i32;
  switch (type) {
    case P.T_HELLO:
      err = hello(seq);
      break;
    case P.T_UPLOAD_BEGIN:
      err = n != 8 ? P.BAD_REQUEST : S.uploadBegin(load<u32>(payload), load<u32>(payload, 4));
      break;
    case P.T_UPLOAD_CHUNK:
      err = n < 4 ? P.BAD_REQUEST : S.uploadChunk(load<u32>(payload), payload + 4, n - 4);
      break;
    case P.T_UPLOAD_END:
      err = n != 0 ? P.BAD_REQUEST : S.uploadEnd();
      break;
    case P.T_COMMIT:
      err = n != 0 ? P.BAD_REQUEST : S.commit();
      break;
    case P.T_ROLLBACK:
      err = n != 0 ? P.BAD_REQUEST : S.rollback();
      break;
    case P.T_STREAM_START:
      err = n != 2 ? P.BAD_REQUEST : streamStart(seq, <u32>load<u8>(payload), <u32>load<u8>(payload, 1));
      break;
    case P.T_SPIKES:
      err = spikes(seq, payload, n);
      break;
    case P.T_AUDIO:
      err = audio(seq, payload, n);
      break;
    case P.T_STREAM_STOP:
      err = n != 0 ? P.BAD_REQUEST : streaming() ? P.OK : P.NOT_STREAMING;
      break;
    default:
      Link.unknownTypes++;
      // A frame of a reply type (a looped-back line, another board) is not answered.
      if (type >= P.REPLY) return;
      err = P.UNKNOWN_TYPE;
  }
  if (err == P.OK) reply(type, seq);
  else if (err > 0) sendError(type, seq, err);
  else sendAck(seq); // a repeated SPIKES or AUDIO frame
  rememberedType = 0;
  if (remembers(type) && bodyLength() <= REPLY_MEMORY_BYTES) {
    rememberedType = type;
    rememberedSeq = seq;
    rememberedBytes = bodyLength();
    for (let i: u32 = 0; i < rememberedBytes; i++) store<u8>(REPLY_MEMORY + i, load<u8>(BODY + i));
  }
}

function sendError(type: u32, seq: u32, code: i32): void {
  if (code == P.BAD_REQUEST) Link.badRequests++;
  const detail = P.Fail.detail;
  P.Fail.detail = 0;
  beginFrame(P.T_ERROR, seq);
  putU8(type);
  putU8(<u32>code);
  putU32(<u32>detail);
  sendFrame();
}

/** The success reply of each request type whose handler did not queue its own. */
function reply(type: u32, seq: u32): void {
  switch (type) {
    case P.T_UPLOAD_BEGIN:
    case P.T_UPLOAD_CHUNK:
    case P.T_UPLOAD_END:
      beginFrame(P.T_UPLOAD_STATUS, seq);
      putU32(S.Upload.offset);
      putU32(S.Upload.size);
      putU32(S.Upload.crc);
      break;
    case P.T_COMMIT:
    case P.T_ROLLBACK:
      beginFrame(P.T_COMMITTED, seq);
      putU8(<u32>S.Slots.active);
      putU32(S.Slots.generation);
      break;
    case P.T_STREAM_START:
      beginFrame(type | P.REPLY, seq);
      putU16(Model.labelCount);
      putU16(Model.inputCount);
      putU32(State.stepCount);
      break;
    case P.T_STREAM_STOP:
      Stream.active = false;
      beginFrame(type | P.REPLY, seq);
      putU32(State.stepCount);
      putU16(<u32>decide());
      putDetection();
      break;
    default:
      return; // HELLO queued INFO; SPIKES acks after its steps
  }
  sendFrame();
}

function hello(seq: u32): i32 {
  const uploading = S.Upload.state != S.UPLOAD_NONE;
  const active = S.Slots.active;
  const frontend = Model.loaded && ModelFrontend.present;
  beginFrame(P.T_HELLO | P.REPLY, seq);
  putU16(P.PROTOCOL_VERSION);
  putU16(P.ABI_VERSION);
  putU16(ENGINE_VERSION);
  putU16(FORMAT_VERSION);
  putU16(Link.maxFrame);
  putU16(
    (Model.loaded ? P.FLAG_MODEL : 0) |
      (streaming() ? P.FLAG_STREAMING : 0) |
      (uploading ? P.FLAG_UPLOAD : 0) |
      (Listen.active ? P.FLAG_LISTENING : 0) |
      (frontend ? P.FLAG_FRONTEND : 0),
  );
  putU32(storageBytes());
  putU8(active == S.NO_SLOT ? 0xff : <u32>active);
  putU32(active == S.NO_SLOT ? 0 : S.Slots.generation);
  putU32(active == S.NO_SLOT ? 0 : S.Slots.modelBytes);
  putU32(active == S.NO_SLOT ? 0 : S.Slots.modelCrc);
  const nameBytes = Model.loaded ? Model.nameBytes : 0;
  putU8(nameBytes);
  putBytes(Model.name, nameBytes);
  putU32(uploading ? S.Upload.offset : 0);
  putU32(uploading ? S.Upload.size : 0);
  putU32(Link.framesOk);
  putU32(Link.badFrames);
  putU32(Link.overruns);
  putU32(Link.unknownTypes);
  putU32(Link.badRequests);
  putU32(Link.resultsDropped);
  // The front-end's parameters, so a host can send audio without the model file (zeros: none).
  putU16(frontend ? ModelFrontend.sampleRateHz : 0);
  putU8(frontend ? ModelFrontend.bands : 0);
  putU8(frontend ? ModelFrontend.windowMs : 0);
  putU8(frontend ? ModelFrontend.hopMs : 0);
  putU16(frontend ? ModelFrontend.thresholdQ8 : 0);
  sendFrame();
  return P.OK;
}
