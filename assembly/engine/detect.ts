// Continuous detection (docs/detection.md): after every step, a running mean of each readout score,
// the margin of the top class over the second, a threshold per class and a suppression time. The
// network itself is never reset between words; this is what turns its scores into events.
//
// The running mean is exponential (time constant 2^shift steps), so the detector's state is one
// i32 per class rather than a window of past scores: on a board the state must stay within the
// model's one 64 KiB page.

import { Model, layerAt } from '../model/network';
import {
  ModelDetect,
  DEFAULT_SMOOTHING_SHIFT,
  DEFAULT_SUPPRESS_STEPS,
  MAX_SMOOTHING_SHIFT,
} from '../model/detect-section';
import { State } from './state';
import { I32_MAX } from './fixed';

/** The label byte that marks a class as background (`_silence_`, `_unknown_`): never detected by default. */
const BACKGROUND_MARK: u8 = 0x5f; // '_'
/** The default threshold is one unit of the float model's score (2^stateFracBits state LSB), at most 2^30. */
const MAX_DEFAULT_THRESHOLD_BITS: u32 = 30;

export class Detect {
  static smoothingShift: u32 = 0;
  static suppressSteps: u32 = 0;
  /** Steps seen since the detector's reset. */
  static steps: u32 = 0;
  static count: u32 = 0;
  static lastStep: u32 = 0;
  static lastClass: i32 = -1;
  static lastScore: i32 = 0;
}

/** Sets the parameters from the model's DETECT section, or the documented defaults. Once per load. */
export function detectConfigure(): void {
  const classes = Model.labelCount;
  if (ModelDetect.present) {
    Detect.smoothingShift = ModelDetect.smoothingShift;
    Detect.suppressSteps = ModelDetect.suppressSteps;
    for (let j: u32 = 0; j < classes; j++) {
      const at = (<usize>j) << 2;
      store<i32>(State.detectThresholds + at, load<i32>(ModelDetect.thresholds + at));
    }
  } else {
    Detect.smoothingShift = DEFAULT_SMOOTHING_SHIFT;
    Detect.suppressSteps = DEFAULT_SUPPRESS_STEPS;
    const bits = layerAt(Model.layerCount - 1).stateFracBits;
    const unit: i32 = 1 << (bits < MAX_DEFAULT_THRESHOLD_BITS ? bits : MAX_DEFAULT_THRESHOLD_BITS);
    let label = Model.labels;
    for (let j: u32 = 0; j < classes; j++) {
      const length = <usize>load<u8>(label);
      store<i32>(
        State.detectThresholds + ((<usize>j) << 2),
        load<u8>(label, 1) == BACKGROUND_MARK ? -1 : unit,
      );
      label += 1 + length;
    }
  }
  detectReset();
}

/** Forgets the running means and past detections; the parameters stay. */
export function detectReset(): void {
  for (let j: u32 = 0; j < Model.labelCount; j++) store<i32>(State.detectMeans + ((<usize>j) << 2), 0);
  Detect.steps = 0;
  Detect.count = 0;
  Detect.lastStep = 0;
  Detect.lastClass = -1;
  Detect.lastScore = 0;
}

/** Takes the scores of the step just run (State.scores); the class detected at it, or -1. */
export function detectStep(): i32 {
  const shift = <i64>Detect.smoothingShift;
  const classes = Model.labelCount;
  let top: i32 = 0;
  let best: i64 = i64.MIN_VALUE;
  let second: i64 = i64.MIN_VALUE;
  for (let j: u32 = 0; j < classes; j++) {
    const at = (<usize>j) << 2;
    const mean = <i64>load<i32>(State.detectMeans + at);
    // Between the old mean and the score, so it fits an i32.
    const next = mean + ((<i64>load<i32>(State.scores + at) - mean) >> shift);
    store<i32>(State.detectMeans + at, <i32>next);
    if (next > best) {
      second = best;
      best = next;
      top = <i32>j;
    } else if (next > second) {
      second = next;
    }
  }
  const step = Detect.steps++;
  if (step < (<u32>1) << Detect.smoothingShift) return -1;
  if (Detect.count != 0 && step - Detect.lastStep <= Detect.suppressSteps) return -1;
  const threshold = detectThreshold(<u32>top);
  // A one-class model has no second best: its margin is the largest.
  const margin: i32 =
    second == i64.MIN_VALUE || best - second > <i64>I32_MAX ? I32_MAX : <i32>(best - second);
  if (threshold < 0 || margin < threshold) return -1;
  Detect.count++;
  Detect.lastStep = step;
  Detect.lastClass = top;
  Detect.lastScore = margin;
  return top;
}

/** Class j's threshold now in force. */
export function detectThreshold(j: u32): i32 {
  return load<i32>(State.detectThresholds + ((<usize>j) << 2));
}

/** Overrides class j's threshold until the next load (j below the class count). */
export function setDetectThreshold(j: u32, value: i32): void {
  store<i32>(State.detectThresholds + ((<usize>j) << 2), value);
}
