// The numbers of docs/protocol.md: versions, frame limits, frame types and ERROR codes. The tables
// in the doc and these constants are the same list; change both together.

export const PROTOCOL_VERSION: u32 = 3;
export const ABI_VERSION: u32 = 3;

/**
 * The largest frame body (type + seq + payload + CRC) the board accepts, fixed at compile time.
 * 512 bytes. An upload is a request and a reply per chunk, so what counts is model bytes per byte
 * on the wire both ways: a 504-byte chunk costs 514 bytes out and an 18-byte UPLOAD_STATUS back,
 * 0.95 in all (0.90 at 256). And a RESULT with the scores and the spike list of a 128-neuron layer
 * (up to 321 bytes) fits. The cost is the receive frame and the reply body, 1 KiB of static RAM
 * together, beside the 1 KiB transmit ring. boardSetMaxFrame can only lower it (to MIN_FRAME).
 * A board build may name a smaller power of two with `--use HETSYN_MAX_FRAME=N` (asconfig.json's
 * board-small target: 256, which halves these buffers and the ring a firmware needs to receive a
 * window of frames; docs/memory-budget.md).
 */
export const MAX_FRAME: u32 = isDefined(HETSYN_MAX_FRAME) ? <u32>HETSYN_MAX_FRAME : 512;
export const MIN_FRAME: u32 = 64;
/** type + seq + CRC around every payload. */
export const FRAME_OVERHEAD: u32 = 4;

// Requests (0x01..0x3F); a reply is the request's type | 0x80.
export const T_HELLO: u32 = 0x01;
export const T_UPLOAD_BEGIN: u32 = 0x10;
export const T_UPLOAD_CHUNK: u32 = 0x11;
export const T_UPLOAD_END: u32 = 0x12;
export const T_COMMIT: u32 = 0x13;
export const T_ROLLBACK: u32 = 0x14;
export const T_STREAM_START: u32 = 0x20;
export const T_SPIKES: u32 = 0x21;
export const T_STREAM_STOP: u32 = 0x22;
export const T_AUDIO: u32 = 0x23;
export const REPLY: u32 = 0x80;

// Frames that are not the reply to their request's type.
export const T_UPLOAD_STATUS: u32 = 0x90;
export const T_COMMITTED: u32 = 0x93;
export const T_RESULT: u32 = 0xc1;
export const T_ERROR: u32 = 0xff;

// ERROR codes. 0 is not a code: a handler returns OK when it queued its reply itself.
export const OK: i32 = 0;
export const BAD_REQUEST: i32 = 1;
export const UNKNOWN_TYPE: i32 = 2;
export const TOO_LARGE: i32 = 3;
export const NO_UPLOAD: i32 = 4;
export const HASH_MISMATCH: i32 = 5;
export const NOT_VERIFIED: i32 = 6;
export const MODEL_REJECTED: i32 = 7;
export const STORAGE: i32 = 8;
export const NO_MODEL: i32 = 9;
export const NOT_STREAMING: i32 = 10;
export const STEP_GAP: i32 = 11;
export const BAD_INPUT: i32 = 12;
export const NO_ROLLBACK: i32 = 13;

// INFO flags.
export const FLAG_MODEL: u32 = 1;
export const FLAG_STREAMING: u32 = 2;
export const FLAG_UPLOAD: u32 = 4;
/** The board listens on its own (docs/protocol.md, "Listening on its own"). */
export const FLAG_LISTENING: u32 = 8;
/** The active model has a front-end: the board takes audio (INFO ends with its parameters). */
export const FLAG_FRONTEND: u32 = 16;

// STREAM_START report bits, and RESULT flags (the parts that frame carries).
export const REPORT_SCORES: u32 = 1;
export const REPORT_SPIKES: u32 = 4;
/** STREAM_START report bit: the stream's input is AUDIO frames, through the model's front-end. */
export const SOURCE_AUDIO: u32 = 8;
/** STREAM_START report bit: the stream's input is the board's microphone (mic_read), through the front-end. */
export const SOURCE_MIC: u32 = 16;
/** RESULT flag (not a report bit): the frame ends with the stream's latest detection (docs/protocol.md). */
export const RESULT_DETECTION: u32 = 16;

/** The ERROR detail of the code a handler is returning. */
export class Fail {
  static detail: i32 = 0;
}

/** `return fail(STORAGE, status);`: an ERROR code with its detail. */
export function fail(code: i32, detail: i32): i32 {
  Fail.detail = detail;
  return code;
}
