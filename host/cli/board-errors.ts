/**
 * Board failures as CLI errors: a lost link exits 5, a device refusal 6, each with a
 * "Failed to <action>: <NAME> (<meaning>)" message and, when known, what the board is left doing.
 */

import { formatLinkError } from '../protocol/errors.js';
import { formatDeviceError, type DeviceError } from '../protocol/device-errors.js';
import { LinkError } from '../transport/errors.js';
import { CliError, ExitCode } from './exit-codes.js';

/** Link failures become exit 5; anything else is passed on unchanged. */
export function asCliError(action: string, error: unknown, state?: string): unknown {
  if (error instanceof LinkError) {
    return new CliError(formatLinkError(action, error) + (state ? `\n${state}` : ''), ExitCode.link);
  }
  return error;
}

/** A device refusal as a CliError (exit 6), with what the board is left doing. */
export function refusedError(action: string, error: DeviceError, state?: string): CliError {
  return new CliError(formatDeviceError(action, error) + (state ? `\n${state}` : ''), ExitCode.refused);
}
