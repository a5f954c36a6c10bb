/**
 * The sender's side of go-back-N over SPIKES frames, in train steps: which steps the board has
 * run, which frames are out, and how many bytes the next frame may carry. It keeps no time and
 * sends nothing; the stream driver (stream.ts) asks it what to send and tells it what came back.
 *
 * Frame sizing on a lossy link: after a loss (go back) the next frames carry half the bytes, down
 * to MIN_STEP_BUDGET_BYTES (a frame still carries at least one step); after GROW_AFTER_FRAMES acks
 * in a row of the current epoch they double again, up to the full budget.
 */

import type { PlannedFrame } from './spikes-planner.js';

export const GROW_AFTER_FRAMES = 8;
export const MIN_STEP_BUDGET_BYTES = 16;

export interface SentFrame extends PlannedFrame {
  /** The go-back-N epoch it was sent in. */
  epoch: number;
  sentAt: number;
  /** Some of its steps went out before (go-back-N). */
  retry: boolean;
}

export class GoBackNWindow {
  /** The board's next step: every step before it ran. */
  boardNext = 0;
  /** The next step to send. */
  nextStep = 0;
  /** The end of the furthest frame sent. */
  sentEnd = 0;
  /** Bumped at every go back; replies to frames of older epochs only inform. */
  epoch = 0;
  /** The bytes of steps the next frame may carry. */
  budget: number;
  /** Sent in this epoch, not yet acknowledged, in order. */
  private inFlight: SentFrame[] = [];
  private goodInARow = 0;

  constructor(
    /** Frames unacknowledged at most. */
    readonly size: number,
    /** The budget of a full frame at the board's maxFrame. */
    readonly fullBudget: number,
  ) {
    if (!(size >= 1)) throw new RangeError(`window of ${size} frames`);
    this.budget = fullBudget;
  }

  get inFlightCount(): number {
    return this.inFlight.length;
  }

  /** Whether a frame may go out now, with `totalSteps` steps in the train. */
  canSend(totalSteps: number): boolean {
    return this.nextStep < totalSteps && this.inFlight.length < this.size;
  }

  /** Records `planned` (which starts at nextStep) as sent at `sentAt`. */
  sent(planned: PlannedFrame, sentAt: number): SentFrame {
    if (this.inFlight.length >= this.size) throw new RangeError(`window of ${this.size} frames is full`);
    const frame: SentFrame = { ...planned, epoch: this.epoch, sentAt, retry: planned.first < this.sentEnd };
    this.nextStep = planned.first + planned.count;
    this.sentEnd = Math.max(this.sentEnd, this.nextStep);
    this.inFlight.push(frame);
    return frame;
  }

  /** Whether `frame` belongs to the current epoch (its loss or ack changes the sending). */
  isCurrent(frame: SentFrame): boolean {
    return frame.epoch === this.epoch;
  }

  /** The board stands at `step` (acks are cumulative): frames it has passed leave the window. */
  advanceTo(step: number): void {
    if (step > this.boardNext) this.boardNext = step;
    this.inFlight = this.inFlight.filter((f) => f.first + f.count > this.boardNext);
    if (this.nextStep < this.boardNext) this.nextStep = this.boardNext;
  }

  /** An ack of `frame` arrived: a run of GROW_AFTER_FRAMES in the current epoch doubles the budget. */
  acked(frame: SentFrame): void {
    if (this.isCurrent(frame) && ++this.goodInARow >= GROW_AFTER_FRAMES && this.budget < this.fullBudget) {
      this.budget = Math.min(this.fullBudget, this.budget * 2);
      this.goodInARow = 0;
    }
  }

  /** A frame was lost: send again from the board's step, with half the bytes per frame. */
  goBack(): void {
    this.epoch++;
    this.nextStep = this.boardNext;
    this.inFlight = [];
    this.budget = Math.max(Math.min(MIN_STEP_BUDGET_BYTES, this.fullBudget), this.budget >> 1);
    this.goodInARow = 0;
  }
}
