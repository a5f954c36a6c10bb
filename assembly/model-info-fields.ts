// The field numbers of the modelInfo(field) and layerInfo(layer, field) exports of index.ts. Fields
// by number keep the export list (and the module) small. host/wasm/engine.ts mirrors these
// numbers (MODEL_FIELD, LAYER_FIELD; NAME_IN_SNAKE_CASE here is nameInCamelCase there) and a host
// test reads this file to tie the two, so keep to one `export const ..._INFO_...: i32 = n;` a line.
// Pointers (..._PTR) are addresses in the module's memory.

export const MODEL_INFO_FORMAT_VERSION: i32 = 0;
export const MODEL_INFO_INPUT_COUNT: i32 = 1;
export const MODEL_INFO_LAYER_COUNT: i32 = 2;
export const MODEL_INFO_CLASS_COUNT: i32 = 3;
export const MODEL_INFO_TIMESTEP_US: i32 = 4;
export const MODEL_INFO_DECISION_MODE: i32 = 5;
export const MODEL_INFO_DECISION_SKIP_STEPS: i32 = 6;
export const MODEL_INFO_MODEL_BYTES: i32 = 7;
export const MODEL_INFO_STATE_BYTES: i32 = 8;
export const MODEL_INFO_NAME_BYTES: i32 = 9;
export const MODEL_INFO_NAME_PTR: i32 = 10;
export const MODEL_INFO_LABELS_PTR: i32 = 11;
// The FRONTEND section (all 0 when the model has none).
export const MODEL_INFO_FRONTEND_PRESENT: i32 = 12;
export const MODEL_INFO_FRONTEND_SAMPLE_RATE_HZ: i32 = 13;
export const MODEL_INFO_FRONTEND_BANDS: i32 = 14;
export const MODEL_INFO_FRONTEND_WINDOW_MS: i32 = 15;
export const MODEL_INFO_FRONTEND_HOP_MS: i32 = 16;
export const MODEL_INFO_FRONTEND_THRESHOLD_Q8: i32 = 17;
// Whether the model has a DETECT section (else the detector runs on its defaults).
export const MODEL_INFO_DETECT_PRESENT: i32 = 18;

export const LAYER_INFO_KIND: i32 = 0;
export const LAYER_INFO_INPUT_COUNT: i32 = 1;
export const LAYER_INFO_NEURON_COUNT: i32 = 2;
export const LAYER_INFO_LEVEL_COUNT: i32 = 3;
export const LAYER_INFO_BUCKET_BITS: i32 = 4;
export const LAYER_INFO_SPARSE: i32 = 5;
export const LAYER_INFO_SYNAPSE_COUNT: i32 = 6;
export const LAYER_INFO_WEIGHT_SHIFT: i32 = 7;
export const LAYER_INFO_STATE_FRAC_BITS: i32 = 8;
export const LAYER_INFO_RESET_DECAY_Q16: i32 = 9;
export const LAYER_INFO_STATE_WIDTH: i32 = 10;
export const LAYER_INFO_LEVEL_DECAY_PTR: i32 = 11;

// detectInfo(field): the last detection since the detector's reset (docs/detection.md).
export const DETECT_INFO_COUNT: i32 = 0;
export const DETECT_INFO_STEP: i32 = 1;
export const DETECT_INFO_CLASS: i32 = 2;
export const DETECT_INFO_SCORE: i32 = 3;

// detectParam(field) / detectSetParam(field, value): the detector's parameters; field
// DETECT_PARAM_THRESHOLD + j is class j's threshold.
export const DETECT_PARAM_SMOOTHING_SHIFT: i32 = 0;
export const DETECT_PARAM_SUPPRESS_STEPS: i32 = 1;
export const DETECT_PARAM_THRESHOLD: i32 = 2;
