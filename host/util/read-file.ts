/** Reading a file the user named, with a failure the user can act on (InputError, exit code 3). */

import { readFileSync } from 'node:fs';
import { InputError } from './input-error.js';

/** The bytes of `path`; `what` names it in the message ("cannot read model m.hsm: no such file"). */
export function readInputFile(path: string, what: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new InputError(`cannot read ${what} ${path}: ${reason}`);
  }
}
