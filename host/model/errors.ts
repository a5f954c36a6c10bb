/**
 * Host-side text for the engine's status codes (assembly/model/errors.ts). The device returns only
 * the number; the words are those of docs/model-format.md's table, and a test holds the engine's
 * codes, these names and these meanings equal to it.
 */

export interface StatusCode {
  code: number;
  name: string;
  message: string;
}

export const STATUS_CODES: readonly StatusCode[] = [
  { code: 0, name: 'OK', message: 'model loaded' },
  { code: 1, name: 'TRUNCATED', message: 'fewer bytes than the header says, or than a header and CRC need' },
  { code: 2, name: 'BAD_MAGIC', message: 'not a .hsm file (magic is not "HSYN")' },
  { code: 3, name: 'BAD_VERSION', message: 'a format version this engine does not read' },
  {
    code: 4,
    name: 'BAD_LENGTH',
    message: 'fileBytes does not match the bytes given, or header flags are set',
  },
  { code: 5, name: 'BAD_CRC', message: 'CRC-32 mismatch: the file is corrupted' },
  {
    code: 6,
    name: 'BAD_SECTION',
    message:
      'a section runs past the end (also when sectionCount claims more sections than the file holds), has reserved bits set, or its payloadBytes does not match its contents',
  },
  { code: 7, name: 'UNKNOWN_SECTION', message: 'a section id this version does not define' },
  {
    code: 8,
    name: 'SECTION_ORDER',
    message:
      'sections missing, repeated or out of order, or sectionCount too small for MODEL, LABELS and every layer',
  },
  {
    code: 9,
    name: 'BAD_MODEL',
    message: 'MODEL fields out of range (no inputs, 0 or more than 16 layers, timestep 0, name too long)',
  },
  { code: 10, name: 'BAD_DECISION', message: 'unknown decision mode' },
  {
    code: 11,
    name: 'BAD_LABELS',
    message:
      'label count differs from the readout size, a label is empty or too long, or the labels run past their section',
  },
  {
    code: 12,
    name: 'BAD_LAYER',
    message:
      'unknown kind or flags, reserved bits set, weightShift or stateFracBits out of range, a readout with a reset decay',
  },
  {
    code: 13,
    name: 'LAYER_MISMATCH',
    message: "a layer's inputCount differs from the size of what feeds it",
  },
  {
    code: 14,
    name: 'READOUT_POSITION',
    message: 'the last layer is not a readout, or a readout is not last',
  },
  { code: 15, name: 'BAD_LEVELS', message: 'bucketBits not 0, 4 or 8, or levelCount 0 or over its limit' },
  { code: 16, name: 'BAD_DECAY', message: 'a decay above 65536 (1.0)' },
  { code: 17, name: 'BAD_THRESHOLD', message: 'a threshold below 1' },
  { code: 18, name: 'LEVEL_INDEX', message: 'a level index >= levelCount (or a non-zero unused nibble)' },
  {
    code: 19,
    name: 'BAD_SPARSE',
    message: 'synapseCount wrong for a dense layer, or row starts / columns inconsistent',
  },
  {
    code: 20,
    name: 'TOO_LARGE',
    message:
      "the model's state does not fit the engine's state arena (24,576 B; 10,752 B in the board-small build, docs/memory-budget.md), it has more layers than a board build takes (4 in board-small), or a host cannot hold the model's bytes",
  },
  { code: 21, name: 'NO_MODEL', message: 'a step or query needs a loaded model' },
  {
    code: 22,
    name: 'BAD_INPUT',
    message: "a step's input list is longer than inputCount or names a channel >= inputCount",
  },
  {
    code: 23,
    name: 'BAD_FRONTEND',
    message:
      'a FRONTEND field out of range (sample rate, bands or 2 * bands != inputCount, window, hop, threshold, encoding, reserved byte), front-end parameters out of range at frontendConfigure, or frontendConfigureFromModel on a model without a FRONTEND section',
  },
  {
    code: 24,
    name: 'BAD_DETECT',
    message:
      "a DETECT field out of range (smoothing shift above 10, labelCount not the model's, reserved bytes), or a detector parameter out of range at detectSetParam",
  },
  {
    code: 25,
    name: 'BAD_PLACE',
    message:
      "the model's bytes are not where the engine can read them: over its own static memory, past the 32-bit address space, or in a storage slot the board cannot map",
  },
];

/** The code of a status by its name; a name the table lacks is a bug here, so it throws. */
export function statusCode(name: string): number {
  const status = STATUS_CODES.find((s) => s.name === name);
  if (!status) throw new Error(`no engine status named ${name}`);
  return status.code;
}

export function describeStatus(code: number): StatusCode {
  return STATUS_CODES[code] ?? { code, name: `UNKNOWN_${code}`, message: `unknown status code ${code}` };
}

/** A status code the engine returned, as an exception for host code paths that cannot go on. */
export class EngineError extends Error {
  readonly status: StatusCode;
  constructor(action: string, code: number) {
    const status = describeStatus(code);
    super(`Failed to ${action}: ${status.name} (${status.message})`);
    this.name = 'EngineError';
    this.status = status;
  }
}
