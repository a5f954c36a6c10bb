/**
 * The virtual board's microphone (the mic_read import, docs/board-abi.md): 16-bit PCM that arrives
 * in a PcmQueue (a whole WAV file at once, or standard input as it comes) and plays from the
 * board's first mic_read on. Paced, a sample is handed over no earlier than its time at the rate
 * the loaded model's front-end takes (a board that falls behind gets the backlog: nothing is
 * dropped, as with the POSIX firmware's microphone file); unpaced, as fast as the board reads.
 */

import type { MicPort } from '../wasm/board-imports.js';

/** Samples waiting for the board, in arrival order. */
export class PcmQueue {
  /** Called when a take leaves fewer than `below` samples: a paused producer may go on. */
  onLow: { below: number; call: () => void } | undefined;
  private chunks: Int16Array[] = [];
  private first = 0;
  private queued = 0;
  private ended = false;

  push(samples: Int16Array): void {
    if (samples.length === 0) return;
    this.chunks.push(samples);
    this.queued += samples.length;
  }

  /** No more samples will come. */
  end(): void {
    this.ended = true;
  }

  get length(): number {
    return this.queued;
  }

  /** Every sample has come and gone. */
  get drained(): boolean {
    return this.ended && this.queued === 0;
  }

  /** Takes up to `max` samples off the front. */
  take(max: number): Int16Array {
    const out = new Int16Array(Math.max(0, Math.min(max, this.queued)));
    for (let at = 0; at < out.length;) {
      const chunk = this.chunks[0];
      if (!chunk) break;
      const n = Math.min(chunk.length - this.first, out.length - at);
      out.set(chunk.subarray(this.first, this.first + n), at);
      at += n;
      this.first += n;
      if (this.first === chunk.length) {
        this.chunks.shift();
        this.first = 0;
      }
    }
    this.queued -= out.length;
    if (this.onLow && this.queued < this.onLow.below) this.onLow.call();
    return out;
  }
}

export interface PacedMicOptions {
  /** Real time (default) or as fast as the board reads. */
  paced?: boolean;
  /** The rate the board's loaded model takes (0: no model with a front-end). */
  modelRateHz: () => number;
  /** The rate of the audio, when known (a WAV's); another model rate gets silence, said once. */
  sourceRateHz?: number;
  /** Microseconds, any origin. */
  nowUs: () => number;
  log?: (line: string) => void;
}

const NONE = new Int16Array(0);

export class PacedMic implements MicPort {
  /** Samples handed to the board. */
  delivered = 0;
  private started = false;
  private lastUs = 0;
  /** Samples due but not yet read: real time runs on while the board reads less. */
  private due = 0;
  private warnedRate = 0;

  constructor(
    private readonly queue: PcmQueue,
    private readonly options: PacedMicOptions,
  ) {}

  read(max: number): Int16Array {
    const rate = this.options.modelRateHz();
    const source = this.options.sourceRateHz;
    if (rate === 0) return NONE;
    if (source !== undefined && source !== rate) {
      if (this.warnedRate !== rate) {
        this.warnedRate = rate;
        this.options.log?.(
          `mic: the audio is ${source} Hz, the model's front-end takes ${rate} Hz: the microphone stays silent`,
        );
      }
      return NONE;
    }
    let n = max;
    if (this.options.paced !== false) {
      const now = this.options.nowUs();
      if (this.started) this.due += ((now - this.lastUs) * rate) / 1e6;
      this.started = true;
      this.lastUs = now;
      n = Math.min(n, Math.floor(this.due));
    }
    const samples = this.queue.take(n);
    this.due -= samples.length;
    this.delivered += samples.length;
    return samples;
  }
}
