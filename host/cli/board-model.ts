/**
 * What `--model` says against what the board runs, for `stream` and `monitor`: a board running
 * another model is a usage error (exit 2) unless --force; and a --spike-layer that the model has
 * no spiking layer for is refused before any board is asked, naming the layers that spike.
 */

import { printableName } from '../util/printable.js';
import { hex32 } from '../model/crc32.js';
import type { ModelInfo } from '../model/model-info.js';
import type { DeviceError } from '../protocol/device-errors.js';
import type { HelloInfo } from '../protocol/messages.js';
import { modelHash } from '../protocol/upload.js';
import { CliError, ExitCode } from './exit-codes.js';

export interface LocalModel {
  path: string;
  info: ModelInfo;
  bytes: Uint8Array;
}

/** The message when `board` does not run `local` (by size and hash), or null when it does. */
function modelMismatch(local: LocalModel, board: HelloInfo, port: string): string | null {
  const hash = modelHash(local.bytes);
  if (board.modelCrc >>> 0 === hash && board.modelBytes === local.bytes.length) return null;
  const runs =
    board.activeSlot === null
      ? 'no model'
      : `${printableName(board.modelName)} (${board.modelBytes} B, crc 0x${hex32(board.modelCrc)})`;
  return (
    `the board on ${port} runs ${runs}, not ${local.path} (${printableName(local.info.name)}, ` +
    `${local.bytes.length} B, crc 0x${hex32(hash)})`
  );
}

/**
 * Throws a usage error when the board runs another model than `local`; with `force`, warns
 * through `warn` instead.
 */
export function checkBoardModel(
  local: LocalModel,
  board: HelloInfo | undefined,
  port: string,
  force: boolean,
  warn: (line: string) => void,
): void {
  if (!board) return;
  const mismatch = modelMismatch(local, board, port);
  if (mismatch === null) return;
  if (force) {
    warn(`warning: ${mismatch}: its labels may not fit (--force)`);
    return;
  }
  throw new CliError(
    `${mismatch}. Flash it first (hetsyn flash ${local.path} --port ${port}), ` +
      'drop --model, or pass --force to stream anyway',
    ExitCode.usage,
  );
}

/** The layers of `info` that spike (every layer but the readout), as "0 (recurrent, 128 neurons)". */
function spikingLayers(info: ModelInfo): string[] {
  return info.layers.flatMap((layer, i) =>
    layer.kind === 'readout' ? [] : [`${i} (${layer.kind}, ${layer.neuronCount} neurons)`],
  );
}

/** Refuses a --spike-layer that is not a spiking layer of the model (usage error, exit 2). */
export function checkSpikeLayer(layer: number | undefined, model: { path: string; info: ModelInfo }): void {
  if (layer === undefined) return;
  const target = model.info.layers[layer];
  if (target && target.kind !== 'readout') return;
  const spiking = spikingLayers(model.info);
  const which =
    spiking.length === 0
      ? 'no layer that spikes'
      : `spiking layer${spiking.length === 1 ? '' : 's'} ${spiking.join(', ')}`;
  const why = target ? `layer ${layer} is the readout, which does not spike` : `it has no layer ${layer}`;
  throw new CliError(`--spike-layer ${layer}: ${why}; ${model.path} has ${which}`, ExitCode.usage);
}

/**
 * A hint after the board refused STREAM_START with BAD_REQUEST while --spike-layer was given and
 * no --model said which layers spike: the likely cause, and how to see the layers.
 */
export function spikeLayerHint(error: DeviceError, layer: number | undefined): string | undefined {
  if (layer === undefined || error.name !== 'BAD_REQUEST' || error.detail > 0) return undefined;
  return (
    `--spike-layer ${layer} is probably not a spiking layer of the model the board runs (the readout does not spike); ` +
    'pass --model MODEL.hsm to have the layers that spike named, or see them with hetsyn inspect MODEL.hsm'
  );
}
