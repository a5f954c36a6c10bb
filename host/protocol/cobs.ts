/**
 * COBS (Consistent Overhead Byte Stuffing): removes every 0x00 from a frame body so that 0x00 can
 * delimit frames on the wire (docs/protocol.md, "Framing"). Each block is a code byte n followed by
 * n - 1 non-zero bytes; a block shorter than 0xFF stands for those bytes plus one 0x00, and the
 * zero after the last block is implied. Overhead: one byte per 254 bytes, whatever the data.
 *
 *     body    11 22 00 33          encoded  03 11 22 02 33
 */

/** The longest encoding of `bodyBytes` bytes (without the 0x00 delimiter). */
export function cobsMaxEncodedBytes(bodyBytes: number): number {
  return bodyBytes + Math.ceil(bodyBytes / 254) + 1;
}

export function cobsEncode(body: Uint8Array): Uint8Array {
  const out = new Uint8Array(cobsMaxEncodedBytes(body.length));
  let codeAt = 0; // where the current block's code byte goes
  let o = 1;
  let code = 1;
  for (let i = 0; i < body.length; i++) {
    const byte = body[i];
    if (byte !== 0) {
      out[o++] = byte;
      code++;
    }
    if (byte === 0 || code === 0xff) {
      out[codeAt] = code;
      code = 1;
      codeAt = o;
      // A full block that ends the body needs no empty block after it (canonical COBS).
      if (byte === 0 || i < body.length - 1) o++;
    }
  }
  out[codeAt] = code;
  return out.subarray(0, o);
}

/** The body, or null when `encoded` is not valid COBS (a 0x00 inside, or a block past the end). */
export function cobsDecode(encoded: Uint8Array): Uint8Array | null {
  const out = new Uint8Array(encoded.length);
  let i = 0;
  let o = 0;
  while (i < encoded.length) {
    const code = encoded[i++];
    if (code === 0) return null;
    const end = i + code - 1;
    if (end > encoded.length) return null;
    while (i < end) {
      const byte = encoded[i++];
      if (byte === 0) return null;
      out[o++] = byte;
    }
    if (code !== 0xff && i < encoded.length) out[o++] = 0;
  }
  return out.subarray(0, o);
}
