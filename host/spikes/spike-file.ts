/**
 * Spike files (docs/spike-format.md): per timestep, the input channels that spiked. Text (`.spikes`)
 * for people, binary (`.spk`, magic "HSPK") for machines; the reader tells them apart by the magic.
 */

import { readFileSync } from 'node:fs';
import { InputError } from '../util/input-error.js';
import { quoted } from '../util/printable.js';

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
const CHANNELS_DIRECTIVE = /^#\s*channels\s*:\s*(.*?)\s*$/i;
const MAX_CHANNEL = 0xffff;

/** A token for a message: escaped, quoted and cut short when long. */
function shown(token: string): string {
  return quoted(token.length > 24 ? `${token.slice(0, 24)}...` : token);
}

/**
 * The channel numbers of one line, with their columns (1-based). Separators are whitespace, or one
 * comma with optional whitespace around it; an empty field (",," or a comma at either end) is an
 * error, as is anything but decimal digits.
 */
function lineChannels(raw: string, where: string, declared: number | undefined): number[] {
  const channels: number[] = [];
  const fail = (column: number, problem: string): never => {
    throw new SpikeFileError(`${where}:${column}: ${problem}`);
  };
  let at = 0;
  const skipSpace = (): void => {
    while (at < raw.length && /\s/.test(raw[at] ?? '')) at++;
  };
  skipSpace();
  for (let field = 1; ; field++) {
    const start = at;
    while (at < raw.length && !/[\s,]/.test(raw[at] ?? '')) at++;
    const token = raw.slice(start, at);
    if (token === '') {
      fail(
        start + 1,
        field === 1 ? 'the line starts with a comma' : `field ${field} is empty (two commas in a row)`,
      );
    }
    if (!/^\d+$/.test(token)) fail(start + 1, `${shown(token)} is not a channel number (decimal digits)`);
    const channel = Number(token);
    if (channel > MAX_CHANNEL) fail(start + 1, `channel ${shown(token)} is above ${MAX_CHANNEL}`);
    if (declared !== undefined && channel >= declared) {
      fail(start + 1, `channel ${channel} is not below the declared ${declared}`);
    }
    channels.push(channel);
    skipSpace();
    if (at >= raw.length) return channels;
    if (raw[at] === ',') {
      const comma = at;
      at++;
      skipSpace();
      if (at >= raw.length) fail(comma + 1, 'the line ends with a comma');
    }
  }
}

export function parseSpikeText(text: string, source = 'spike text'): SpikeTrain {
  const train: SpikeTrain = { steps: [] };
  const lines = text.split(/\r?\n/);
  // A final newline ends the last line; it does not start an empty timestep.
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  lines.forEach((raw, index) => {
    const line = raw.trim();
    const where = `${source}:${index + 1}`;
    if (line.startsWith('#')) {
      const directive = CHANNELS_DIRECTIVE.exec(line);
      if (!directive) return;
      const value = directive[1] ?? '';
      if (!/^\d+$/.test(value) || Number(value) > MAX_CHANNEL) {
        throw new SpikeFileError(
          `${where}: "# channels:" takes a whole number from 0 to ${MAX_CHANNEL}, not ${shown(value)}`,
        );
      }
      if (train.channelCount !== undefined) {
        throw new SpikeFileError(
          `${where}: a second "# channels:" line (the first said ${train.channelCount})`,
        );
      }
      if (train.steps.length > 0) {
        throw new SpikeFileError(
          `${where}: "# channels:" must come before the first timestep (${train.steps.length} came before it)`,
        );
      }
      train.channelCount = Number(value);
      return;
    }
    if (line === '' || line === '-') {
      train.steps.push([]);
      return;
    }
    train.steps.push(lineChannels(raw, where, train.channelCount));
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
