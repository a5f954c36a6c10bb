/**
 * Output the user can fix: a file (or stdout) that cannot be written, because the disk is full,
 * the file system read-only, the directory missing or not writable, or the device failed. The CLI
 * maps OutputError to its own exit code, with one line naming the file.
 */

import { writeFileSync } from 'node:fs';

export class OutputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutputError';
  }
}

const REASONS: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'the file is too large for the file system',
  EIO: 'input/output error on the device',
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'it is a directory',
  ENOENT: 'no such directory',
  ENOTDIR: 'a part of the path is not a directory',
  ENXIO: 'no such device',
  EBADF: 'it is not open for writing',
  EAGAIN: 'the device would block',
};

/** Why a write failed, in words: from the error's code, else its message. */
function writeFailureReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return (code !== undefined ? REASONS[code] : undefined) ?? (error as Error).message;
}

/** True for an error a failed write of a file or stream gives (an errno code, no bug). */
export function isWriteFailure(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && code in REASONS;
}

/** "cannot write FILE: no space left on the device" as an OutputError. */
export function outputError(target: string, error: unknown): OutputError {
  return new OutputError(`cannot write ${target}: ${writeFailureReason(error)}`);
}

/** writeFileSync that fails with an OutputError naming the file; returns the bytes written. */
export function writeOutputFile(path: string, data: string | Uint8Array): number {
  try {
    writeFileSync(path, data);
  } catch (error) {
    if (isWriteFailure(error)) throw outputError(path, error);
    throw error;
  }
  return typeof data === 'string' ? Buffer.byteLength(data) : data.length;
}
