/**
 * CRC-16/CCITT-FALSE (polynomial 0x1021, initial 0xFFFF, not reflected, no final XOR), the frame
 * check of docs/protocol.md. The npm `crc` package's crc16ccitt is exactly this CRC (check value
 * CRC16_CHECK_VALUE over ASCII "123456789"; tests/host/protocol-framing.test.ts asserts it).
 */

import { crc16ccitt } from 'crc';

export const CRC16_CHECK_VALUE = 0x29b1;

export function crc16(data: Uint8Array): number {
  // The package types accept Buffer; a Buffer view over the same memory copies nothing.
  return crc16ccitt(Buffer.from(data.buffer, data.byteOffset, data.byteLength)) & 0xffff;
}
