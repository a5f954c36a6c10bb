/**
 * Streaming a spike train through a board (docs/protocol.md, "Streaming"):
 *
 *     STREAM_START(report, layer)      -> STREAMING: classes, inputs, nextStep
 *     SPIKES(firstStep, n steps) x N   -> n RESULT frames (unasked), then SPIKES_ACK(nextStep)
 *     STREAM_STOP                      -> STOPPED: steps, decision
 *
 * Several steps travel in one SPIKES frame, as many as the board's maxFrame holds. At most
 * `window` frames are unacknowledged at a time: the next goes out only when an ack frees a place
 * (back-pressure). Acks are cumulative (the board's next step), so a lost ack is healed by the
 * next one. A lost SPIKES frame shows as STEP_GAP on the frames after it, a silent board as a
 * timeout; both send everything again from the oldest unacknowledged frame (go-back-N), and the
 * board's step numbers make each step run exactly once. RESULTs are filed by step number,
 * duplicates dropped, and handed out in step order once the board's acks pass them; a step whose
 * RESULT never came is reported as lost.
 *
 * Paced (stepsPerSecond), each step is due at its own time: a frame carries only steps already
 * due, goes out when its first step is due, and frames are at least PACING_TICK_MS apart, so a
 * frame gathers the steps of a tick at high rates and carries a single step at low ones.
 */

import type { BoardClient, DeviceResult } from './client.js';
import { LinkTimeoutError, ProtocolError } from './errors.js';
import type { Frame } from './frame.js';
import { GoBackNWindow, type SentFrame } from './go-back-n.js';
import {
  decodeResult,
  encodeSpikes,
  Report,
  type ResultLayout,
  type SpikesAck,
  type StepResult,
  type Detection,
  type Stopped,
} from './messages.js';
import type { DeviceError } from './device-errors.js';
import {
  checkStepsFit,
  nextFrame,
  resultWireBytes,
  stepBudgetBytes,
  stepsPerFrameCap,
  StepPacer,
  StreamInputError,
} from './spikes-planner.js';
import { latencyStats, type LatencyStats } from '../util/percentile.js';

export const DEFAULT_WINDOW = 4;
/** Latency samples kept (the most recent), for the percentiles. */
export const LATENCY_SAMPLES_KEPT = 10000;

/** The time pacing reads (ms) and the timer it waits on; tests pass a fake one. */
export interface PacingClock {
  now(): number;
  /** Calls `wake` after `ms`; the function returned cancels it. */
  after(ms: number, wake: () => void): () => void;
}

const REAL_CLOCK: PacingClock = {
  now: () => performance.now(),
  after: (ms, wake) => {
    const timer = setTimeout(wake, ms);
    return () => clearTimeout(timer);
  },
};

export interface StreamOptions {
  /** SPIKES frames unacknowledged at most (undefined: DEFAULT_WINDOW). */
  window?: number | undefined;
  /** Report each step's readout scores. */
  scores?: boolean;
  /** Report the spikes of this layer (a spiking layer's index). */
  spikeLayer?: number;
  /** Cap on steps per SPIKES frame (default: as many as fit the board's maxFrame, at most 255). */
  maxStepsPerFrame?: number;
  /** Send no step before its time at this many steps per second (default: as fast as the link goes). */
  stepsPerSecond?: number;
  /** The pacing's clock (default: performance.now and setTimeout). */
  clock?: PacingClock;
  /** Stops the stream early (the board still gets STREAM_STOP). */
  signal?: AbortSignal;
  /** For live views: the running counters (the same object, updated in place) after each event. */
  onStats?: (stats: Readonly<StreamStats>) => void;
  /** For live views: each round-trip sample, in ms, as it is measured. */
  onLatency?: (ms: number) => void;
}

/**
 * One step of the stream: what its RESULT said, or that its RESULT was lost on the way. `detection`
 * is on the step whose RESULT first brought a new detection of the board's (its own `step` is the
 * board's step number, earlier than this one when the RESULTs in between were lost).
 */
export type StreamStep = (
  ({ t: number; lost: false } & Omit<StepResult, 'step'>) | { t: number; lost: true }
) & { detection?: Detection };

export interface StreamStats {
  /** Steps the board acknowledged. */
  steps: number;
  framesSent: number;
  /** Frames sent again (go-back-N). */
  framesRetried: number;
  timeouts: number;
  stepGaps: number;
  resultsReceived: number;
  resultsLost: number;
  duplicateResults: number;
  /** RESULT frames that did not decode (counted, treated as lost). */
  badResults: number;
  /** The board's detections the host has seen, and those it learnt of only by their count. */
  detections: number;
  detectionsLost: number;
  /** The most SPIKES frames ever unacknowledged at once. */
  maxInFlight: number;
  /** Round trip of a SPIKES frame, send to its ack (first sends only), in ms. */
  latencyMs: LatencyStats;
}

export type StreamSummary =
  | {
      ok: true;
      stats: StreamStats;
      classes: number;
      inputs: number;
      /** STREAM_STOP's reply: steps run and the decision. */
      stopped: Stopped;
      /** Ended early by the signal. */
      aborted: boolean;
      /** The latest detection, when only STOPPED brought it (every RESULT after it was lost). */
      lateDetection?: Detection;
    }
  | { ok: false; action: string; error: DeviceError; stats: StreamStats };

type Event =
  | { kind: 'reply'; frame: SentFrame; result: DeviceResult<SpikesAck> }
  | { kind: 'timeout'; frame: SentFrame; error: LinkTimeoutError }
  | { kind: 'link'; error: unknown }
  | { kind: 'tick' };

/**
 * Streams `train` (its steps' active channels) through the board, yielding each step in order.
 * Device errors end it with `{ ok: false }` (after STREAM_STOP where it makes sense); link
 * failures throw. Before a throw it yields every step the board is known to have run: those it
 * acknowledged and those it sent a RESULT for (a RESULT vouches for every step before it, since the
 * board runs them in order), even when the acknowledgement itself came too late or not at all.
 */
/**
 * The detection a RESULT or STOPPED brings if the host has not seen it: every RESULT repeats the
 * stream's latest detection with the running count, so only detections overtaken by a later one
 * before any of their RESULTs arrived are lost, and they are counted.
 */
export function newDetection(
  stats: StreamStats,
  count: number | undefined,
  latest: Detection | undefined,
): Detection | undefined {
  if (count === undefined || latest === undefined || count <= stats.detections) return undefined;
  stats.detectionsLost += count - stats.detections - 1;
  stats.detections = count;
  return latest;
}

export async function* streamSpikes(
  client: BoardClient,
  train: { steps: readonly (readonly number[])[] },
  options: StreamOptions = {},
): AsyncGenerator<StreamStep, StreamSummary> {
  const info = client.info ?? (await client.hello());
  const steps = train.steps;
  checkStepsFit(steps, info.maxFrame);
  const maxSteps = stepsPerFrameCap(options.maxStepsPerFrame);
  const report =
    (options.scores ? Report.scores : 0) | (options.spikeLayer !== undefined ? Report.spikes : 0);
  const latency: number[] = [];
  const stats: StreamStats = {
    steps: 0,
    framesSent: 0,
    framesRetried: 0,
    timeouts: 0,
    stepGaps: 0,
    resultsReceived: 0,
    resultsLost: 0,
    duplicateResults: 0,
    badResults: 0,
    detections: 0,
    detectionsLost: 0,
    maxInFlight: 0,
    latencyMs: { p50: null, p99: null, samples: 0 },
  };
  const finish = (): StreamStats => ({ ...stats, latencyMs: latencyStats(latency) });

  // RESULTs can arrive right after STREAM_START's reply: listen before asking.
  let layout: ResultLayout | undefined;
  let base = 0; // the board's step number of train step 0
  let emitted = 0; // train steps handed out so far
  // Past the newest RESULT: the board runs steps in order, so it passed every step before it.
  let ranTo = 0;
  const results = new Map<number, StepResult>();
  const stopListening = client.onResult((frame: Frame) => {
    if (!layout) return;
    let result: StepResult;
    try {
      result = decodeResult(frame.payload, layout);
    } catch {
      stats.badResults++;
      return;
    }
    const t = result.step - base;
    if (t < emitted || t >= steps.length || results.has(t)) {
      stats.duplicateResults++;
      return;
    }
    results.set(t, result);
    ranTo = Math.max(ranTo, t + 1);
  });

  const events: Event[] = [];
  let wake: (() => void) | undefined;
  const push = (event: Event): void => {
    events.push(event);
    wake?.();
  };
  const onAbort = (): void => push({ kind: 'tick' });
  options.signal?.addEventListener('abort', onAbort);
  let cancelPacing: (() => void) | undefined;

  try {
    const start = await client.streamStart(report, options.spikeLayer ?? 0);
    if (!start.ok) return { ok: false, action: 'start the stream', error: start.error, stats: finish() };
    const { classes, inputs } = start.reply;
    base = start.reply.nextStep;
    layout = { report, classes };
    const badStep = steps.findIndex((channels) => channels.some((c) => c >= inputs));
    if (badStep >= 0) {
      await client.streamStop().catch(() => undefined);
      const channel = steps[badStep].find((c) => c >= inputs);
      throw new StreamInputError(
        `step ${badStep}: channel ${channel} is not below the board model's ${inputs} inputs`,
      );
    }

    const resultBytes = resultWireBytes(info.maxFrame, layout);
    const clock = options.clock ?? REAL_CLOCK;
    const pacer = options.stepsPerSecond ? new StepPacer(options.stepsPerSecond, clock.now()) : undefined;
    let lastPacedAt: number | undefined;
    const gbn = new GoBackNWindow(
      Math.max(1, options.window ?? DEFAULT_WINDOW),
      stepBudgetBytes(info.maxFrame),
    );
    let aborted = false;
    // A link or protocol failure, thrown once the steps the board ran have been handed out.
    let failure: { error: unknown } | undefined;
    // The link counts as dead when the board's step has not moved for client.deadLinkMs('SPIKES')
    // (the docs' 1 + 4 tries of 500 ms) while frames were outstanding: silence, or go-back-N that
    // never gets anywhere.
    let progressAt = performance.now(); // when gbn.boardNext last moved
    let progressMark = 0;
    let timeoutsSinceProgress = 0;
    const checkAlive = (): void => {
      if (gbn.boardNext > progressMark) {
        progressMark = gbn.boardNext;
        progressAt = performance.now();
        timeoutsSinceProgress = 0;
        return;
      }
      const silentMs = performance.now() - progressAt;
      if (silentMs >= client.deadLinkMs('SPIKES')) {
        throw new LinkTimeoutError('SPIKES', timeoutsSinceProgress, silentMs);
      }
    };
    const goBack = (): void => {
      checkAlive();
      gbn.goBack();
    };
    const send = (stepsAtMost: number): void => {
      const frame = gbn.sent(nextFrame(steps, gbn.nextStep, gbn.budget, stepsAtMost), performance.now());
      const payload = encodeSpikes(base + frame.first, steps.slice(frame.first, frame.first + frame.count));
      stats.framesSent++;
      if (frame.retry) stats.framesRetried++;
      stats.maxInFlight = Math.max(stats.maxInFlight, gbn.inFlightCount);
      client.send('SPIKES', payload, { extraReplyBytes: frame.count * resultBytes }).then(
        (result) => push({ kind: 'reply', frame, result }),
        (error: unknown) =>
          push(
            error instanceof LinkTimeoutError ? { kind: 'timeout', frame, error } : { kind: 'link', error },
          ),
      );
    };

    for (;;) {
      // Once aborted nothing more goes out; what is in flight may still be acknowledged.
      if (options.signal?.aborted) aborted = true;
      // Fill the window.
      while (!aborted && !failure && gbn.canSend(steps.length)) {
        let stepsAtMost = maxSteps;
        if (pacer) {
          const now = clock.now();
          // A resend goes at once (its steps are overdue); a new frame when its first step is due,
          // a tick after the last, whatever event (an ack, say) woke the loop before that.
          const resend = gbn.nextStep < gbn.sentEnd;
          const sendAt = resend ? now : pacer.sendAt(gbn.nextStep, lastPacedAt);
          if (sendAt > now) {
            cancelPacing ??= clock.after(sendAt - now, () => {
              cancelPacing = undefined;
              push({ kind: 'tick' });
            });
            break;
          }
          stepsAtMost = Math.min(maxSteps, pacer.dueBy(now) - gbn.nextStep);
          lastPacedAt = now;
        }
        send(stepsAtMost);
      }
      // Hand out every step the board has passed, in order; then a failure seen meanwhile ends it.
      while (emitted < gbn.boardNext) {
        const t = emitted++;
        const result = results.get(t);
        results.delete(t);
        if (result) {
          stats.resultsReceived++;
          const { step, ...rest } = result;
          const detection = newDetection(stats, result.detections, result.lastDetection);
          yield { t, lost: false, ...rest, ...(detection ? { detection } : {}) };
        } else {
          stats.resultsLost++;
          yield { t, lost: true };
        }
      }
      stats.steps = gbn.boardNext;
      options.onStats?.(stats);
      if (failure) throw failure.error;
      if (gbn.boardNext >= steps.length) break;
      if (aborted && gbn.inFlightCount === 0) break;

      if (events.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
      // What the RESULTs say the board ran is a fact whatever these events say, so it counts first.
      gbn.advanceTo(ranTo);
      try {
        for (const event of events.splice(0)) {
          if (event.kind === 'link') throw event.error;
          if (event.kind === 'tick') continue;
          const { frame } = event;
          const current = gbn.isCurrent(frame);
          if (event.kind === 'timeout') {
            stats.timeouts++;
            timeoutsSinceProgress++;
            if (!current || frame.first + frame.count <= gbn.boardNext) continue;
            goBack();
            continue;
          }
          const { result } = event;
          if (result.ok) {
            // A repeat is answered with the board's next step, which may lie past the repeated frame.
            const step = result.reply.nextStep - base;
            if (step < 0 || step > gbn.sentEnd) {
              throw new ProtocolError(
                `SPIKES_ACK names step ${result.reply.nextStep}, beyond the steps sent (up to ${base + gbn.sentEnd})`,
              );
            }
            gbn.advanceTo(step);
            if (!frame.retry && step === frame.first + frame.count) {
              const ms = performance.now() - frame.sentAt;
              latency.push(ms);
              if (latency.length > LATENCY_SAMPLES_KEPT) latency.shift();
              options.onLatency?.(ms);
            }
            gbn.acked(frame);
            // A repeat that reaches past where the board stands runs nothing (docs/protocol.md): the
            // board stopped inside this frame, so the rest goes again, or nothing would ever send it.
            if (current && step < frame.first + frame.count) goBack();
            continue;
          }
          if (result.error.name === 'STEP_GAP') {
            // A frame before this one was lost: the board names where it stands.
            stats.stepGaps++;
            const boardStep = result.error.detail - base;
            if (boardStep < 0 || boardStep > gbn.sentEnd) {
              throw new ProtocolError(`STEP_GAP names step ${result.error.detail}, outside the steps sent`);
            }
            gbn.advanceTo(boardStep);
            if (current) goBack();
            continue;
          }
          await client.streamStop().catch(() => undefined);
          return {
            ok: false,
            action: `stream steps ${frame.first}..${frame.first + frame.count - 1}`,
            error: result.error,
            stats: finish(),
          };
        }
      } catch (error) {
        failure = { error };
      }
    }

    const stop = await client.streamStop();
    if (!stop.ok) return { ok: false, action: 'stop the stream', error: stop.error, stats: finish() };
    const late = newDetection(stats, stop.reply.detections, stop.reply.lastDetection);
    return {
      ok: true,
      stats: finish(),
      classes,
      inputs,
      stopped: stop.reply,
      aborted,
      ...(late ? { lateDetection: late } : {}),
    };
  } finally {
    stopListening();
    options.signal?.removeEventListener('abort', onAbort);
    cancelPacing?.();
  }
}

/** streamSpikes collected, for callers that want the whole run at once: every step, then the summary. */
export async function runStream(
  client: BoardClient,
  train: { steps: readonly (readonly number[])[] },
  options: StreamOptions = {},
  onStep?: (step: StreamStep) => void,
): Promise<{ steps: StreamStep[]; summary: StreamSummary }> {
  const steps: StreamStep[] = [];
  const stream = streamSpikes(client, train, options);
  for (;;) {
    const item = await stream.next();
    if (item.done) return { steps, summary: item.value };
    steps.push(item.value);
    onStep?.(item.value);
  }
}
