/**
 * What `hetsyn` exit codes mean. Scripts rely on them, so they only ever gain entries; the help
 * text and README print this table.
 */

export const ExitCode = {
  ok: 0,
  /** A bug or an unexpected failure (the message says where). */
  internal: 1,
  /** Bad command line: unknown option, missing argument, bad value. */
  usage: 2,
  /** An input file is missing, unreadable or malformed (spike file, float model JSON). */
  input: 3,
  /** The engine refused the model (the .hsm validator's status code is printed). */
  model: 4,
  /** Board or link failure: the port cannot be opened or went away, no reply, a garbled reply. */
  link: 5,
  /** The board refused a request (its error code name and meaning are printed). */
  refused: 6,
  /** `hetsyn board --power-cut-after`: the virtual board cut its own power, as asked. */
  powerCut: 7,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export const EXIT_CODE_HELP = `Exit codes:
  0  success
  1  internal error (a bug: please report it with the message)
  2  usage error (bad option or argument)
  3  input error (missing, unreadable or malformed input file)
  4  model rejected (the .hsm validator's code and meaning are printed)
  5  board or link error (port missing or gone, no reply, garbled reply)
  6  the board refused a request (its error code and meaning are printed)
  7  the virtual board cut its own power (hetsyn board --power-cut-after)`;

/** A failure the user can act on: printed as one line, exits with its code, no stack trace. */
export class CliError extends Error {
  readonly exitCode: ExitCodeValue;
  constructor(message: string, exitCode: ExitCodeValue) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}
