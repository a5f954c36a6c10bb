/** A streamed step for people and for logs: shared by `hetsyn stream` and `hetsyn monitor`. */

import { printable } from '../util/printable.js';
import type { StreamStep } from '../protocol/stream.js';
import type { Detection } from '../model/detection.js';

/**
 * The JSON line of one step: `{t, scores?, spikes?, decision, stepUs, detection?}`, or
 * `{t, lost: true}`; `detection` ({step, label, score}) is on the step whose RESULT first brought it.
 */
export function stepJson(step: StreamStep): Record<string, unknown> {
  if (step.lost) return { t: step.t, lost: true };
  return {
    t: step.t,
    ...(step.scores ? { scores: step.scores } : {}),
    ...(step.spikes ? { spikes: step.spikes } : {}),
    decision: step.decision,
    stepUs: step.stepUs,
    ...(step.detection ? { detection: step.detection } : {}),
  };
}

/** "detected yes (class 0) at step 120, margin 51234". */
export function detectionText(detection: Detection, labels: readonly string[] | undefined): string {
  return `detected ${decisionText(detection.label, labels)} at step ${detection.step}, margin ${detection.score}`;
}

/** "none", the class number, or with labels "yes (class 3)". */
export function decisionText(decision: number, labels: readonly string[] | undefined): string {
  if (decision < 0) return 'none';
  const label = labels?.[decision];
  return label !== undefined ? `${printable(label)} (class ${decision})` : String(decision);
}
