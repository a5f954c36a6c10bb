/** Opening a board's port and saying HELLO, for the commands that talk to a board. */

import { BoardClient, type ClientOptions } from '../protocol/client.js';
import { SerialTransport } from '../transport/serial.js';
import { asCliError } from './board-errors.js';
import type { BoardFrontend } from './read-input.js';
import type { HelloInfo } from '../protocol/messages.js';

export interface ConnectionOptions {
  baud?: number;
  trace?: boolean;
}

/** BoardClient options that print every frame on stderr, prefixed with the port, when tracing. */
export function traceOptions(port: string, options: ConnectionOptions): { trace?: (line: string) => void } {
  return options.trace ? { trace: (line: string) => process.stderr.write(`${port} ${line}\n`) } : {};
}

/**
 * Opens `port` and says HELLO, closing the port again when HELLO fails. Errors come as they are,
 * so a caller that reconnects can tell a lost link from the rest.
 */
export async function openBoard(
  port: string,
  options: ConnectionOptions,
  clientOptions: ClientOptions = traceOptions(port, options),
): Promise<BoardClient> {
  const transport = await SerialTransport.open(port, { baudRate: options.baud });
  try {
    return await BoardClient.connect(transport, clientOptions);
  } catch (error) {
    await transport.close().catch(() => undefined);
    throw error;
  }
}

/** Opens `port` and says HELLO; a failure is a CliError (exit 5) naming the port. */
export async function connectBoard(port: string, options: ConnectionOptions = {}): Promise<BoardClient> {
  let transport: SerialTransport;
  try {
    transport = await SerialTransport.open(port, { baudRate: options.baud });
  } catch (error) {
    throw asCliError(`open ${port}`, error);
  }
  try {
    return await BoardClient.connect(transport, traceOptions(port, options));
  } catch (error) {
    await transport.close().catch(() => undefined);
    throw asCliError(`talk to the board on ${port}`, error);
  }
}

/** INFO of the board on `port`: one HELLO on a connection of its own, closed again. */
export async function readBoardInfo(port: string, options: ConnectionOptions = {}): Promise<HelloInfo> {
  const client = await connectBoard(port, options);
  try {
    return client.info as HelloInfo;
  } finally {
    await client.close();
  }
}

/** What a board's INFO says of the front-end its model has, for audio input without --model. */
export async function reportedFrontend(
  port: string,
  options: ConnectionOptions = {},
): Promise<BoardFrontend> {
  const info = await readBoardInfo(port, options);
  return { port, model: info.modelLoaded ? info.modelName : undefined, frontend: info.frontend };
}
