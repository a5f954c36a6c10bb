// The DETECT section of a model (docs/model-format.md, docs/detection.md): the continuous
// detector's settings. The parser fills ModelDetect; a model without the section gets the
// documented defaults when it loads (engine/detect.ts).

/** The smoothing window is 2^shift steps, at most 2^10 = 1024 (10.24 s at 10 ms). */
export const MAX_SMOOTHING_SHIFT: u32 = 10;
/** Defaults of a model without a DETECT section: a window of 2^5 = 32 steps, 100 steps suppressed. */
export const DEFAULT_SMOOTHING_SHIFT: u32 = 5;
export const DEFAULT_SUPPRESS_STEPS: u32 = 100;

/** The DETECT section of the loaded model, set by the parser (present = false when it has none). */
export class ModelDetect {
  static present: bool = false;
  static smoothingShift: u32 = 0;
  static suppressSteps: u32 = 0;
  /** i32[labelCount] in the model bytes: each class's margin threshold (negative: never detected). */
  static thresholds: usize = 0;
}
