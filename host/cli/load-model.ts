/** Reading a .hsm file and loading it into a fresh engine, with failures phrased for the CLI. */

import { readFileSync } from 'node:fs';
import type { Engine } from '../wasm/engine.js';
import { openEngine } from '../wasm/module.js';
import type { ModelInfo } from '../model/model-info.js';
import { describeStatus } from '../model/errors.js';
import { CliError, ExitCode } from './exit-codes.js';

export function readInputFile(path: string, what: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new CliError(`cannot read ${what} ${path}: ${reason}`, ExitCode.input);
  }
}

export function openModel(path: string): { engine: Engine; info: ModelInfo; bytes: Uint8Array } {
  const bytes = readInputFile(path, 'model');
  const engine = openEngine();
  const code = engine.load(bytes);
  if (code !== 0) {
    const status = describeStatus(code);
    throw new CliError(`Failed to load model ${path}: ${status.name} (${status.message})`, ExitCode.model);
  }
  return { engine, info: engine.info(), bytes };
}
