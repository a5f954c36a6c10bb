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
 * The board's pace: each frame's reply wait scales with the steps the board must run before it can
 * answer, up to the frame's end (client.ts, round-trip.ts), so a slow but healthy board is waited
 * for. While the client has measured no round trip of the kind's request yet, the first frame is a
 * probe: one step's units, alone in flight.
 *
 * Paced (stepsPerSecond), each step is due at its own time: a frame carries only steps already
 * due, goes out when its first step is due, and frames are at least PACING_TICK_MS apart, so a
 * frame gathers the steps of a tick at high rates and carries a single step at low ones.
 *
 * Audio travels the same way (streamFrames, with audio-sender.ts's kind): AUDIO(firstSample,
 * samples) frames, AUDIO_ACK(nextSample), STEP_GAP naming the next sample; the loop counts in the
 * kind's units (frame-kind.ts) and files RESULTs by step either way.
 */

import type { BoardClient, DeviceResult } from './client.js';
import { LinkTimeoutError, ProtocolError } from './errors.js';
import type { Frame } from './frame.js';
import { GoBackNWindow, type SentFrame } from './go-back-n.js';
import type { FrameKind, StreamRequest } from './frame-kind.js';
import {
  decodeResult,
  Report,
  type ReplyOf,
  type ResultLayout,
  type StepResult,
  type Detection,
  type Stopped,
} from './messages.js';
import type { DeviceError } from './device-errors.js';
import { resultWireBytes, SpikesKind, stepsPerFrameCap, StepPacer } from './spikes-planner.js';
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
  /** SPIKES or AUDIO frames unacknowledged at most (undefined: DEFAULT_WINDOW). */
  window?: number | undefined;
  /** Report each step's readout scores. */
  scores?: boolean;
  /** Report the spikes of this layer (a spiking layer's index). */
  spikeLayer?: number;
  /** Cap on steps per frame, for AUDIO the samples of as many hops (default: as many as fit the board's maxFrame, at most 255 steps). */
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
  /** A remark for the user about the stream (a microphone stream's silence, board-mic.ts). */
  onNote?: (message: string) => void;
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
  /**
   * Round trip of a frame, send to its ack, in ms: of frames sent for the first time, or, when no
   * such frame was acknowledged, of the resent ones (each send has its own seq, so its ack is
   * unambiguous, but a resent frame's steps may have run already).
   */
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

type Event<R extends StreamRequest> =
  | { kind: 'reply'; frame: SentFrame; result: DeviceResult<ReplyOf[R]> }
  | { kind: 'timeout'; frame: SentFrame; error: LinkTimeoutError }
  | { kind: 'link'; error: unknown }
  | { kind: 'tick' };

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

/** The counters of a stream before its first event. */
export function newStreamStats(): StreamStats {
  return {
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
}

/**
 * Step `t` as the stream hands it out: its RESULT (taken from `results`, filed by stream step),
 * with the detection it first brought, or lost when none came; counted in `stats`.
 */
export function takeStep(stats: StreamStats, results: Map<number, StepResult>, t: number): StreamStep {
  const result = results.get(t);
  results.delete(t);
  if (!result) {
    stats.resultsLost++;
    return { t, lost: true };
  }
  stats.resultsReceived++;
  const { step, ...rest } = result;
  const detection = newDetection(stats, result.detections, result.lastDetection);
  return { t, lost: false, ...rest, ...(detection ? { detection } : {}) };
}

/** Units buffered ahead of the board (in steps) before live input is read further. */
const READ_AHEAD_STEPS = 4096;

/**
 * Streams `train` (its steps' active channels) through the board, yielding each step in order.
 * Device errors end it with `{ ok: false }` (after STREAM_STOP where it makes sense); link
 * failures throw. Before a throw it yields every step the board is known to have run: those it
 * acknowledged and those it sent a RESULT for (a RESULT vouches for every step before it, since the
 * board runs them in order), even when the acknowledgement itself came too late or not at all.
 */
/** A RESULT frame decoded for `layout`, or undefined (counted as a bad result) when it does not decode. */
export function decodeResultFrame(
  frame: Frame,
  layout: ResultLayout,
  stats: StreamStats,
): StepResult | undefined {
  try {
    return decodeResult(frame.payload, layout);
  } catch {
    stats.badResults++;
    return undefined;
  }
}

export function streamSpikes(
  client: BoardClient,
  train: { steps: readonly (readonly number[])[] },
  options: StreamOptions = {},
): AsyncGenerator<StreamStep, StreamSummary> {
  return streamFrames(client, new SpikesKind(), [train.steps], options);
}

/**
 * The stream of either kind (frame-kind.ts): `input`'s chunks are taken as they arrive (read ahead
 * of the board by at most READ_AHEAD_STEPS steps), and the stream ends once the board has every
 * unit of an ended input. Input that cannot travel (StreamInputError) or an input that fails
 * (a malformed end) ends the input there: what came before it is streamed, then STREAM_STOP, then
 * that error is thrown.
 */
export async function* streamFrames<Chunk, R extends StreamRequest>(
  client: BoardClient,
  kind: FrameKind<Chunk, R>,
  input: Iterable<Chunk> | AsyncIterable<Chunk>,
  options: StreamOptions = {},
): AsyncGenerator<StreamStep, StreamSummary> {
  const info = client.info ?? (await client.hello());
  const unit = kind.unitName;
  const report =
    kind.reportBits |
    (options.scores ? Report.scores : 0) |
    (options.spikeLayer !== undefined ? Report.spikes : 0);
  const latency: number[] = [];
  const resentLatency: number[] = [];
  const stats = newStreamStats();
  const finish = (): StreamStats => ({
    ...stats,
    latencyMs: latencyStats(latency.length > 0 ? latency : resentLatency),
  });

  // RESULTs can arrive right after STREAM_START's reply: listen before asking.
  let layout: ResultLayout | undefined;
  let stepBase = 0; // the board's step number of the stream's step 0
  let emitted = 0; // steps handed out so far
  let sentEnd = 0; // the end of the furthest frame sent, in units
  // Past the newest RESULT: the board runs steps in order, so it passed every step before it.
  let ranTo = 0;
  const results = new Map<number, StepResult>();
  const stopListening = client.onResult((frame: Frame) => {
    if (!layout) return;
    const result = decodeResultFrame(frame, layout, stats);
    if (!result) return;
    const t = result.step - stepBase;
    if (t < emitted || t >= kind.stepsAfter(sentEnd) || results.has(t)) {
      stats.duplicateResults++;
      return;
    }
    results.set(t, result);
    ranTo = Math.max(ranTo, t + 1);
  });

  const events: Event<R>[] = [];
  let wake: (() => void) | undefined;
  const push = (event: Event<R>): void => {
    events.push(event);
    wake?.();
  };
  const onAbort = (): void => push({ kind: 'tick' });
  options.signal?.addEventListener('abort', onAbort);
  let cancelPacing: (() => void) | undefined;
  const chunks = Symbol.asyncIterator in input ? input[Symbol.asyncIterator]() : input[Symbol.iterator]();
  let inputEnded = false;
  let inputFailure: { error: unknown } | undefined;
  let readMore: (() => void) | undefined;
  let closed = false;

  try {
    const start = await client.streamStart(report, options.spikeLayer ?? 0);
    if (!start.ok) return { ok: false, action: 'start the stream', error: start.error, stats: finish() };
    const { classes, inputs } = start.reply;
    stepBase = start.reply.nextStep;
    const unitBase = kind.unitBase(start.reply);
    layout = { report, classes };

    const resultBytes = resultWireBytes(info.maxFrame, layout);
    const clock = options.clock ?? REAL_CLOCK;
    const pacer = options.stepsPerSecond
      ? new StepPacer(options.stepsPerSecond * kind.unitsPerStep, clock.now())
      : undefined;
    let lastPacedAt: number | undefined;
    const maxUnits = Math.min(
      kind.maxUnitsPerFrame,
      stepsPerFrameCap(options.maxStepsPerFrame) * kind.unitsPerStep,
    );
    const gbn = new GoBackNWindow(
      Math.max(1, options.window ?? DEFAULT_WINDOW),
      kind.budgetBytes(info.maxFrame),
    );

    // The input, read as it comes and at most READ_AHEAD_STEPS ahead of the board.
    void (async () => {
      try {
        for (;;) {
          while (!closed && kind.available - gbn.boardNext > READ_AHEAD_STEPS * kind.unitsPerStep) {
            await new Promise<void>((resolve) => (readMore = resolve));
          }
          if (closed) return;
          const next = await chunks.next();
          if (next.done || closed) return;
          kind.append(next.value, info.maxFrame, inputs);
          push({ kind: 'tick' });
        }
      } catch (error) {
        inputFailure = { error };
      } finally {
        inputEnded = true;
        push({ kind: 'tick' });
      }
    })();

    let aborted = false;
    // A link or protocol failure, thrown once the steps the board ran have been handed out.
    let failure: { error: unknown } | undefined;
    // The link counts as dead when the board's unit has not moved for client.deadLinkMs (the docs'
    // 1 + 4 tries of 500 ms, after the steps outstanding at the measured pace) while frames were
    // outstanding: silence, or go-back-N that never gets anywhere.
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
      const outstanding = kind.stepsAfter(gbn.sentEnd) - kind.stepsAfter(gbn.boardNext);
      if (silentMs >= client.deadLinkMs(kind.request, outstanding)) {
        throw new LinkTimeoutError(kind.request, timeoutsSinceProgress, silentMs);
      }
    };
    const goBack = (): void => {
      checkAlive();
      gbn.goBack();
    };
    let probing = client.timingOf(kind.request).adaptive && !client.measured(kind.request);
    const send = (unitsAtMost: number): void => {
      // A probe carries the units that complete one more step.
      const probe = kind.unitsFor(kind.stepsAfter(gbn.nextStep) + 1) - gbn.nextStep;
      const units = probing ? Math.min(unitsAtMost, probe) : unitsAtMost;
      const frame = gbn.sent(kind.plan(gbn.nextStep, gbn.budget, units), performance.now());
      sentEnd = gbn.sentEnd;
      const payload = kind.encode(unitBase + frame.first, frame);
      stats.framesSent++;
      if (frame.retry) stats.framesRetried++;
      stats.maxInFlight = Math.max(stats.maxInFlight, gbn.inFlightCount);
      const steps = kind.stepsAfter(frame.first + frame.count) - kind.stepsAfter(frame.first);
      // The board answers once it has run every step up to this frame's end.
      const work = kind.stepsAfter(frame.first + frame.count) - kind.stepsAfter(gbn.boardNext);
      client.send(kind.request, payload, { extraReplyBytes: steps * resultBytes, work }).then(
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
      while (!aborted && !failure && gbn.canSend(kind.available) && !(probing && gbn.inFlightCount > 0)) {
        let unitsAtMost = maxUnits;
        if (pacer) {
          const now = clock.now();
          // A resend goes at once (its units are overdue); a new frame when its first unit is due,
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
          unitsAtMost = Math.min(maxUnits, pacer.dueBy(now) - gbn.nextStep);
          lastPacedAt = now;
        }
        send(unitsAtMost);
      }
      // Hand out every step the board has passed, in order; then a failure seen meanwhile ends it.
      const passed = kind.stepsAfter(gbn.boardNext);
      while (emitted < passed) {
        const t = emitted++;
        yield takeStep(stats, results, t);
      }
      stats.steps = passed;
      options.onStats?.(stats);
      if (failure) throw failure.error;
      if (inputEnded && gbn.boardNext >= kind.available) break;
      if (aborted && gbn.inFlightCount === 0) break;

      if (events.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
      // What the RESULTs say the board ran is a fact whatever these events say, so it counts first.
      gbn.advanceTo(kind.unitsFor(ranTo));
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
          probing = false;
          if (result.ok) {
            // A repeat is answered with the board's next unit, which may lie past the repeated frame.
            const next = kind.ackedUnit(result.reply) - unitBase;
            if (next < 0 || next > gbn.sentEnd) {
              throw new ProtocolError(
                `${kind.request}_ACK names ${unit} ${next + unitBase}, beyond the ${unit}s sent (up to ${unitBase + gbn.sentEnd})`,
              );
            }
            gbn.advanceTo(next);
            if (next === frame.first + frame.count) {
              const ms = performance.now() - frame.sentAt;
              const kept = frame.retry ? resentLatency : latency;
              kept.push(ms);
              if (kept.length > LATENCY_SAMPLES_KEPT) kept.shift();
              if (!frame.retry) options.onLatency?.(ms);
            }
            gbn.acked(frame);
            // A repeat that reaches past where the board stands runs nothing (docs/protocol.md): the
            // board stopped inside this frame, so the rest goes again, or nothing would ever send it.
            if (current && next < frame.first + frame.count) goBack();
            continue;
          }
          if (result.error.name === 'STEP_GAP') {
            // A frame before this one was lost: the board names where it stands.
            stats.stepGaps++;
            const boardNext = result.error.detail - unitBase;
            if (boardNext < 0 || boardNext > gbn.sentEnd) {
              throw new ProtocolError(
                `STEP_GAP names ${unit} ${result.error.detail}, outside the ${unit}s sent`,
              );
            }
            gbn.advanceTo(boardNext);
            if (current) goBack();
            continue;
          }
          await client.streamStop().catch(() => undefined);
          return {
            ok: false,
            action: `stream ${unit}s ${frame.first}..${frame.first + frame.count - 1}`,
            error: result.error,
            stats: finish(),
          };
        }
      } catch (error) {
        failure = { error };
      }
      kind.drop(gbn.boardNext);
      readMore?.();
    }

    const stop = await client.streamStop();
    if (inputFailure) throw inputFailure.error;
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
    closed = true;
    readMore?.();
    stopListening();
    options.signal?.removeEventListener('abort', onAbort);
    cancelPacing?.();
    void chunks.return?.();
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
