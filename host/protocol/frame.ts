/**
 * Frames: what one message looks like on the wire (docs/protocol.md, "Framing").
 *
 *     on the wire   COBS(body) 0x00
 *     body          +------+-----+-------------+----------------+
 *                   | type | seq | payload ... | crc16 (u16 LE) |
 *                   +------+-----+-------------+----------------+
 *                      1     1      0..n            2    (at most maxFrame bytes in all)
 *
 * The CRC covers type, seq and payload. A receiver skips anything that is not a valid frame and
 * counts it; it never stops on bad input.
 */

import { cobsDecode, cobsEncode, cobsMaxEncodedBytes } from './cobs.js';
import { crc16 } from './crc16.js';

export const FRAME_DELIMITER = 0x00;
/** type + seq + crc16: a body shorter than this is bad. */
export const FRAME_OVERHEAD_BYTES = 4;
/**
 * The host's own receive limit. A board's frames to the host are not bounded by its maxFrame
 * (a RESULT carries a whole layer's spikes), so the host takes any body up to this size.
 */
export const HOST_MAX_BODY_BYTES = 1 << 18;

export interface Frame {
  type: number;
  seq: number;
  payload: Uint8Array;
}

/** The body (type, seq, payload, CRC) before COBS: what maxFrame limits. */
export function frameBody(type: number, seq: number, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  const body = new Uint8Array(payload.length + FRAME_OVERHEAD_BYTES);
  body[0] = type & 0xff;
  body[1] = seq & 0xff;
  body.set(payload, 2);
  const crc = crc16(body.subarray(0, 2 + payload.length));
  body[2 + payload.length] = crc & 0xff;
  body[3 + payload.length] = crc >>> 8;
  return body;
}

/** The bytes to put on the wire for one frame, delimiter included. */
export function encodeFrame(type: number, seq: number, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  const encoded = cobsEncode(frameBody(type, seq, payload));
  const wire = new Uint8Array(encoded.length + 1);
  wire.set(encoded);
  wire[encoded.length] = FRAME_DELIMITER;
  return wire;
}

export type FrameError = 'cobs' | 'crc' | 'short' | 'overrun';

export interface FrameDecoderStats {
  framesOk: number;
  /** COBS errors, bad CRCs and bodies shorter than 4 bytes (as the board's INFO counts them). */
  badFrames: number;
  /** Frames longer than the limit, discarded up to the next delimiter. */
  overruns: number;
}

/**
 * A streaming decoder: push received bytes in any pieces, get back the complete valid frames.
 * Bytes before the first delimiter are treated as a (probably partial, hence bad) frame.
 */
export class FrameDecoder {
  readonly stats: FrameDecoderStats = { framesOk: 0, badFrames: 0, overruns: 0 };
  private readonly maxEncodedBytes: number;
  private buffer: Uint8Array;
  private length = 0;
  private overrun = false;

  constructor(
    readonly maxBodyBytes: number = HOST_MAX_BODY_BYTES,
    private readonly onError?: (error: FrameError) => void,
  ) {
    this.maxEncodedBytes = cobsMaxEncodedBytes(maxBodyBytes);
    this.buffer = new Uint8Array(Math.min(this.maxEncodedBytes, 1024));
  }

  push(bytes: Uint8Array): Frame[] {
    const frames: Frame[] = [];
    for (let i = 0; i < bytes.length; i++) {
      const byte = bytes[i];
      if (byte === FRAME_DELIMITER) {
        const frame = this.finish();
        if (frame) frames.push(frame);
      } else if (!this.overrun) {
        if (this.length === this.maxEncodedBytes) {
          this.overrun = true;
        } else {
          if (this.length === this.buffer.length) this.grow();
          this.buffer[this.length++] = byte;
        }
      }
    }
    return frames;
  }

  /** Forgets a partial frame (e.g. after reopening a port). */
  reset(): void {
    this.length = 0;
    this.overrun = false;
  }

  private grow(): void {
    const bigger = new Uint8Array(Math.min(this.buffer.length * 2, this.maxEncodedBytes));
    bigger.set(this.buffer);
    this.buffer = bigger;
  }

  private finish(): Frame | null {
    const length = this.length;
    const overrun = this.overrun;
    this.reset();
    if (overrun) return this.fail('overrun');
    if (length === 0) return null; // an empty frame: a flush, not an error
    const body = cobsDecode(this.buffer.subarray(0, length));
    if (body === null) return this.fail('cobs');
    if (body.length < FRAME_OVERHEAD_BYTES) return this.fail('short');
    if (body.length > this.maxBodyBytes) return this.fail('overrun');
    const end = body.length - 2;
    const crc = body[end] | (body[end + 1] << 8);
    if (crc16(body.subarray(0, end)) !== crc) return this.fail('crc');
    this.stats.framesOk++;
    // body is a fresh array per frame, so the payload view stays valid after later pushes.
    return { type: body[0], seq: body[1], payload: body.subarray(2, end) };
  }

  private fail(error: FrameError): null {
    if (error === 'overrun') this.stats.overruns++;
    else this.stats.badFrames++;
    this.onError?.(error);
    return null;
  }
}
