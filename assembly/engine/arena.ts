// Linear memory past the module's static data: the model bytes first, then the network state.
// Memory grows only while a model is being placed or loaded, never during a step.

// A model and its state beyond this are refused rather than attempted (TOO_LARGE).
const MAX_ARENA_BYTES: u64 = 1 << 30;


@inline
export function arenaStart(): usize {
  return (__heap_base + 15) & ~(<usize>15);
}


@inline
export function align8(x: u64): u64 {
  return (x + 7) & ~(<u64>7);
}

/** Makes sure memory reaches `end` (an address), growing it if needed. */
export function reserveTo(end: u64): bool {
  if (end - <u64>arenaStart() > MAX_ARENA_BYTES) return false;
  const have = (<u64>memory.size()) << 16;
  if (end <= have) return true;
  return memory.grow(<i32>((end - have + 0xffff) >> 16)) >= 0;
}

/** Zeroes [ptr, ptr + bytes); bytes is a multiple of 8 and ptr 8-aligned. */
export function zero8(ptr: usize, bytes: usize): void {
  const end = ptr + bytes;
  while (ptr < end) {
    store<u64>(ptr, 0);
    ptr += 8;
  }
}
