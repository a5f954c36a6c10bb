// Loading a model where it lies, shared by the engine exports (host simulation places the bytes
// in linear memory past the module's static data) and the board (whose slots the firmware maps
// into the module's address space). Only the state is the module's own: it is carved from the
// static state arena; a load replaces whatever model was loaded.

import * as E from '../model/errors';
import { parseModel } from '../model/parse';
import { Model } from '../model/network';
import { heapStart } from './arena';
import { carveState } from './state';
import { detectConfigure } from './detect';

export const ENGINE_VERSION: u32 = 1;

/** Counts load attempts: a stream lasts only while this stays as it was at STREAM_START. */
export class ModelLoads {
  static count: u32 = 0;
}

/**
 * Validates and loads the `bytes` model bytes at `base`, which stay there, read in place by every
 * step; a status code. They must lie past the module's static data (its buffers and the state
 * arena) and within the 32-bit address space: anywhere else is BAD_PLACE.
 */
export function loadModel(base: usize, bytes: u32): i32 {
  Model.loaded = false;
  ModelLoads.count++;
  if (base < heapStart() || <u64>base + <u64>bytes > (<u64>1) << 32) return E.BAD_PLACE;
  const err = parseModel(base, bytes);
  if (err != E.OK) return err;
  if (!carveState()) return E.TOO_LARGE;
  detectConfigure();
  Model.loaded = true;
  return E.OK;
}
