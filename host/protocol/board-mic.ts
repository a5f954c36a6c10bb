/**
 * A microphone stream (docs/protocol.md, report bit 4 SOURCE_MIC): the board runs its front-end on
 * its own microphone and sends a RESULT per hop, unasked, until STREAM_STOP. The host sends no
 * frames, so there is no window, ack or resend: RESULTs are filed by step, duplicates dropped, and
 * handed out in step order as soon as a later step's RESULT shows the board has passed them (the
 * board runs steps in order; a step it passed without a RESULT arriving is lost). The steps and the
 * summary are those of every other stream (stream.ts).
 *
 * A board without a microphone (mic_read always 0, as the MPS2 port under QEMU) runs no step and
 * sends nothing, which looks like a dead link: after QUIET_MS without a RESULT the host asks HELLO,
 * which throws if the link is gone, and otherwise says once that the board is silent.
 */

import type { BoardClient, DeviceResult } from './client.js';
import { LinkTimeoutError } from './errors.js';
import type { Frame } from './frame.js';
import { encodeStreamStart, Report, type ResultLayout, type StepResult, type Streaming } from './messages.js';
import {
  decodeResultFrame,
  newDetection,
  newStreamStats,
  takeStep,
  type StreamOptions,
  type StreamStep,
  type StreamSummary,
} from './stream.js';

/** How long without a RESULT before the link is checked and the silence reported. */
export const QUIET_MS = 3000;

export interface BoardMicOptions extends Pick<
  StreamOptions,
  'scores' | 'spikeLayer' | 'signal' | 'onStats' | 'onNote'
> {
  /** Stops the stream after this long (default: only the signal stops it). */
  durationMs?: number;
  /** How long without a RESULT before onNote hears of it once (default QUIET_MS). */
  quietMs?: number;
}

/**
 * STREAM_START, asked again only after a STREAM_STOP: a start whose STREAMING was lost is already
 * running hops, and a plain retry would restart the board with its RESULTs still on the way,
 * indistinguishable from the new start's (same seq, steps from 0 again). Every RESULT of a stopped
 * start comes before its STOPPED, so `forget` drops them once STOPPED is in.
 */
async function startOnce(
  client: BoardClient,
  report: number,
  spikeLayer: number,
  forget: () => void,
): Promise<DeviceResult<Streaming>> {
  const retries = client.timingOf('STREAM_START').retries;
  for (let tries = 1; ; tries++) {
    try {
      return await client.send('STREAM_START', encodeStreamStart(report, spikeLayer));
    } catch (error) {
      if (!(error instanceof LinkTimeoutError) || tries > retries) throw error;
      await client.streamStop(); // NOT_STREAMING when the start never arrived: as good
      forget();
    }
  }
}

/**
 * Streams the board's own microphone, yielding each step in order until the signal or the
 * duration ends it; then STREAM_STOP, whose step count names the steps whose RESULTs never came.
 * A refused STREAM_START or STREAM_STOP ends it with `{ ok: false }`; link failures throw.
 */
export async function* streamBoardMic(
  client: BoardClient,
  options: BoardMicOptions = {},
): AsyncGenerator<StreamStep, StreamSummary> {
  const report =
    Report.mic |
    (options.scores ? Report.scores : 0) |
    (options.spikeLayer !== undefined ? Report.spikes : 0);
  const stats = newStreamStats();
  const results = new Map<number, StepResult>();
  let layout: ResultLayout | undefined;
  let stepBase = 0;
  let emitted = 0;
  let ranTo = 0; // past the newest RESULT's step
  let heardAt = performance.now();
  let wake: (() => void) | undefined;

  // The board runs the hops its microphone has the moment it starts the stream: their RESULTs can
  // come in the same read as STREAMING, before its reply (the classes) gives their layout. They
  // wait in `early` until then.
  const early: Frame[] = [];
  const file = (frame: Frame): void => {
    if (!layout) {
      early.push(frame);
      return;
    }
    const result = decodeResultFrame(frame, layout, stats);
    if (!result) return;
    const t = result.step - stepBase;
    if (t < emitted || results.has(t)) {
      stats.duplicateResults++;
      return;
    }
    results.set(t, result);
    ranTo = Math.max(ranTo, t + 1);
    heardAt = performance.now();
    wake?.();
  };
  const stopListening = client.onResult(file);
  const onAbort = (): void => wake?.();
  options.signal?.addEventListener('abort', onAbort);
  const timers: NodeJS.Timeout[] = [];

  try {
    const start = await startOnce(client, report, options.spikeLayer ?? 0, () => (early.length = 0));
    if (!start.ok) return { ok: false, action: 'start the stream', error: start.error, stats: { ...stats } };
    const { classes, inputs } = start.reply;
    stepBase = start.reply.nextStep;
    layout = { report, classes };
    for (const frame of early.splice(0)) file(frame);
    const startedAt = performance.now();
    const endAt = options.durationMs === undefined ? Infinity : startedAt + options.durationMs;
    const quietMs = options.quietMs ?? QUIET_MS;
    let quietSaid = false;
    let timedOut = false;

    const handOut = function* (until: number): Generator<StreamStep> {
      while (emitted < until) yield takeStep(stats, results, emitted++);
      stats.steps = emitted;
      options.onStats?.(stats);
    };

    for (;;) {
      yield* handOut(ranTo);
      if (options.signal?.aborted) break;
      const now = performance.now();
      if (now >= endAt) {
        timedOut = true;
        break;
      }
      if (now - heardAt >= quietMs) {
        // Throws if the link is gone; a board that answers is alive but hears nothing.
        await client.hello();
        if (!quietSaid && performance.now() - heardAt >= quietMs) {
          quietSaid = true;
          options.onNote?.(
            `no step from the board's microphone for ${quietMs / 1000} s (a board without a microphone runs none)`,
          );
        }
        heardAt = performance.now();
        continue;
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
        timers.push(setTimeout(resolve, Math.min(endAt, heardAt + quietMs) - now));
      });
      wake = undefined;
      for (const timer of timers.splice(0)) clearTimeout(timer);
    }

    const stop = await client.streamStop();
    if (!stop.ok) return { ok: false, action: 'stop the stream', error: stop.error, stats: { ...stats } };
    // RESULTs that came before STOPPED, then the steps the board ran whose RESULTs never came.
    yield* handOut(Math.max(ranTo, stop.reply.steps - stepBase));
    const late = newDetection(stats, stop.reply.detections, stop.reply.lastDetection);
    return {
      ok: true,
      stats: { ...stats },
      classes,
      inputs,
      stopped: stop.reply,
      aborted: !timedOut,
      ...(late ? { lateDetection: late } : {}),
    };
  } finally {
    for (const timer of timers) clearTimeout(timer);
    stopListening();
    options.signal?.removeEventListener('abort', onAbort);
  }
}
