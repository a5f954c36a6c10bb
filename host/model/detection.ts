/**
 * The continuous detector's vocabulary (docs/detection.md), shared by the engine wrapper, the
 * protocol, the .hsm writer and the commands. The detector itself runs only in the .wasm.
 */

/** A detection: the class `label` at step `step`, with its margin `score` (state LSB). */
export interface Detection {
  step: number;
  label: number;
  score: number;
}

/** The latest detection and how many there have been since the detector's reset. */
export interface LatestDetection extends Detection {
  count: number;
}

/** The DETECT section's parameters (docs/model-format.md). */
export interface DetectParams {
  /** The running mean's time constant is 2^smoothingShift steps; also the warm-up, in steps. */
  smoothingShift: number;
  /** Steps after a detection in which none can follow. */
  suppressSteps: number;
  /** Per class: the margin (state LSB) a detection needs; negative: never detected. */
  thresholds: number[];
}

/** The largest smoothing shift (a window of 1024 steps). */
export const MAX_SMOOTHING_SHIFT = 10;
