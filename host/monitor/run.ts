/**
 * The monitor's streaming loop: the input through the board, step by step into the state and the
 * view; after a lost link it reconnects and continues with the rest of the input (STREAM_START
 * resets the network state).
 */

import type { WriteStream } from 'node:fs';
import { openBoard } from '../cli/board-connection.js';
import { withReconnects, type Attempt } from '../cli/reconnect.js';
import { decisionText, stepJson } from '../cli/step-format.js';
import type { BoardClient } from '../protocol/client.js';
import { describeLinkError } from '../protocol/errors.js';
import { formatDeviceError, type DeviceError } from '../protocol/device-errors.js';
import type { HelloInfo } from '../protocol/messages.js';
import { streamSpikes, type StreamStats, type StreamSummary } from '../protocol/stream.js';
import type { SpikeTrain } from '../spikes/spike-file.js';
import {
  newState,
  recordDetection,
  recordLatency,
  recordStep,
  updateLink,
  type LinkCounters,
  type MonitorState,
  type SeenDetection,
} from './state.js';
import type { MonitorView } from './views.js';

/** The pause before the first reconnect; each further one in a row doubles, up to the cap. */
const MONITOR_FIRST_PAUSE_MS = 250;
/** How often the board's counters are asked for (HELLO) while streaming. */
const INFO_INTERVAL_MS = 2000;

export interface MonitorOptions {
  port: string;
  input: SpikeTrain;
  baud?: number;
  trace?: boolean;
  window?: number;
  spikeLayer?: number;
  loop?: boolean;
  stepsPerSecond?: number;
  labels?: readonly string[];
  layerNeurons?: number;
  /** The model's step in µs and its score LSB, for the view (from --model). */
  timestepUs?: number;
  scoreLsb?: number;
  /** One JSON line per step goes here. */
  log?: WriteStream;
  signal?: AbortSignal;
  /** The first reconnect pause (tests shorten it). */
  firstPauseMs?: number;
  /** Called with the board's INFO on every connection, before streaming; may throw to stop. */
  checkBoard?: (info: HelloInfo | undefined) => void;
  /** Words to add to the message when the board refuses a request. */
  refusalHint?: (error: DeviceError) => string | undefined;
}

export type MonitorEnd =
  | { reason: 'done' | 'stopped'; state: MonitorState }
  | { reason: 'refused'; message: string; state: MonitorState };

/**
 * The monitor's core: streams the input (again and again with `loop`) until it is done, stopped
 * by the signal, or refused by the board; reconnects whenever the link fails.
 */
export async function runMonitor(options: MonitorOptions, view: MonitorView): Promise<MonitorEnd> {
  const state = newState({ ...options, rate: options.stepsPerSecond ?? 0 });
  let pos = 0; // next input step
  // Counters of the connections before this one, so the totals survive reconnects.
  const past: LinkCounters = { framesSent: 0, framesRetried: 0, timeouts: 0, resultsLost: 0 };
  const detected = (d: SeenDetection): void =>
    view.event(state, `step ${d.t}: detected ${decisionText(d.label, state.labels)}, score ${d.score}`);

  const streamOnce = async ({ retry, connected }: Attempt): Promise<MonitorEnd> => {
    let client: BoardClient | undefined;
    let infoTimer: NodeJS.Timeout | undefined;
    try {
      state.status = retry > 0 ? `reconnecting (attempt ${retry})` : 'connecting';
      view.changed(state);
      client = await openBoard(options.port, options);
      const info = client.info;
      options.checkBoard?.(info);
      state.modelName = info?.modelName ?? '';
      state.board = info?.counters;
      if (retry > 0) {
        state.reconnects++;
        view.event(
          state,
          `reconnected to ${options.port}; continuing at input step ${pos} (network state reset)`,
        );
      }
      connected();
      state.status = 'streaming';
      const board = client;
      infoTimer = setInterval(() => {
        board.hello().then(
          (i) => (state.board = i.counters),
          () => undefined, // the stream notices a dead link itself
        );
      }, INFO_INTERVAL_MS);

      for (;;) {
        const rest = { steps: options.input.steps.slice(pos) };
        state.streamStart = pos;
        const stream = streamSpikes(client, rest, {
          window: options.window,
          scores: true,
          ...(options.spikeLayer === undefined ? {} : { spikeLayer: options.spikeLayer }),
          ...(options.stepsPerSecond ? { stepsPerSecond: options.stepsPerSecond } : {}),
          ...(options.signal ? { signal: options.signal } : {}),
          onStats: (s: Readonly<StreamStats>) => {
            updateLink(state, past, s, performance.now());
            view.changed(state);
          },
          onLatency: (ms: number) => recordLatency(state, ms),
        });
        let summary: StreamSummary;
        try {
          for (;;) {
            const item = await stream.next();
            if (item.done) {
              summary = item.value;
              break;
            }
            const t = state.globalStep;
            const detection = recordStep(state, item.value);
            if (detection) detected(detection);
            options.log?.write(JSON.stringify({ ...stepJson(item.value), t, step: pos }) + '\n');
            view.changed(state);
            pos++;
          }
        } finally {
          const { framesSent, framesRetried, timeouts, resultsLost } = state.link;
          Object.assign(past, { framesSent, framesRetried, timeouts, resultsLost });
        }
        // Every RESULT after the last detection was lost: STOPPED still names it.
        if (summary.ok && summary.lateDetection)
          detected(recordDetection(state, summary.lateDetection, state.globalStep - 1));
        if (!summary.ok) {
          const hint = options.refusalHint?.(summary.error);
          return {
            reason: 'refused',
            message:
              formatDeviceError(`${summary.action} on ${options.port}`, summary.error) +
              (hint ? `\n${hint}` : ''),
            state,
          };
        }
        if (summary.aborted || options.signal?.aborted) return { reason: 'stopped', state };
        if (!options.loop) return { reason: 'done', state };
        pos = 0;
        state.pass++;
        view.event(state, `pass ${state.pass}`);
      }
    } finally {
      if (infoTimer) clearInterval(infoTimer);
      await client?.close().catch(() => undefined);
    }
  };

  const end = await withReconnects(streamOnce, {
    firstPauseMs: options.firstPauseMs ?? MONITOR_FIRST_PAUSE_MS,
    ...(options.signal ? { signal: options.signal } : {}),
    onRetry: (error, pauseMs) => {
      const pause = `reconnecting in ${(pauseMs / 1000).toFixed(1)} s`;
      state.status = pause;
      view.event(state, `${describeLinkError(error).name}: ${error.message}; ${pause}`);
    },
  });
  return end ?? { reason: 'stopped', state };
}
