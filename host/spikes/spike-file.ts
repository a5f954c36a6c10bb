/**
 * Spike files (docs/spike-format.md): per timestep, the input channels that spiked. Text (`.spikes`)
 * for people, binary (`.spk`, magic "HSPK") for machines; the reader tells them apart by the magic.
 */

import { readFileSync } from 'node:fs';
import { InputError } from '../util/input-error.js';

export interface SpikeTrain {
  /** Declared channel count, when the file declares one. */
  channelCount?: number;
  /** Active channels per timestep. */
  steps: number[][];
}

export class SpikeFileError extends InputError {
  constructor(message: string) {
    super(message);
    this.name = 'SpikeFileError';
  }
}

const BINARY_MAGIC = 'HSPK';
const BINARY_VERSION = 1;
const BINARY_HEADER_BYTES = 12;
const CHANNELS_DIRECTIVE = /^#\s*channels\s*:\s*(\d+)\s*$/i;

export function parseSpikeText(text: string, source = 'spike text'): SpikeTrain {
  const train: SpikeTrain = { steps: [] };
  const lines = text.split(/\r?\n/);
  // A final newline ends the last line; it does not start an empty timestep.
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  lines.forEach((raw, index) => {
    const line = raw.trim();
    const where = `${source}:${index + 1}`;
    if (line.startsWith('#')) {
      const declared = CHANNELS_DIRECTIVE.exec(line);
      if (declared) train.channelCount = Number(declared[1]);
      return;
    }
    if (line === '' || line === '-') {
      train.steps.push([]);
      return;
    }
    const channels = line.split(/[\s,]+/).map((token) => {
      if (!/^\d+$/.test(token)) throw new SpikeFileError(`${where}: "${token}" is not a channel number`);
      const channel = Number(token);
      if (channel > 0xffff) throw new SpikeFileError(`${where}: channel ${channel} is above 65535`);
      if (train.channelCount !== undefined && channel >= train.channelCount) {
        throw new SpikeFileError(
          `${where}: channel ${channel} is not below the declared ${train.channelCount}`,
        );
      }
      return channel;
    });
    train.steps.push(channels);
  });
  return train;
}

export function parseSpikeBinary(bytes: Uint8Array, source = 'spike data'): SpikeTrain {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < BINARY_HEADER_BYTES)
    throw new SpikeFileError(`${source}: shorter than the 12-byte header`);
  const version = view.getUint16(4, true);
  if (version !== BINARY_VERSION)
    throw new SpikeFileError(`${source}: binary spike format version ${version} (this tool reads 1)`);
  const channelCount = view.getUint16(6, true);
  const stepCount = view.getUint32(8, true);
  const steps: number[][] = [];
  let at = BINARY_HEADER_BYTES;
  for (let t = 0; t < stepCount; t++) {
    if (at + 2 > bytes.length)
      throw new SpikeFileError(`${source}: truncated at byte ${at} (step ${t} of ${stepCount})`);
    const count = view.getUint16(at, true);
    at += 2;
    if (at + 2 * count > bytes.length)
      throw new SpikeFileError(`${source}: truncated at byte ${at} (step ${t})`);
    const channels: number[] = [];
    for (let i = 0; i < count; i++, at += 2) {
      const channel = view.getUint16(at, true);
      if (channel >= channelCount) {
        throw new SpikeFileError(`${source}: byte ${at}: channel ${channel} is not below ${channelCount}`);
      }
      channels.push(channel);
    }
    steps.push(channels);
  }
  if (at !== bytes.length)
    throw new SpikeFileError(`${source}: ${bytes.length - at} bytes after the last step`);
  return { channelCount, steps };
}

export function encodeSpikeBinary(train: SpikeTrain, channelCount: number): Uint8Array {
  const total = train.steps.reduce((n, step) => n + 2 + 2 * step.length, BINARY_HEADER_BYTES);
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer);
  bytes.set(new TextEncoder().encode(BINARY_MAGIC));
  view.setUint16(4, BINARY_VERSION, true);
  view.setUint16(6, channelCount, true);
  view.setUint32(8, train.steps.length, true);
  let at = BINARY_HEADER_BYTES;
  for (const step of train.steps) {
    view.setUint16(at, step.length, true);
    at += 2;
    for (const channel of step) {
      view.setUint16(at, channel, true);
      at += 2;
    }
  }
  return bytes;
}

export function formatSpikeText(train: SpikeTrain, channelCount: number): string {
  const lines = [`# channels: ${channelCount}`, ...train.steps.map((s) => (s.length ? s.join(' ') : '-'))];
  return lines.join('\n') + '\n';
}

function isBinary(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && new TextDecoder().decode(bytes.subarray(0, 4)) === BINARY_MAGIC;
}

/** A spike file's bytes in either form, told apart by the binary magic. */
export function parseSpikeFile(bytes: Uint8Array, source: string): SpikeTrain {
  return isBinary(bytes)
    ? parseSpikeBinary(bytes, source)
    : parseSpikeText(new TextDecoder().decode(bytes), source);
}

export function readSpikeFile(path: string): SpikeTrain {
  return parseSpikeFile(readFileSync(path), path);
}
