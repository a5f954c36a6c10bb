/**
 * An input the user can fix: a missing, unreadable or malformed file, or one that does not fit the
 * model. Every reader's error extends this, so the CLI maps them all to one exit code by class.
 */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}
