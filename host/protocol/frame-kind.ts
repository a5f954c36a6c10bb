/**
 * What a stream's frames carry, for the one go-back-N loop of stream.ts: spike steps in SPIKES
 * frames (spikes-planner.ts) or 16-bit samples in AUDIO frames (audio-sender.ts). The loop counts
 * in the kind's units (a step, a sample): the window, the acks (the board's next unit), STEP_GAP's
 * detail and the pacing. RESULTs are steps; the kind says how many steps a number of units makes.
 */

import type { PlannedFrame } from './spikes-planner.js';
import type { ReplyOf, Streaming } from './messages.js';

export type StreamRequest = 'SPIKES' | 'AUDIO';

export interface FrameKind<Chunk, R extends StreamRequest> {
  readonly request: R;
  /** "step" or "sample", for messages. */
  readonly unitName: string;
  /** STREAM_START report bits the kind adds (SOURCE_AUDIO for audio). */
  readonly reportBits: number;
  /** Units per step, to pace the stream in steps. */
  readonly unitsPerStep: number;
  /** Units one frame carries at most (a SPIKES frame's step count is a u8). */
  readonly maxUnitsPerFrame: number;
  /** Units arrived so far (they are numbered from 0). */
  readonly available: number;
  /** The bytes a frame offers for units, at a board's maxFrame. */
  budgetBytes(maxFrame: number): number;
  /**
   * Takes the next chunk of input, or throws StreamInputError (taking none of it) when a unit of it
   * cannot travel: a step too big for a frame, a channel not below the board model's `inputs`.
   */
  append(chunk: Chunk, maxFrame: number, inputs: number): void;
  /** The board has every unit before `unit`: they are never sent again, and may be forgotten. */
  drop(unit: number): void;
  /** The frame from unit `first` (below available): as many units as fit, at least one. */
  plan(first: number, budgetBytes: number, maxUnits: number): PlannedFrame;
  /** The frame's payload, its first unit numbered `boardFirst` for the board. */
  encode(boardFirst: number, frame: PlannedFrame): Uint8Array;
  /** The board's next unit, as its ack names it. */
  ackedUnit(reply: ReplyOf[R]): number;
  /** The board's number of unit 0, from STREAM_START's reply. */
  unitBase(start: Streaming): number;
  /** Steps the board has run once it has taken `units` units. */
  stepsAfter(units: number): number;
  /** Units the board has taken at least, once it has run `steps` steps. */
  unitsFor(steps: number): number;
}
