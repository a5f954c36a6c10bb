/**
 * `hetsyn monitor --port P --input FILE`: streams a spike file through a board and shows what
 * happens, live: a spike raster of the reported layer, class-score bars, detections (decision
 * changes) with their time, link and board counters. On a terminal the view is redrawn in place
 * (ANSI escapes, at most REDRAW_HZ times a second); otherwise, or with --plain, it prints a status
 * line per second and a line per detection. When the port goes away it reconnects with growing
 * pauses and continues with the rest of the input (STREAM_START resets the network state).
 * Ctrl-C stops cleanly: the board gets STREAM_STOP.
 */

import { createWriteStream, type WriteStream } from 'node:fs';
import { Command, Option } from 'commander';
import { traceOptions } from '../cli/board-connection.js';
import { baudOption, traceOption, windowOption } from '../cli/board-options.js';
import { CliError, ExitCode } from '../cli/exit-codes.js';
import { count, formatMs } from '../cli/format.js';
import { openModel } from '../cli/load-model.js';
import { parseIntInRange } from '../cli/options.js';
import { withReconnects, type Attempt } from '../cli/reconnect.js';
import { decisionText, stepJson } from '../cli/step-format.js';
import { BoardClient } from '../protocol/client.js';
import { describeLinkError } from '../protocol/errors.js';
import { formatDeviceError, type BoardCounters } from '../protocol/messages.js';
import {
  latencyStats,
  streamSpikes,
  StreamInputError,
  type StreamStats,
  type StreamStep,
  type StreamSummary,
} from '../protocol/stream.js';
import type { SpikeTrain } from '../spikes/spike-file.js';
import { readInputTrain } from '../cli/read-input.js';
import { SerialTransport } from '../transport/serial.js';

export const REDRAW_HZ = 10;
/** The pause before the first reconnect; each further one in a row doubles, up to the cap. */
export const MONITOR_FIRST_PAUSE_MS = 250;
/** How often the board's counters are asked for (HELLO) while streaming. */
export const INFO_INTERVAL_MS = 2000;
/** Latency samples the live percentiles cover (the most recent). */
const LIVE_LATENCY_SAMPLES = 500;
/** Detections kept on screen. */
const DETECTIONS_SHOWN = 5;

export interface Detection {
  at: Date;
  /** Global step (counted over passes and reconnects). */
  t: number;
  decision: number;
}

/** Everything the view shows; updated by the streaming loop, read by the renderer. */
export interface MonitorState {
  port: string;
  modelName: string;
  labels: readonly string[] | undefined;
  spikeLayer: number | undefined;
  /** Neurons of the reported layer (from --model), else grown to the highest index seen. */
  layerNeurons: number;
  status: string;
  /** Steps handed out so far, over all passes and connections. */
  globalStep: number;
  pass: number;
  lastScores: number[] | undefined;
  decision: number;
  detections: Detection[];
  /** Spikes of the last steps, oldest first (null: the step's result was lost). */
  raster: (readonly number[] | null)[];
  link: {
    framesSent: number;
    framesRetried: number;
    timeouts: number;
    resultsLost: number;
    latency: number[];
  };
  board: BoardCounters | undefined;
  reconnects: number;
  /** For the rates: samples of (time, steps, frames) from the last seconds. */
  rateSamples: { at: number; steps: number; frames: number }[];
}

function newState(
  port: string,
  labels: readonly string[] | undefined,
  spikeLayer: number | undefined,
  neurons: number,
): MonitorState {
  return {
    port,
    modelName: '',
    labels,
    spikeLayer,
    layerNeurons: neurons,
    status: 'connecting',
    globalStep: 0,
    pass: 1,
    lastScores: undefined,
    decision: -1,
    detections: [],
    raster: [],
    link: { framesSent: 0, framesRetried: 0, timeouts: 0, resultsLost: 0, latency: [] },
    board: undefined,
    reconnects: 0,
    rateSamples: [],
  };
}

// ---------------------------------------------------------------------------------------------
// Drawing

const BLOCKS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/** A horizontal bar of `fraction` (0..1) of `width` cells, in eighths. */
export function bar(fraction: number, width: number): string {
  const eighths = Math.round(Math.max(0, Math.min(1, fraction)) * width * 8);
  const full = Math.floor(eighths / 8);
  return ('█'.repeat(full) + (BLOCKS[eighths % 8] ?? '')).padEnd(width, ' ');
}

// Braille: a character is 2 dot columns x 4 dot rows; bit of (row, column).
const BRAILLE_BITS = [
  [0x01, 0x08],
  [0x02, 0x10],
  [0x04, 0x20],
  [0x40, 0x80],
];

/**
 * A braille raster: time runs left to right (2 steps per character), neurons top to bottom in at
 * most `maxDotRows` bins (a dot is set when any neuron of its bin spiked). Lost steps show as '?'
 * columns (a whole character column when both of its steps were lost).
 */
export function raster(
  steps: readonly (readonly number[] | null)[],
  neurons: number,
  maxDotRows = 32,
): string[] {
  const dotRows = Math.max(1, Math.min(maxDotRows, neurons));
  const charRows = Math.ceil(dotRows / 4);
  const charCols = Math.ceil(steps.length / 2);
  const bits = Array.from({ length: charRows }, () => new Array<number>(charCols).fill(0));
  const lost = new Array<number>(charCols).fill(0);
  steps.forEach((spikes, s) => {
    const col = Math.floor(s / 2);
    if (spikes === null) {
      lost[col] = (lost[col] ?? 0) + 1;
      return;
    }
    for (const neuron of spikes) {
      const dot = Math.min(dotRows - 1, Math.floor((neuron * dotRows) / Math.max(1, neurons)));
      const row = bits[Math.floor(dot / 4)] as number[];
      row[col] = (row[col] ?? 0) | ((BRAILLE_BITS[dot % 4] as number[])[s % 2] as number);
    }
  });
  return bits.map((row) =>
    row.map((b, c) => ((lost[c] ?? 0) >= 2 && b === 0 ? '?' : String.fromCharCode(0x2800 + b))).join(''),
  );
}

function rates(state: MonitorState): { stepsPerSecond: number; framesPerSecond: number } {
  const samples = state.rateSamples;
  if (samples.length < 2) return { stepsPerSecond: 0, framesPerSecond: 0 };
  const first = samples[0] as MonitorState['rateSamples'][number];
  const last = samples[samples.length - 1] as MonitorState['rateSamples'][number];
  const seconds = (last.at - first.at) / 1000;
  if (seconds <= 0) return { stepsPerSecond: 0, framesPerSecond: 0 };
  return {
    stepsPerSecond: (last.steps - first.steps) / seconds,
    framesPerSecond: (last.frames - first.frames) / seconds,
  };
}

function clock(date: Date): string {
  return date.toISOString().slice(11, 23);
}

/** The whole screen as lines, for a terminal `columns` wide. */
export function renderScreen(state: MonitorState, columns: number): string[] {
  const width = Math.max(40, columns);
  const lines: string[] = [];
  const r = rates(state);
  const latency = latencyStats(state.link.latency);
  lines.push(
    `hetsyn monitor  ${state.port}  ${state.modelName || '(model ?)'}  ${state.status}  ` +
      `step ${count(state.globalStep)}${state.pass > 1 ? ` (pass ${state.pass})` : ''}  ` +
      `${r.stepsPerSecond.toFixed(0)} steps/s  ${r.framesPerSecond.toFixed(1)} frames/s`,
  );
  lines.push('');
  if (state.spikeLayer === undefined) {
    lines.push('spikes: none reported (pass --spikes LAYER for a raster)');
  } else {
    const steps = state.raster.slice(-(width - 2) * 2);
    lines.push(
      `spikes of layer ${state.spikeLayer} (${state.layerNeurons} neurons, last ${steps.length} steps, 2 steps per column)`,
    );
    for (const row of raster(steps, state.layerNeurons)) lines.push(`│${row}`);
  }
  lines.push('');
  const scores = state.lastScores;
  if (!scores) {
    lines.push('scores: -');
  } else {
    lines.push(
      `scores at step ${count(state.globalStep - 1)}, decision ${decisionText(state.decision, state.labels)}`,
    );
    const names = scores.map((_, c) => state.labels?.[c] ?? `class ${c}`);
    const nameWidth = Math.min(16, Math.max(...names.map((n) => n.length)));
    // Bars span the scores' range (they are often all negative): the lowest empty, the highest full.
    const low = Math.min(0, ...scores);
    const span = Math.max(1, Math.max(...scores) - low);
    const valueWidth = Math.max(...scores.map((s) => String(s).length));
    const barWidth = Math.max(10, width - nameWidth - valueWidth - 8);
    scores.forEach((score, c) => {
      const mark = c === state.decision ? '>' : ' ';
      const name = (names[c] ?? '').slice(0, nameWidth).padEnd(nameWidth);
      lines.push(
        `${mark} ${name} ${bar((score - low) / span, barWidth)} ${String(score).padStart(valueWidth)}`,
      );
    });
  }
  lines.push('');
  lines.push('detections (decision changes)');
  if (state.detections.length === 0) lines.push('  -');
  for (const d of state.detections.slice(-DETECTIONS_SHOWN)) {
    lines.push(
      `  ${clock(d.at)}  step ${String(d.t).padStart(7)}  ${decisionText(d.decision, state.labels)}`,
    );
  }
  lines.push('');
  const l = state.link;
  lines.push(
    `link   ${count(l.framesSent)} frames, ${count(l.framesRetried)} resent, ${count(l.timeouts)} timeouts, ` +
      `${count(l.resultsLost)} results lost, rtt p50 ${formatMs(latency.p50)} p99 ${formatMs(latency.p99)}, ` +
      `${state.reconnects} reconnects`,
  );
  const b = state.board;
  lines.push(
    b
      ? `board  frames ok ${count(b.framesOk)}, bad frames ${count(b.badFrames)}, overruns ${count(b.overruns)}, ` +
          `results dropped ${count(b.resultsDropped)}, bad requests ${count(b.badRequests)}, unknown types ${count(b.unknownTypes)}`
      : 'board  -',
  );
  lines.push('Ctrl-C stops');
  return lines.map((line) => truncate(line, width));
}

function truncate(line: string, width: number): string {
  const chars = [...line];
  return chars.length > width ? chars.slice(0, width - 1).join('') + '…' : line;
}

export interface MonitorView {
  /** Something changed; the view redraws when it likes. */
  changed(state: MonitorState): void;
  /** A one-off event (detection, reconnect) for the plain view's lines. */
  event(state: MonitorState, line: string): void;
  close(state: MonitorState): void;
}

/** Redraws the screen in place, at most REDRAW_HZ times a second. */
export function terminalView(out: NodeJS.WriteStream = process.stdout): MonitorView {
  let drawnLines = 0;
  let dirty = false;
  let latest: MonitorState | undefined;
  const draw = (): void => {
    if (!latest || !dirty) return;
    dirty = false;
    // Never taller than the terminal: the cursor cannot move back above its top line.
    const lines = renderScreen(latest, out.columns ?? 80).slice(0, Math.max(1, (out.rows ?? 50) - 1));
    // Back to the first line drawn, rewrite each line, clear what is left below.
    const up = drawnLines > 0 ? `\x1b[${drawnLines}F` : '';
    out.write(`${up}${lines.map((line) => `${line}\x1b[K`).join('\n')}\n\x1b[J`);
    drawnLines = lines.length;
  };
  out.write('\x1b[?25l'); // hide the cursor
  const timer = setInterval(draw, 1000 / REDRAW_HZ);
  return {
    changed(state) {
      latest = state;
      dirty = true;
    },
    event(state) {
      latest = state;
      dirty = true;
    },
    close(state) {
      clearInterval(timer);
      latest = state;
      dirty = true;
      draw();
      out.write('\x1b[?25h');
    },
  };
}

/** Lines for a log or a pipe: a status line per second, one per event. */
export function plainView(out: NodeJS.WritableStream = process.stdout): MonitorView {
  let last = 0;
  const status = (state: MonitorState): string => {
    const r = rates(state);
    const latency = latencyStats(state.link.latency);
    return (
      `${clock(new Date())}  ${state.status}  step ${state.globalStep}  decision ${decisionText(state.decision, state.labels)}  ` +
      `${r.stepsPerSecond.toFixed(0)} steps/s  ${r.framesPerSecond.toFixed(1)} frames/s  lost ${state.link.resultsLost}  ` +
      `retried ${state.link.framesRetried}  p50 ${formatMs(latency.p50)}  p99 ${formatMs(latency.p99)}`
    );
  };
  return {
    changed(state) {
      const now = performance.now();
      if (now - last < 1000) return;
      last = now;
      out.write(status(state) + '\n');
    },
    event(_state, line) {
      out.write(`${clock(new Date())}  ${line}\n`);
    },
    close(state) {
      out.write(status(state) + '\n');
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The loop

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
  /** One JSON line per step goes here. */
  log?: WriteStream;
  signal?: AbortSignal;
  /** The first reconnect pause (tests shorten it). */
  firstPauseMs?: number;
}

export type MonitorEnd =
  | { reason: 'done' | 'stopped'; state: MonitorState }
  | { reason: 'refused'; message: string; state: MonitorState };

/**
 * The command's core: streams the input (again and again with `loop`) until it is done, stopped
 * by the signal, or refused by the board; reconnects whenever the link fails.
 */
export async function runMonitor(options: MonitorOptions, view: MonitorView): Promise<MonitorEnd> {
  const state = newState(options.port, options.labels, options.spikeLayer, options.layerNeurons ?? 8);
  const rasterKeep = 2 * 400;
  let pos = 0; // next input step
  const sampleRates = (frames: number): void => {
    const now = performance.now();
    state.rateSamples.push({ at: now, steps: state.globalStep, frames });
    while (state.rateSamples.length > 2 && now - (state.rateSamples[0]?.at ?? now) > 3000)
      state.rateSamples.shift();
  };
  // Counters of the connections before this one, so the totals survive reconnects.
  const past = { framesSent: 0, framesRetried: 0, timeouts: 0, resultsLost: 0 };

  const streamOnce = async ({ retry, connected }: Attempt): Promise<MonitorEnd> => {
    let client: BoardClient | undefined;
    let infoTimer: NodeJS.Timeout | undefined;
    try {
      state.status = retry > 0 ? `reconnecting (attempt ${retry})` : 'connecting';
      view.changed(state);
      const transport = await SerialTransport.open(options.port, { baudRate: options.baud });
      try {
        client = await BoardClient.connect(transport, traceOptions(options.port, options));
      } catch (error) {
        await transport.close().catch(() => undefined);
        throw error;
      }
      const info = client.info;
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
        const stream = streamSpikes(client, rest, {
          window: options.window,
          scores: true,
          ...(options.spikeLayer === undefined ? {} : { spikeLayer: options.spikeLayer }),
          ...(options.stepsPerSecond ? { stepsPerSecond: options.stepsPerSecond } : {}),
          ...(options.signal ? { signal: options.signal } : {}),
          onStats: (s: Readonly<StreamStats>) => {
            state.link.framesSent = past.framesSent + s.framesSent;
            state.link.framesRetried = past.framesRetried + s.framesRetried;
            state.link.timeouts = past.timeouts + s.timeouts;
            state.link.resultsLost = past.resultsLost + s.resultsLost;
            sampleRates(state.link.framesSent);
            view.changed(state);
          },
          onLatency: (ms: number) => {
            state.link.latency.push(ms);
            if (state.link.latency.length > LIVE_LATENCY_SAMPLES) state.link.latency.shift();
          },
        });
        let summary: StreamSummary;
        try {
          for (;;) {
            const item = await stream.next();
            if (item.done) {
              summary = item.value;
              break;
            }
            record(state, item.value, pos, options, view, rasterKeep);
            pos++;
          }
        } finally {
          Object.assign(past, {
            framesSent: state.link.framesSent,
            framesRetried: state.link.framesRetried,
            timeouts: state.link.timeouts,
            resultsLost: state.link.resultsLost,
          });
        }
        if (!summary.ok) {
          return {
            reason: 'refused',
            message: formatDeviceError(`${summary.action} on ${options.port}`, summary.error),
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

  try {
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
  } catch (error) {
    if (error instanceof StreamInputError) throw new CliError(error.message, ExitCode.input);
    throw error;
  }
}

function record(
  state: MonitorState,
  step: StreamStep,
  inputStep: number,
  options: MonitorOptions,
  view: MonitorView,
  rasterKeep: number,
): void {
  const t = state.globalStep++;
  if (step.lost) {
    state.raster.push(null);
  } else {
    state.lastScores = step.scores;
    if (step.spikes) {
      state.raster.push(step.spikes);
      const top = Math.max(-1, ...step.spikes);
      if (options.layerNeurons === undefined && top >= state.layerNeurons)
        state.layerNeurons = Math.ceil((top + 1) / 8) * 8;
    } else if (options.spikeLayer !== undefined) {
      state.raster.push([]);
    }
    if (step.decision !== state.decision) {
      state.decision = step.decision;
      const detection = { at: new Date(), t, decision: step.decision };
      state.detections.push(detection);
      if (state.detections.length > 50) state.detections.shift();
      view.event(state, `step ${t}: decision ${decisionText(step.decision, state.labels)}`);
    }
  }
  if (state.raster.length > rasterKeep) state.raster.splice(0, state.raster.length - rasterKeep);
  options.log?.write(JSON.stringify({ ...stepJson(step), t, step: inputStep }) + '\n');
  view.changed(state);
}

interface MonitorOpts {
  port: string;
  input: string;
  log?: string;
  plain?: boolean;
  spikes?: number;
  loop?: boolean;
  window: number;
  rate?: number;
  model?: string;
  baud: number;
  trace?: boolean;
}

export function monitorCommand(): Command {
  return new Command('monitor')
    .description(
      'stream a spike file through a board with a live view: spike raster, scores, detections, link health',
    )
    .requiredOption('--port <path>', 'serial port of the board')
    .requiredOption('--input <file>', 'spike file to stream (docs/spike-format.md), or a .wav with --model')
    .option('--log <file.jsonl>', 'write one JSON line per step: {t, step, scores, spikes?, decision}')
    .option('--plain', 'status lines instead of the live view (the default when stdout is not a terminal)')
    .addOption(
      new Option('--spikes <layer>', 'show the spikes of this spiking layer').argParser(
        parseIntInRange(0, 255),
      ),
    )
    .option('--loop', 'stream the input again and again until Ctrl-C')
    .addOption(windowOption())
    .addOption(
      new Option('--rate <steps/s>', 'send at most this many steps per second').argParser(
        parseIntInRange(1, 1_000_000),
      ),
    )
    .option(
      '--model <file>',
      'the .hsm the board runs: class labels, layer size, and its front-end for a .wav input',
    )
    .addOption(baudOption())
    .addOption(traceOption())
    .action(async (opts: MonitorOpts) => {
      const model = opts.model ? { path: opts.model, info: openModel(opts.model).info } : undefined;
      const input = readInputTrain(opts.input, model);
      let labels: string[] | undefined;
      let layerNeurons: number | undefined;
      if (model) {
        const { info } = model;
        labels = info.labels;
        if (opts.spikes !== undefined) layerNeurons = info.layers[opts.spikes]?.neuronCount;
      }
      const log = opts.log ? createWriteStream(opts.log) : undefined;
      const controller = new AbortController();
      let interrupts = 0;
      const onSignal = (): void => {
        if (++interrupts > 1) process.exit(130);
        controller.abort();
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      const view = opts.plain || !process.stdout.isTTY ? plainView() : terminalView();
      let end: MonitorEnd | undefined;
      try {
        end = await runMonitor(
          {
            port: opts.port,
            input,
            baud: opts.baud,
            trace: opts.trace === true,
            window: opts.window,
            ...(opts.spikes === undefined ? {} : { spikeLayer: opts.spikes }),
            loop: opts.loop === true,
            ...(opts.rate ? { stepsPerSecond: opts.rate } : {}),
            ...(labels ? { labels } : {}),
            ...(layerNeurons ? { layerNeurons } : {}),
            ...(log ? { log } : {}),
            signal: controller.signal,
          },
          view,
        );
      } finally {
        if (end) {
          end.state.status = end.reason;
          view.close(end.state);
        } else {
          process.stdout.write('\x1b[?25h');
        }
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        if (log) await new Promise<void>((resolve) => log.end(() => resolve()));
      }
      if (end.reason === 'refused') throw new CliError(end.message, ExitCode.refused);
      const s = end.state;
      const latency = latencyStats(s.link.latency);
      process.stderr.write(
        `${s.globalStep} steps, decision ${decisionText(s.decision, s.labels)}, ${s.link.resultsLost} results lost, ` +
          `${s.link.framesRetried} frames retried, ${s.reconnects} reconnects, round trip p50 ${formatMs(latency.p50)}, ` +
          `p99 ${formatMs(latency.p99)}\n`,
      );
    });
}
