// The engine's own abort. AssemblyScript's default imports `env.abort`, which WAMR's libc-builtin
// also registers with another signature `(i)`; a distinct name keeps the board ABI unambiguous.
// Signature on a board: "(iiii)". The release build asserts nothing, so this is only reached by a
// bug in the engine, never by bad model bytes (the parser rejects those with an error code).

@external('env', 'hetsyn_abort')
declare function hostAbort(message: usize, fileName: usize, line: u32, column: u32): void;

export function hetsynAbort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  hostAbort(changetype<usize>(message), changetype<usize>(fileName), line, column);
  unreachable();
}
