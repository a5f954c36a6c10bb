/**
 * The byte reader and writer of message payloads (docs/protocol.md): little-endian integers, and
 * `str` as u8 length + UTF-8 bytes.
 */

import { ProtocolError } from './errors.js';

const utf8Decoder = new TextDecoder('utf-8', { fatal: false });

/** Writes a request payload of a known length, little-endian. */
export class Writer {
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
export class Reader {
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
