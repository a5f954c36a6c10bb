/**
 * The one place a failure becomes a message and an exit code. Errors the user can act on print one
 * line to stderr; anything else is a bug and prints its stack.
 */

import { CliError, ExitCode, type ExitCodeValue } from './exit-codes.js';
import { EngineError } from '../model/errors.js';
import { StreamInputError } from '../protocol/spikes-planner.js';
import { LinkError } from '../transport/errors.js';
import { InputError } from '../util/input-error.js';
import { isWriteFailure, OutputError, outputError } from '../util/output.js';

/**
 * A failed write that no file helper caught is one to stdout (every file goes through
 * writeOutputFile, which names its file): an errno error of the write syscall, without a path.
 */
function asStdoutFailure(error: unknown): OutputError | undefined {
  const e = error as NodeJS.ErrnoException | undefined;
  if (e?.syscall === 'write' && e.path === undefined && isWriteFailure(e)) return outputError('stdout', e);
  return undefined;
}

export function exitCodeFor(error: unknown): ExitCodeValue {
  if (error instanceof CliError) return error.exitCode;
  if (error instanceof OutputError || asStdoutFailure(error)) return ExitCode.output;
  if (error instanceof EngineError) return ExitCode.model;
  if (error instanceof InputError || error instanceof StreamInputError) return ExitCode.input;
  if (error instanceof LinkError) return ExitCode.link;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR') return ExitCode.input;
  return ExitCode.internal;
}

export function handleError(thrown: unknown): never {
  const error = asStdoutFailure(thrown) ?? thrown;
  const exitCode = exitCodeFor(error);
  const message = error instanceof Error ? error.message : String(error);
  if (exitCode === ExitCode.internal && error instanceof Error) {
    process.stderr.write(`hetsyn: internal error: ${error.stack ?? message}\n`);
  } else {
    process.stderr.write(`hetsyn: ${message}\n`);
  }
  process.exit(exitCode);
}
