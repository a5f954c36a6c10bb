/**
 * Training checkpoints: everything a run needs to continue exactly where it stopped (parameters,
 * optimizer moments, frozen mask, the next epoch), written after every epoch by rename so a crash
 * mid-write leaves the previous checkpoint whole.
 */
import { readFileSync, renameSync } from 'node:fs';
import { writeOutputFile } from '../util/output.js';
import { InputError } from '../util/input-error.js';

export const CHECKPOINT_FORMAT = 'hetsyn-train-checkpoint';
export const CHECKPOINT_VERSION = 1;

export interface EpochRecord {
  epoch: number;
  phase: 'float' | 'quantize-aware';
  loss: number;
  trainAccuracy: number;
  /** Mean spikes per hidden neuron per step. */
  hiddenRate: number;
  seconds: number;
  /**
   * CPU seconds of the whole process over the epoch (main thread and workers), which another
   * process's load does not inflate as it does `seconds`; absent in checkpoints from before it was kept.
   */
  cpuSeconds?: number;
  /** Clip accuracy on the validation split after the epoch (held out of training), when there is one. */
  validationAccuracy?: number;
}

export interface Checkpoint {
  /** The run's settings as given; a resume must be given the same. */
  settings: unknown;
  nextEpoch: number;
  params: Float64Array;
  adamStep: number;
  m: Float64Array;
  v: Float64Array;
  frozen: Uint8Array;
  history: EpochRecord[];
  floatTestAccuracy?: number;
}

export class CheckpointError extends InputError {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointError';
  }
}

const base64 = (a: ArrayBufferView): string =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');

function f64(text: unknown, what: string): Float64Array {
  if (typeof text !== 'string') throw new CheckpointError(`checkpoint field ${what} is missing`);
  const bytes = Buffer.from(text, 'base64');
  return new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

export function writeCheckpoint(path: string, c: Checkpoint): void {
  const json = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    settings: c.settings,
    nextEpoch: c.nextEpoch,
    adamStep: c.adamStep,
    history: c.history,
    floatTestAccuracy: c.floatTestAccuracy,
    params: base64(c.params),
    m: base64(c.m),
    v: base64(c.v),
    frozen: base64(c.frozen),
  };
  writeOutputFile(`${path}.tmp`, JSON.stringify(json));
  renameSync(`${path}.tmp`, path);
}

export function readCheckpoint(path: string): Checkpoint {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new CheckpointError(`cannot read checkpoint ${path}: ${(error as Error).message}`);
  }
  if (json.format !== CHECKPOINT_FORMAT || json.version !== CHECKPOINT_VERSION) {
    throw new CheckpointError(`${path} is not a ${CHECKPOINT_FORMAT} version ${CHECKPOINT_VERSION} file`);
  }
  const frozen = Buffer.from(String(json.frozen), 'base64');
  return {
    settings: json.settings,
    nextEpoch: Number(json.nextEpoch),
    adamStep: Number(json.adamStep),
    history: json.history as EpochRecord[],
    ...(typeof json.floatTestAccuracy === 'number' ? { floatTestAccuracy: json.floatTestAccuracy } : {}),
    params: f64(json.params, 'params'),
    m: f64(json.m, 'm'),
    v: f64(json.v, 'v'),
    frozen: new Uint8Array(frozen),
  };
}
