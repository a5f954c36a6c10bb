/**
 * How a spike train is cut into SPIKES frames: each frame carries as many whole steps as the
 * board's maxFrame (or a smaller byte budget, on a lossy link) holds, at most 255, and, on a paced
 * stream, no step before its time. And how many bytes the RESULTs a frame brings back take on the
 * wire, for the frame's timeout.
 */

import { cobsMaxEncodedBytes } from './cobs.js';
import { FRAME_OVERHEAD_BYTES } from './frame.js';
import {
  MAX_SPIKES_PER_STEP,
  MAX_STEPS_PER_FRAME,
  Report,
  DETECTION_BYTES,
  RESULT_FIXED_BYTES,
  SPIKES_HEADER_BYTES,
  spikesStepBytes,
  type ResultLayout,
} from './messages.js';

/** A spike train that cannot be streamed as it is (the user's input, not the link). */
export class StreamInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StreamInputError';
  }
}

export interface PlannedFrame {
  /** Index of the first step in the train. */
  first: number;
  count: number;
}

/** The bytes a SPIKES frame offers for steps, at a board's maxFrame. */
export function stepBudgetBytes(maxFrame: number): number {
  return maxFrame - FRAME_OVERHEAD_BYTES - SPIKES_HEADER_BYTES;
}

/** Steps per frame at most: the caller's cap (default none) within 1 .. MAX_STEPS_PER_FRAME. */
export function stepsPerFrameCap(maxStepsPerFrame: number = MAX_STEPS_PER_FRAME): number {
  return Math.max(1, Math.min(maxStepsPerFrame, MAX_STEPS_PER_FRAME));
}

/**
 * Throws StreamInputError for the first step that cannot travel at all: more than 255 spikes, or
 * alone too big for one frame at this maxFrame.
 */
export function checkStepsFit(steps: readonly (readonly number[])[], maxFrame: number): void {
  const budget = stepBudgetBytes(maxFrame);
  steps.forEach((channels, t) => {
    if (channels.length > MAX_SPIKES_PER_STEP) {
      throw new StreamInputError(
        `step ${t} has ${channels.length} spikes; a SPIKES frame carries at most ${MAX_SPIKES_PER_STEP} per step`,
      );
    }
    if (spikesStepBytes(channels) > budget) {
      throw new StreamInputError(
        `step ${t} has ${channels.length} spikes (${spikesStepBytes(channels)} bytes); the board's maxFrame ${maxFrame} holds at most ${Math.floor((budget - 1) / 2)} per step`,
      );
    }
  });
}

/** The frame starting at step `first`: as many steps as fit `budgetBytes` and `maxSteps` (at least one). */
export function nextFrame(
  steps: readonly (readonly number[])[],
  first: number,
  budgetBytes: number,
  maxSteps: number,
): PlannedFrame {
  let used = spikesStepBytes(steps[first] ?? []);
  let count = 1;
  while (first + count < steps.length && count < maxSteps) {
    const bytes = spikesStepBytes(steps[first + count]);
    if (used + bytes > budgetBytes) break;
    used += bytes;
    count++;
  }
  return { first, count };
}

/** All frames of a stream at full size, as a link without losses carries it. */
export function planFrames(
  steps: readonly (readonly number[])[],
  maxFrame: number,
  maxStepsPerFrame: number = MAX_STEPS_PER_FRAME,
): PlannedFrame[] {
  checkStepsFit(steps, maxFrame);
  const perFrame = stepsPerFrameCap(maxStepsPerFrame);
  const frames: PlannedFrame[] = [];
  for (let first = 0; first < steps.length;) {
    const frame = nextFrame(steps, first, stepBudgetBytes(maxFrame), perFrame);
    frames.push(frame);
    first += frame.count;
  }
  return frames;
}

/**
 * The least time between two paced frames, in ms: at rates above one step per tick a frame gathers
 * the steps that fell due meanwhile, so the link carries a few hundred frames a second at most.
 */
export const PACING_TICK_MS = 5;

/**
 * When the steps of a stream paced at `stepsPerSecond` may leave: step k is due k / stepsPerSecond
 * seconds after `startedAt` (a time in ms on the stream's clock), and no step leaves before it is due.
 */
export class StepPacer {
  constructor(
    readonly stepsPerSecond: number,
    readonly startedAt: number,
  ) {
    if (!(stepsPerSecond > 0 && Number.isFinite(stepsPerSecond)))
      throw new RangeError(`pacing at ${stepsPerSecond} steps per second`);
  }

  /** When step `step` is due. */
  dueAt(step: number): number {
    return this.startedAt + (step * 1000) / this.stepsPerSecond;
  }

  /** How many steps are due at `now` (steps 0 .. n-1), by dueAt itself so the two always agree. */
  dueBy(now: number): number {
    let n = Math.max(0, Math.floor(((now - this.startedAt) * this.stepsPerSecond) / 1000) + 1);
    while (n > 0 && this.dueAt(n - 1) > now) n--;
    while (this.dueAt(n) <= now) n++;
    return n;
  }

  /**
   * When a frame starting at step `first` should go, the last paced frame having left at
   * `lastSentAt`: when `first` is due, and at least PACING_TICK_MS after the last one.
   */
  sendAt(first: number, lastSentAt: number | undefined): number {
    return Math.max(this.dueAt(first), lastSentAt === undefined ? -Infinity : lastSentAt + PACING_TICK_MS);
  }
}

/**
 * The most bytes one RESULT of a stream takes on the wire: its frame body COBS-encoded, plus the
 * delimiter. The board keeps every RESULT within its maxFrame; the host does not know the size
 * of the reported layer, so with spikes reported a RESULT may fill the frame.
 */
export function resultWireBytes(maxFrame: number, layout: ResultLayout): number {
  const scores = layout.report & Report.scores ? 4 * layout.classes : 0;
  const spikes = layout.report & Report.spikes ? maxFrame : 0;
  const body = Math.min(
    maxFrame,
    FRAME_OVERHEAD_BYTES + RESULT_FIXED_BYTES + DETECTION_BYTES + scores + spikes,
  );
  return cobsMaxEncodedBytes(body) + 1;
}
