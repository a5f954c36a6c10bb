/**
 * CRC-32 (IEEE 802.3) on the host: the trailer the .hsm writer seals a file with, and the model
 * hash a board verifies after an upload (docs/protocol.md). The board computes the same CRC in
 * assembly/model/crc32.ts; every file the tests write is loaded through the .wasm, so the two agree.
 */

// The calculator entry takes a Uint8Array (no Buffer): browser-safe, for the studio page.
import crc32Ieee from 'crc/calculators/crc32';

export function crc32(bytes: Uint8Array): number {
  return crc32Ieee(bytes) >>> 0;
}

/** A 32-bit hash or CRC as 8 lowercase hex digits, the way every command prints one. */
export function hex32(x: number): string {
  return (x >>> 0).toString(16).padStart(8, '0');
}
