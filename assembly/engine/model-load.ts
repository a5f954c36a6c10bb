// Placing and loading a model, shared by the engine exports (host simulation writes the bytes
// itself) and the board (which reads them from a storage slot). The model always lies at the
// start of the arena; a load replaces whatever model was there.

import * as E from '../model/errors';
import { parseModel } from '../model/parse';
import { Model } from '../model/network';
import { arenaStart, reserveTo } from './arena';
import { carveState } from './state';
import { detectConfigure } from './detect';

export const ENGINE_VERSION: u32 = 1;

/** Counts load attempts: a stream lasts only while this stays as it was at STREAM_START. */
export class ModelLoads {
  static count: u32 = 0;
}

/** Where to write a model of `bytes` bytes (unloading the current one); 0 if memory cannot hold it. */
export function modelArena(bytes: u32): usize {
  Model.loaded = false;
  ModelLoads.count++;
  return reserveTo(<u64>arenaStart() + <u64>bytes) ? arenaStart() : 0;
}

/** Validates and loads the `bytes` model bytes written at modelArena(); a status code. */
export function loadModel(bytes: u32): i32 {
  Model.loaded = false;
  ModelLoads.count++;
  if (!reserveTo(<u64>arenaStart() + <u64>bytes)) return E.TOO_LARGE;
  const err = parseModel(arenaStart(), bytes);
  if (err != E.OK) return err;
  if (!carveState()) return E.TOO_LARGE;
  detectConfigure();
  Model.loaded = true;
  return E.OK;
}
