/**
 * What `hetsyn` exit codes mean: the one table that the code, the help text and the README's table
 * are made from (a test holds the README to it). Scripts rely on the codes, so the table only ever
 * gains rows.
 */

export const EXIT_CODES = [
  { name: 'ok', code: 0, meaning: 'success' },
  { name: 'internal', code: 1, meaning: 'internal error (a bug; please report it with the message)' },
  { name: 'usage', code: 2, meaning: 'usage error (bad option or argument)' },
  {
    name: 'input',
    code: 3,
    meaning: 'input error (missing, unreadable or malformed input file, or one that does not fit the model)',
  },
  {
    name: 'model',
    code: 4,
    meaning: "model rejected (the message gives the `.hsm` validator's code name and its meaning)",
  },
  {
    name: 'link',
    code: 5,
    meaning:
      'board or link error: the port cannot be opened or went away, or the board did not answer (or answered garbage)',
  },
  {
    name: 'refused',
    code: 6,
    meaning:
      'the board refused a request (its error name and meaning are printed, and what model it is left running)',
  },
  {
    name: 'powerCut',
    code: 7,
    meaning: 'the virtual board cut its own power, as `hetsyn board --power-cut-after` asked',
  },
  {
    name: 'output',
    code: 8,
    meaning:
      'output error: a file or stdout could not be written (disk full, read-only, no permission, device error)',
  },
] as const;

type ExitCodeRow = (typeof EXIT_CODES)[number];
export type ExitCodeValue = ExitCodeRow['code'];

export const ExitCode = Object.fromEntries(EXIT_CODES.map((row) => [row.name, row.code])) as {
  readonly [R in ExitCodeRow as R['name']]: R['code'];
};

export const EXIT_CODE_HELP = `Exit codes:\n${EXIT_CODES.map((row) => `  ${row.code}  ${row.meaning.replaceAll('`', '')}`).join('\n')}`;

/** A failure the user can act on: printed as one line, exits with its code, no stack trace. */
export class CliError extends Error {
  readonly exitCode: ExitCodeValue;
  constructor(message: string, exitCode: ExitCodeValue) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}
