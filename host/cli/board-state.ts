/** What a board runs, in words: for `hetsyn info` and for the message after a failure. */

import { printableName } from '../util/printable.js';
import { hex32 } from '../model/crc32.js';
import type { BoardClient } from '../protocol/client.js';
import type { HelloInfo } from '../protocol/messages.js';
import { bytes } from './format.js';

/** One line saying which model the board runs, from INFO. */
export function describeActiveModel(info: HelloInfo): string {
  if (info.activeSlot === null) return 'no model stored';
  const state = info.modelLoaded ? '' : ' (stored, but not loaded)';
  return `${printableName(info.modelName)}, ${bytes(info.modelBytes)}, crc 0x${hex32(info.modelCrc)}, slot ${info.activeSlot}, generation ${info.generation}${state}`;
}

/**
 * "The board now runs X": asked of the board itself, so a message after a failure says what it is
 * left doing. Never throws; says so when the board cannot be asked.
 */
export async function boardStateNote(client: BoardClient | undefined): Promise<string> {
  if (!client || client.closed) return 'The board could not be asked what it runs now.';
  try {
    const info = await client.hello();
    const upload = info.uploading
      ? `; an upload stands at ${bytes(info.uploadOffset)} of ${bytes(info.uploadSize)}`
      : '';
    return `The board runs: ${describeActiveModel(info)}${upload}.`;
  } catch (error) {
    return `The board could not be asked what it runs now (${(error as Error).message}).`;
  }
}
