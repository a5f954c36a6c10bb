/** build/hetsyn.wasm as a compiled WebAssembly.Module, shared by engines and devices. */

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const DEFAULT_WASM_PATH = fileURLToPath(new URL('../../../build/hetsyn.wasm', import.meta.url));

const modules = new Map<string, WebAssembly.Module>();

/** The compiled module for a .wasm file, compiled once per process (engines and devices share it). */
export function compileModule(wasmPath: string): WebAssembly.Module {
  let module = modules.get(wasmPath);
  if (!module) {
    module = new WebAssembly.Module(readFileSync(wasmPath));
    modules.set(wasmPath, module);
  }
  return module;
}
