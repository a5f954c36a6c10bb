// CRC-32 (IEEE 802.3, reflected 0xEDB88320), nibble-table form: 64 bytes of table instead of 1 KiB,
// at two lookups per byte, because it runs once per load and flash is scarcer than time then.

@lazy const NIBBLE_TABLE = memory.data<u32>([
  0x00000000, 0x1db71064, 0x3b6e20c8, 0x26d930ac, 0x76dc4190, 0x6b6b51f4, 0x4db26158, 0x5005713c, 0xedb88320,
  0xf00f9344, 0xd6d6a3e8, 0xcb61b38c, 0x9b64c2b0, 0x86d3d2d4, 0xa00ae278, 0xbdbdf21c,
]);

export const CRC32_START: u32 = 0xffffffff;

/** Continues a CRC over more bytes: start from CRC32_START, finish with crc32Finish. */
export function crc32Update(crc: u32, ptr: usize, bytes: usize): u32 {
  const end = ptr + bytes;
  while (ptr < end) {
    crc ^= <u32>load<u8>(ptr++);
    crc = (crc >>> 4) ^ load<u32>(NIBBLE_TABLE + ((crc & 15) << 2));
    crc = (crc >>> 4) ^ load<u32>(NIBBLE_TABLE + ((crc & 15) << 2));
  }
  return crc;
}


@inline
export function crc32Finish(crc: u32): u32 {
  return ~crc;
}

export function crc32(ptr: usize, bytes: usize): u32 {
  return crc32Finish(crc32Update(CRC32_START, ptr, bytes));
}
