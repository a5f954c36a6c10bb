/**
 * build/hetsyn.wasm as a compiled WebAssembly.Module, shared by engines and devices: the Node-only
 * part of host/wasm (it reads the file). engine.ts itself takes the compiled module, so the studio
 * page runs it too.
 */

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Engine } from './engine.js';

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

/** A fresh engine on build/hetsyn.wasm (or another build of it), with its own memory. */
export function openEngine(wasmPath: string = DEFAULT_WASM_PATH): Engine {
  return Engine.instantiate(compileModule(wasmPath));
}
