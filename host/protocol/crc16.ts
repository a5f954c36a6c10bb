/**
 * CRC-16/CCITT-FALSE (polynomial 0x1021, initial 0xFFFF, not reflected, no final XOR), the frame
 * check of docs/protocol.md. The npm `crc` package's crc16ccitt is exactly this CRC (check value
 * CRC16_CHECK_VALUE over ASCII "123456789"; tests/host/protocol-framing.test.ts asserts it).
 */

// The package's calculator entry takes a Uint8Array as it is: no Buffer, so the same import works
// in the studio page (its import map points `crc/calculators/...` into node_modules).
import crc16ccitt from 'crc/calculators/crc16ccitt';

export const CRC16_CHECK_VALUE = 0x29b1;

export function crc16(data: Uint8Array): number {
  return crc16ccitt(data) & 0xffff;
}
