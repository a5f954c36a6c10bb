// CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, not reflected, no final XOR; "123456789" -> 0x29B1)
// over a frame's type, seq and payload. Bitwise: frames are at most MAX_FRAME bytes, so eight
// shifts a byte cost microseconds, and no table spends flash.

export function crc16(ptr: usize, bytes: u32): u32 {
  let crc: u32 = 0xffff;
  const end = ptr + bytes;
  while (ptr < end) {
    crc ^= (<u32>load<u8>(ptr++)) << 8;
    for (let bit = 0; bit < 8; bit++) crc = ((crc << 1) & 0xffff) ^ (0x1021 & (0 - ((crc >> 15) & 1)));
  }
  return crc;
}
