/**
 * Detections: the moments the page reports "heard X". THE place where detection events plug in.
 *
 * Today the engine decides over a window (the sum of scores since a reset; docs/fixed-point.md),
 * so a detection is a change of that decision, as `hetsyn monitor` shows it. Continuous detection
 * with DETECTION events is being built in the engine and the protocol; when it lands, a source that
 * turns those events into Detections implements DetectionSource, detectionSource() returns it,
 * and nothing else on the page changes.
 */

import type { StudioStep } from './run.js';

export interface Detection {
  /** The step it happened at. */
  t: number;
  /** The class (an index into the model's labels). */
  label: number;
}

export interface DetectionSource {
  /** What a step brought: a detection, or nothing. */
  next(step: StudioStep): Detection | undefined;
  /** A new input starts. */
  reset(): void;
}

/** A detection whenever the decision moves to another class (not when it falls back to none). */
export class DecisionChanges implements DetectionSource {
  private last = -1;

  next(step: StudioStep): Detection | undefined {
    if (step.decision < 0 || step.decision === this.last) return undefined;
    this.last = step.decision;
    return { t: step.t, label: step.decision };
  }

  reset(): void {
    this.last = -1;
  }
}

/** The detection source the page uses. */
export function detectionSource(): DetectionSource {
  return new DecisionChanges();
}
