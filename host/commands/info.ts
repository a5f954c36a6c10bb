/**
 * `hetsyn info --port P`: what a board reports about itself (INFO, the reply to HELLO).
 *
 * Also the board commands' shared plumbing: the --port/--baud/--trace options, opening a port and
 * saying HELLO, and turning link failures and device refusals into CLI errors with exit codes
 * 5 and 6 and "Failed to <action>: <NAME> (<meaning>)" messages.
 */

import { Command, Option } from 'commander';
import { CliError, ExitCode } from '../cli/exit-codes.js';
import { bytes, count, printJson } from '../cli/format.js';
import { BoardClient } from '../protocol/client.js';
import { formatLinkError } from '../protocol/errors.js';
import { LinkError } from '../transport/errors.js';
import { formatDeviceError, type DeviceError } from '../protocol/device-errors.js';
import type { HelloInfo } from '../protocol/messages.js';
import { StreamInputError } from '../protocol/spikes-planner.js';
import { hex32 } from '../model/crc32.js';
import { DEFAULT_BAUD_RATE, SerialTransport } from '../transport/serial.js';
import { parseIntInRange } from '../cli/options.js';

export interface ConnectionOptions {
  baud?: number;
  trace?: boolean;
}

export function baudOption(): Option {
  return new Option('--baud <rate>', 'baud rate (a pseudo-terminal ignores it)')
    .argParser(parseIntInRange(50, 10_000_000))
    .default(DEFAULT_BAUD_RATE);
}

export function traceOption(): Option {
  return new Option('--trace', 'print every frame sent and received on stderr');
}

/** Opens `port` and says HELLO; a failure is a CliError (exit 5) naming the port. */
export async function connectBoard(port: string, options: ConnectionOptions = {}): Promise<BoardClient> {
  let transport: SerialTransport;
  try {
    transport = await SerialTransport.open(port, { baudRate: options.baud ?? DEFAULT_BAUD_RATE });
  } catch (error) {
    throw asCliError(`open ${port}`, error);
  }
  try {
    return await BoardClient.connect(transport, {
      ...(options.trace ? { trace: (line: string) => process.stderr.write(`${port} ${line}\n`) } : {}),
    });
  } catch (error) {
    await transport.close().catch(() => undefined);
    throw asCliError(`talk to the board on ${port}`, error);
  }
}

/** Link failures become exit 5, bad input exit 3; anything else is passed on unchanged. */
export function asCliError(action: string, error: unknown, state?: string): unknown {
  if (error instanceof LinkError) {
    return new CliError(formatLinkError(action, error) + (state ? `\n${state}` : ''), ExitCode.link);
  }
  if (error instanceof StreamInputError) return new CliError(error.message, ExitCode.input);
  return error;
}

/** A device refusal as a CliError (exit 6), with what the board is left doing. */
export function refusedError(action: string, error: DeviceError, state?: string): CliError {
  return new CliError(formatDeviceError(action, error) + (state ? `\n${state}` : ''), ExitCode.refused);
}

/** One line saying which model the board runs, from INFO. */
export function describeActiveModel(info: HelloInfo): string {
  if (info.activeSlot === null) return 'no model stored';
  const name = info.modelName || '(unnamed)';
  const state = info.modelLoaded ? '' : ' (stored, but not loaded)';
  return `${name}, ${bytes(info.modelBytes)}, crc 0x${hex32(info.modelCrc)}, slot ${info.activeSlot}, generation ${info.generation}${state}`;
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

export function describeInfo(port: string, info: HelloInfo): string {
  const c = info.counters;
  const state = info.streaming
    ? 'streaming'
    : info.uploading
      ? `upload in progress: ${bytes(info.uploadOffset)} of ${bytes(info.uploadSize)}`
      : 'idle';
  const rows: [string, string][] = [
    ['board', port],
    [
      'protocol',
      `${info.protocolVersion} (board ABI ${info.abiVersion}, engine ${info.engineVersion}, .hsm format ${info.formatVersion})`,
    ],
    ['max frame', bytes(info.maxFrame)],
    ['storage', `2 slots of ${bytes(info.storageBytes)}`],
    ['model', describeActiveModel(info)],
    ['state', state],
    [
      'counters',
      `frames ok ${count(c.framesOk)}, bad frames ${count(c.badFrames)}, overruns ${count(c.overruns)}, ` +
        `unknown types ${count(c.unknownTypes)}, bad requests ${count(c.badRequests)}, results dropped ${count(c.resultsDropped)}`,
    ],
  ];
  return keyValues(rows);
}

/** Two columns: keys padded to one width, values as they are. */
export function keyValues(rows: [string, string][]): string {
  const width = Math.max(...rows.map(([key]) => key.length));
  return rows.map(([key, value]) => `${key.padEnd(width)}  ${value}`).join('\n');
}

/** The command's core: INFO of the board on `port`. */
export async function readBoardInfo(port: string, options: ConnectionOptions = {}): Promise<HelloInfo> {
  const client = await connectBoard(port, options);
  try {
    return client.info as HelloInfo;
  } finally {
    await client.close();
  }
}

export function infoCommand(): Command {
  return new Command('info')
    .description(
      'ask a board what it is and runs: versions, max frame, storage, active model, error counters',
    )
    .requiredOption(
      '--port <path>',
      'serial port of the board (e.g. /dev/ttyACM0, or the path `hetsyn board` printed)',
    )
    .option('--json', 'print INFO as one JSON object')
    .addOption(baudOption())
    .addOption(traceOption())
    .action(async (opts: { port: string; json?: boolean; baud: number; trace?: boolean }) => {
      const info = await readBoardInfo(opts.port, { baud: opts.baud, trace: opts.trace === true });
      if (opts.json) printJson({ port: opts.port, ...info });
      else process.stdout.write(describeInfo(opts.port, info) + '\n');
    });
}
