/** A streamed step for people and for logs: shared by `hetsyn stream` and `hetsyn monitor`. */

import { printable } from '../util/printable.js';
import type { StreamStep } from '../protocol/stream.js';

/**
 * The JSON line of one step: `{t, scores?, spikes?, decision, stepUs, detection?}`, or
 * `{t, lost: true}`; `detection` ({step, label, score}) on the step that brought a new one.
 */
export function stepJson(step: StreamStep): Record<string, unknown> {
  const detection = step.detection ? { detection: step.detection } : {};
  if (step.lost) return { t: step.t, lost: true, ...detection };
  return {
    t: step.t,
    ...(step.scores ? { scores: step.scores } : {}),
    ...(step.spikes ? { spikes: step.spikes } : {}),
    decision: step.decision,
    stepUs: step.stepUs,
    ...detection,
  };
}

/** "none", the class number, or with labels "yes (class 3)". */
export function decisionText(decision: number, labels: readonly string[] | undefined): string {
  if (decision < 0) return 'none';
  const label = labels?.[decision];
  return label !== undefined ? `${printable(label)} (class ${decision})` : String(decision);
}
