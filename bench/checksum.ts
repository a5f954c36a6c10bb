/** FNV-1a 32 over readout scores as little-endian i32 bytes: what engine.c --time prints. */

export function fnv1aScores(hash: number, scores: Int32Array): number {
  const bytes = new Uint8Array(scores.buffer, scores.byteOffset, scores.byteLength);
  for (const byte of bytes) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return hash;
}

export const FNV_OFFSET = 0x811c9dc5;
