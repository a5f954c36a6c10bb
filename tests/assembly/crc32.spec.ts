// The engine's CRC-32 (IEEE 802.3, docs/model-format.md) against the standard check values.

import { crc32 } from '../../assembly/model/crc32';

function crcOfText(text: string): u32 {
  const bytes = String.UTF8.encode(text);
  return crc32(changetype<usize>(bytes), bytes.byteLength);
}

function crcOfByte(byte: u8): u32 {
  const bytes = new ArrayBuffer(1);
  store<u8>(changetype<usize>(bytes), byte);
  return crc32(changetype<usize>(bytes), 1);
}

describe('crc32', () => {
  it('gives the check value 0xCBF43926 for "123456789"', () => {
    expect<u32>(crcOfText('123456789')).toBe(0xcbf43926);
  });

  it('gives 0 for no bytes, without reading any', () => {
    expect<u32>(crc32(0, 0)).toBe(0);
    expect<u32>(crcOfText('')).toBe(0);
  });

  it('matches known values of single bytes and a sentence', () => {
    expect<u32>(crcOfText('a')).toBe(0xe8b7be43);
    expect<u32>(crcOfByte(0x00)).toBe(0xd202ef8d);
    expect<u32>(crcOfByte(0xff)).toBe(0xff000000);
    expect<u32>(crcOfText('The quick brown fox jumps over the lazy dog')).toBe(0x414fa339);
  });
});
