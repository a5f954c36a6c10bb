// Load and step status codes. The host's message table (host/model/errors.ts) and the table in
// docs/model-format.md list the same codes; a test keeps the three equal.

export const OK: i32 = 0;
export const TRUNCATED: i32 = 1;
export const BAD_MAGIC: i32 = 2;
export const BAD_VERSION: i32 = 3;
export const BAD_LENGTH: i32 = 4;
export const BAD_CRC: i32 = 5;
export const BAD_SECTION: i32 = 6;
export const UNKNOWN_SECTION: i32 = 7;
export const SECTION_ORDER: i32 = 8;
export const BAD_MODEL: i32 = 9;
export const BAD_DECISION: i32 = 10;
export const BAD_LABELS: i32 = 11;
export const BAD_LAYER: i32 = 12;
export const LAYER_MISMATCH: i32 = 13;
export const READOUT_POSITION: i32 = 14;
export const BAD_LEVELS: i32 = 15;
export const BAD_DECAY: i32 = 16;
export const BAD_THRESHOLD: i32 = 17;
export const LEVEL_INDEX: i32 = 18;
export const BAD_SPARSE: i32 = 19;
export const TOO_LARGE: i32 = 20;
export const NO_MODEL: i32 = 21;
export const BAD_INPUT: i32 = 22;
export const BAD_FRONTEND: i32 = 23;
export const BAD_DETECT: i32 = 24;
export const BAD_PLACE: i32 = 25;
