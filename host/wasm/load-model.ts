/** A `.hsm` model, from a file or bytes, validated and loaded into a fresh engine of its own. */

import type { ModelInfo } from '../model/model-info.js';
import { readInputFile } from '../util/read-file.js';
import type { Engine } from './engine.js';
import { openEngine } from './module.js';

export interface LoadedModel {
  /** The engine instance that holds the model (one per model: state does not mix). */
  engine: Engine;
  info: ModelInfo;
  bytes: Uint8Array;
}

/**
 * Loads a model file (a path) or its bytes. An unreadable file is an InputError; a file the
 * engine's validator rejects is an EngineError naming the status ("Failed to load model m.hsm:
 * BAD_CRC (...)"); nothing is loaded then.
 */
export function loadModel(source: string | Uint8Array, options: { wasmPath?: string } = {}): LoadedModel {
  const bytes = typeof source === 'string' ? readInputFile(source, 'model') : source;
  const engine = openEngine(options.wasmPath);
  const info = engine.loadOrThrow(bytes, typeof source === 'string' ? `load model ${source}` : undefined);
  return { engine, info, bytes };
}
