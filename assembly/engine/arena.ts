// Where a loaded model's memory lies. The network state is carved from one static buffer, part
// of the module's static data below __heap_base, so linear memory never grows (the module has no
// memory.grow) and WAMR can size it to __heap_base. The model's bytes are not copied here: they
// are read where they lie, at the address the loader is given (docs/memory-budget.md).

/**
 * The largest network state a model may need; one that needs more is refused (TOO_LARGE). Fixed
 * when the .wasm is built: 24 KiB by default holds a 256-neuron recurrent layer or two 128-neuron
 * layers at K = 16 (about 20.5 KB), and is what linear memory costs a board beyond the static
 * buffers. A board build names its own size with `--use HETSYN_STATE_ARENA_BYTES=N` (a multiple of
 * 16; asconfig.json's board-small target, docs/memory-budget.md), which moves __heap_base with it.
 */
export const STATE_ARENA_BYTES: u32 = isDefined(HETSYN_STATE_ARENA_BYTES)
  ? <u32>HETSYN_STATE_ARENA_BYTES
  : 24576;
const STATE_ARENA = memory.data(STATE_ARENA_BYTES, 16);


@inline
export function stateArenaStart(): u64 {
  return <u64>STATE_ARENA;
}


@inline
export function stateArenaEnd(): u64 {
  return <u64>STATE_ARENA + <u64>STATE_ARENA_BYTES;
}

/** The first address past the module's static data (16-aligned): where a host places a model. */
export function heapStart(): usize {
  // __data_end is named so that it exists in the module for the build to export (package.json, build:wasm).
  return (max(__heap_base, __data_end) + 15) & ~(<usize>15);
}


@inline
export function align8(x: u64): u64 {
  return (x + 7) & ~(<u64>7);
}

/** Zeroes [ptr, ptr + bytes); bytes is a multiple of 8 and ptr 8-aligned. */
export function zero8(ptr: usize, bytes: usize): void {
  const end = ptr + bytes;
  while (ptr < end) {
    store<u64>(ptr, 0);
    ptr += 8;
  }
}
