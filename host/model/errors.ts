/**
 * Host-side text for the engine's status codes (assembly/model/errors.ts). The device returns only
 * the number; the words live here and in docs/model-format.md, and a test keeps all three equal.
 */

export interface StatusCode {
  code: number;
  name: string;
  message: string;
}

export const STATUS_CODES: readonly StatusCode[] = [
  { code: 0, name: 'OK', message: 'model loaded' },
  { code: 1, name: 'TRUNCATED', message: 'the file is shorter than its header says' },
  { code: 2, name: 'BAD_MAGIC', message: 'not a .hsm model file (bad magic)' },
  { code: 3, name: 'BAD_VERSION', message: 'a .hsm format version this engine does not read' },
  {
    code: 4,
    name: 'BAD_LENGTH',
    message: 'the header length does not match the file, or reserved header flags are set',
  },
  { code: 5, name: 'BAD_CRC', message: 'CRC-32 mismatch: the file is corrupted' },
  {
    code: 6,
    name: 'BAD_SECTION',
    message: 'a section runs past the end of the file or its size does not match its contents',
  },
  { code: 7, name: 'UNKNOWN_SECTION', message: 'a section type this format version does not define' },
  { code: 8, name: 'SECTION_ORDER', message: 'sections are missing, repeated or out of order' },
  {
    code: 9,
    name: 'BAD_MODEL',
    message: 'model header out of range (inputs, layer count, timestep or name)',
  },
  { code: 10, name: 'BAD_DECISION', message: 'unknown decision mode' },
  {
    code: 11,
    name: 'BAD_LABELS',
    message: 'labels do not match the readout size, or a label is empty or too long',
  },
  { code: 12, name: 'BAD_LAYER', message: 'a layer has an unknown kind or flags, or a field out of range' },
  {
    code: 13,
    name: 'LAYER_MISMATCH',
    message: "a layer's input count differs from the size of the layer before it",
  },
  { code: 14, name: 'READOUT_POSITION', message: 'the last layer must be the readout, and only the last' },
  { code: 15, name: 'BAD_LEVELS', message: 'bad time-constant level count or level packing' },
  { code: 16, name: 'BAD_DECAY', message: 'a decay multiplier above 1.0 (65536)' },
  { code: 17, name: 'BAD_THRESHOLD', message: 'a threshold below 1' },
  {
    code: 18,
    name: 'LEVEL_INDEX',
    message: 'a synapse or neuron names a time-constant level that does not exist',
  },
  { code: 19, name: 'BAD_SPARSE', message: 'synapse count or sparse rows/columns are inconsistent' },
  { code: 20, name: 'TOO_LARGE', message: 'the model and its state do not fit in engine memory' },
  { code: 21, name: 'NO_MODEL', message: 'no model is loaded' },
  { code: 22, name: 'BAD_INPUT', message: 'an input spike names a channel the model does not have' },
  {
    code: 23,
    name: 'BAD_FRONTEND',
    message:
      'audio front-end parameters out of range (rate, bands, window, hop, threshold, encoding), or none in the model',
  },
];

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
