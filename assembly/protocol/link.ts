// The byte link under the protocol: UART bytes in, whole checked frames out; reply bodies in,
// COBS frames out to the UART. All buffers are static (between __data_end and __heap_base).
//
//   uart_read -> RX (64) -> cobsFeed -> FRAME (maxFrame) -> CRC check -> handlers
//   handlers -> BODY (maxFrame) -> CRC -> cobsEncode -> TX ring (2 x MAX_FRAME) -> uart_write
//
// Back-pressure: a frame is queued only when it fits the ring whole, and a request is only read
// when the ring can take the largest frame (TX_RESERVE). While the host does not drain the UART,
// the board stops reading it; nothing is lost that the host did not already give up on.

import { uartRead, uartWrite } from '../abi/imports';
import { MAX_FRAME, MIN_FRAME, FRAME_OVERHEAD } from './codes';
import { crc16 } from './crc16';
import { cobsFeed, cobsEncode, cobsBound, COBS_MORE, COBS_OVERRUN } from './cobs';

const RX_BYTES: u32 = 64;
/** uart_read calls per poll at most, so a babbling line cannot keep one poll busy. */
const RX_READS_PER_POLL: u32 = 8;
/** A power of two (MAX_FRAME is one) above the largest frame encoded, TX_RESERVE. */
const TX_RING_BYTES: u32 = MAX_FRAME << 1;
const TX_MASK: u32 = TX_RING_BYTES - 1;
/** Room for the largest frame the board sends, encoded. */
export const TX_RESERVE: u32 = cobsBound(MAX_FRAME);

const RX = memory.data(RX_BYTES);
/** The received frame body: type, seq, payload, CRC. */
export const FRAME = memory.data(MAX_FRAME, 4);
/** The frame body being built (type, seq, payload; the CRC is appended on send). */
export const BODY = memory.data(MAX_FRAME, 4);
const TX = memory.data(TX_RING_BYTES);

let rxAt: u32 = 0;
let rxEnd: u32 = 0;
let txHead: u32 = 0; // ring positions, free-running; bytes queued = txHead - txTail
let txTail: u32 = 0;
let bodyBytes: u32 = 0;

/** The link's counters (INFO reports them) and its run-time frame limit. */
export class Link {
  static maxFrame: u32 = MAX_FRAME;
  static framesOk: u32 = 0;
  static badFrames: u32 = 0;
  static overruns: u32 = 0;
  static unknownTypes: u32 = 0;
  static badRequests: u32 = 0;
  static resultsDropped: u32 = 0;
  /** Set when a poll moved received bytes. */
  static rxMoved: bool = false;
}

/** Lowers (or restores) the accepted body size, clamped to [MIN_FRAME, MAX_FRAME]. */
export function setMaxFrame(bytes: i32): u32 {
  Link.maxFrame = bytes < <i32>MIN_FRAME ? MIN_FRAME : bytes > <i32>MAX_FRAME ? MAX_FRAME : <u32>bytes;
  return Link.maxFrame;
}

/**
 * Reads and decodes until a frame with a good CRC is in FRAME; returns its body length (>= 4), or
 * 0 when the received bytes ran out first. Bad frames and overruns are counted and skipped.
 */
export function receiveFrame(): u32 {
  let reads: u32 = 0;
  while (true) {
    while (rxAt < rxEnd) {
      const result = cobsFeed(load<u8>(RX + rxAt++), FRAME, Link.maxFrame);
      if (result == COBS_MORE) continue;
      if (result == COBS_OVERRUN) {
        Link.overruns++;
        continue;
      }
      const bytes = <u32>result;
      if (result >= <i32>FRAME_OVERHEAD && crc16(FRAME, bytes - 2) == <u32>load<u16>(FRAME + bytes - 2)) {
        Link.framesOk++;
        return bytes;
      }
      Link.badFrames++;
    }
    if (reads == RX_READS_PER_POLL) return 0;
    reads++;
    const got = uartRead(RX, RX_BYTES);
    if (got <= 0) return 0;
    rxAt = 0;
    rxEnd = <u32>got < RX_BYTES ? <u32>got : RX_BYTES;
    Link.rxMoved = true;
  }
}

export function txFree(): u32 {
  return TX_RING_BYTES - (txHead - txTail);
}

/** Offers the queued bytes to uart_write (in up to two pieces around the ring's end). */
export function flushTx(): bool {
  let moved = false;
  while (txHead != txTail) {
    const at = txTail & TX_MASK;
    const queued = txHead - txTail;
    const piece = queued < TX_RING_BYTES - at ? queued : TX_RING_BYTES - at;
    const took = uartWrite(TX + at, piece);
    if (took <= 0) break;
    txTail += <u32>took < piece ? <u32>took : piece;
    moved = true;
    if (<u32>took < piece) break;
  }
  return moved;
}

export function beginFrame(type: u32, seq: u32): void {
  store<u8>(BODY, type);
  store<u8>(BODY, seq, 1);
  bodyBytes = 2;
}

export function putU8(value: u32): void {
  store<u8>(BODY + bodyBytes, value);
  bodyBytes += 1;
}

export function putU16(value: u32): void {
  store<u16>(BODY + bodyBytes, value);
  bodyBytes += 2;
}

export function putU32(value: u32): void {
  store<u32>(BODY + bodyBytes, value);
  bodyBytes += 4;
}

export function putBytes(src: usize, bytes: u32): void {
  for (let i: u32 = 0; i < bytes; i++) store<u8>(BODY + bodyBytes + i, load<u8>(src + i));
  bodyBytes += bytes;
}

/** The body built so far, CRC excluded. */
export function bodyLength(): u32 {
  return bodyBytes;
}

/** Restores a body saved from BODY (the handlers' reply memory). */
export function setBodyLength(bytes: u32): void {
  bodyBytes = bytes;
}

/** Seals BODY with its CRC and queues it; false (nothing queued) when the ring cannot take it. */
export function sendFrame(): bool {
  const bytes = bodyBytes + 2;
  store<u16>(BODY + bodyBytes, crc16(BODY, bodyBytes));
  if (txFree() < cobsBound(bytes)) return false;
  txHead = cobsEncode(BODY, bytes, TX, TX_MASK, txHead);
  return true;
}
