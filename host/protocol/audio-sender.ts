/**
 * Audio to a board (docs/protocol.md, "Streaming", report bit 3 SOURCE_AUDIO): 16-bit PCM in AUDIO
 * frames, each as many samples as the board's maxFrame holds, encoded into spikes by the board's
 * own front-end. The sending (window, go-back-N, back-pressure, pacing, RESULTs by step) is
 * stream.ts's, with a sample as the unit: the board acks with its next sample and names it in
 * STEP_GAP, and runs a step per completed hop, so the RESULTs a number of samples brings follow
 * from the front-end's window and hop.
 */

import type { BoardClient } from './client.js';
import type { FrameKind } from './frame-kind.js';
import { FRAME_OVERHEAD_BYTES } from './frame.js';
import { AUDIO_HEADER_BYTES, encodeAudio, Report, type AudioAck } from './messages.js';
import type { PlannedFrame } from './spikes-planner.js';
import { streamFrames, type StreamOptions, type StreamStep, type StreamSummary } from './stream.js';
import { frontendHopSamples, frontendWindowSamples, type FrontendConfig } from '../model/frontend-config.js';

/** Samples arrived and not yet taken by the board, in one growing buffer. */
export class AudioKind implements FrameKind<Int16Array, 'AUDIO'> {
  readonly request = 'AUDIO';
  readonly unitName = 'sample';
  readonly reportBits = Report.audio;
  readonly unitsPerStep: number;
  readonly maxUnitsPerFrame = Infinity;
  private readonly window: number;
  private buffer = new Int16Array(4096);
  /** The sample number of buffer[0], and how many samples the buffer holds from there. */
  private start = 0;
  private held = 0;

  constructor(frontend: FrontendConfig) {
    this.unitsPerStep = frontendHopSamples(frontend);
    this.window = frontendWindowSamples(frontend);
  }

  get available(): number {
    return this.start + this.held;
  }

  budgetBytes(maxFrame: number): number {
    return maxFrame - FRAME_OVERHEAD_BYTES - AUDIO_HEADER_BYTES;
  }

  append(chunk: Int16Array): void {
    if (this.held + chunk.length > this.buffer.length) {
      const grown = new Int16Array(Math.max(2 * this.buffer.length, this.held + chunk.length));
      grown.set(this.buffer.subarray(0, this.held));
      this.buffer = grown;
    }
    this.buffer.set(chunk, this.held);
    this.held += chunk.length;
  }

  drop(unit: number): void {
    const gone = Math.min(unit - this.start, this.held);
    // Moved down only once half the buffer is gone, so each sample moves about once.
    if (gone <= 0 || 2 * gone < this.buffer.length) return;
    this.buffer.copyWithin(0, gone, this.held);
    this.start += gone;
    this.held -= gone;
  }

  plan(first: number, budgetBytes: number, maxUnits: number): PlannedFrame {
    const count = Math.min(Math.floor(budgetBytes / 2), maxUnits, this.available - first);
    return { first, count: Math.max(1, count) };
  }

  encode(boardFirst: number, frame: PlannedFrame): Uint8Array {
    const at = frame.first - this.start;
    return encodeAudio(boardFirst, this.buffer.subarray(at, at + frame.count));
  }

  ackedUnit(reply: AudioAck): number {
    return reply.nextSample;
  }

  unitBase(): number {
    // STREAM_START numbers an audio stream's samples from 0.
    return 0;
  }

  stepsAfter(units: number): number {
    return units < this.window ? 0 : Math.floor((units - this.window) / this.unitsPerStep) + 1;
  }

  unitsFor(steps: number): number {
    return steps === 0 ? 0 : this.window + (steps - 1) * this.unitsPerStep;
  }
}

/**
 * Streams audio (16-bit samples at `frontend`'s rate, in chunks as they arrive) through the board's
 * model and its front-end, yielding each step in order, as streamSpikes does for spike steps.
 */
export function streamAudio(
  client: BoardClient,
  samples: Iterable<Int16Array> | AsyncIterable<Int16Array>,
  frontend: FrontendConfig,
  options: StreamOptions = {},
): AsyncGenerator<StreamStep, StreamSummary> {
  return streamFrames(client, new AudioKind(frontend), samples, options);
}
