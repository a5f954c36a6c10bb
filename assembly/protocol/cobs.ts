// COBS (Consistent Overhead Byte Stuffing), both directions, with no buffer of its own.
//
//   body:     11 22 00 33                  (any bytes)
//   encoded:  03 11 22 02 33 00            each code byte n = n - 1 data bytes, then an implied 00
//                                          (none after a 0xFF block, none at the very end)
//
// The decoder is fed one received byte at a time and writes the body to the caller's frame buffer,
// so a frame may arrive in any number of uart_read pieces. It never writes past `limit` bytes: a
// longer frame is an overrun, discarded up to its delimiter. The encoder writes straight into the
// transmit ring, back-patching each code byte.

/** cobsFeed results besides a frame's length (>= 1). */
export const COBS_MORE: i32 = 0;
export const COBS_BAD: i32 = -1;
export const COBS_OVERRUN: i32 = -2;

// Decoder state between bytes.
let decoded: u32 = 0; // body bytes written for the frame so far
let blockLeft: u32 = 0; // data bytes left in the current block; 0: a code byte comes next
let blockCode: u32 = 0xff; // the current block's code: below 0xFF an implied 00 follows it
let started: bool = false; // a byte arrived since the last delimiter
let overrun: bool = false; // past `limit`: skipping to the next delimiter

/**
 * Feeds one byte. Returns the body length when `byte` (0x00) completes a frame, COBS_BAD when the
 * delimiter cut a block short, COBS_OVERRUN when the frame outgrew `limit`, else COBS_MORE (also
 * for an empty frame, a lone 0x00, which is ignored as docs/protocol.md says).
 */
export function cobsFeed(byte: u32, out: usize, limit: u32): i32 {
  if (byte == 0) {
    // A block cut short is bad COBS; "01 00" decodes to an empty body, bad as any frame under 4 bytes.
    const bad = blockLeft != 0 || decoded == 0;
    const result = !started ? COBS_MORE : overrun ? COBS_OVERRUN : bad ? COBS_BAD : <i32>decoded;
    decoded = 0;
    blockLeft = 0;
    blockCode = 0xff;
    started = false;
    overrun = false;
    return result;
  }
  started = true;
  if (overrun) return COBS_MORE;
  if (blockLeft == 0) {
    // A code byte: the previous block's implied zero (if any) is body data now.
    const implied = blockCode != 0xff;
    blockCode = byte;
    blockLeft = byte - 1;
    if (!implied) return COBS_MORE;
    byte = 0;
  } else {
    blockLeft--;
  }
  if (decoded >= limit) {
    overrun = true;
  } else {
    store<u8>(out + decoded, byte);
    decoded++;
  }
  return COBS_MORE;
}

/** The most bytes cobsEncode writes for `bytes` body bytes, the closing 0x00 included. */
@inline
export function cobsBound(bytes: u32): u32 {
  return bytes + bytes / 254 + 2;
}

/**
 * Encodes `bytes` bytes at `src` plus the closing 0x00 into the ring at `ring` (size mask + 1
 * bytes), starting at position `head`; returns the position after. The caller checked the room.
 */
export function cobsEncode(src: usize, bytes: u32, ring: usize, mask: u32, head: u32): u32 {
  let codeAt = head++;
  let code: u32 = 1;
  for (let i: u32 = 0; i < bytes; i++) {
    const byte = load<u8>(src + i);
    if (byte != 0) {
      store<u8>(ring + (head++ & mask), byte);
      code++;
    }
    if (byte == 0 || code == 0xff) {
      store<u8>(ring + (codeAt & mask), code);
      codeAt = head++;
      code = 1;
    }
  }
  store<u8>(ring + (codeAt & mask), code);
  store<u8>(ring + (head++ & mask), 0);
  return head;
}
