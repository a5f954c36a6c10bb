/** The monitor's state as lines of text: the live screen, the plain status line, the summary. No I/O. */

import { count, formatMs } from '../cli/format.js';
import { decisionText } from '../cli/step-format.js';
import { latencyStats } from '../util/percentile.js';
import { printable } from '../util/printable.js';
import { rates, stepTimes, type MonitorState, type SeenDetection } from './state.js';

/** Detections on the screen (the most recent). */
const DETECTIONS_SHOWN = 5;

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
      const row = bits[Math.floor(dot / 4)];
      row[col] = (row[col] ?? 0) | BRAILLE_BITS[dot % 4][s % 2];
    }
  });
  return bits.map((row) =>
    row.map((b, c) => ((lost[c] ?? 0) >= 2 && b === 0 ? '?' : String.fromCharCode(0x2800 + b))).join(''),
  );
}

/** Time of day with milliseconds, UTC: "12:34:56.789". */
export function clock(date: Date): string {
  return date.toISOString().slice(11, 23);
}

function truncate(line: string, width: number): string {
  const chars = Array.from(line);
  return chars.length > width ? chars.slice(0, width - 1).join('') + '…' : line;
}

/**
 * Each class's share of the scores: their softmax. With the model's score LSB the scores are the
 * float model's readout and the shares its probabilities; without it they are taken in units of
 * their own spread (standard deviation). Either way a higher score has a longer bar, and nearly
 * equal scores nearly equal bars.
 */
export function scoreShares(scores: readonly number[], lsb: number | undefined): number[] {
  if (scores.length === 0) return [];
  const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
  const spread = Math.sqrt(scores.reduce((a, b) => a + (b - mean) ** 2, 0) / scores.length);
  const unit = lsb ?? (spread > 0 ? 1 / spread : 0);
  const top = Math.max(...scores);
  const weights = scores.map((score) => Math.exp((score - top) * unit));
  const sum = weights.reduce((a, b) => a + b, 0);
  return weights.map((w) => w / sum);
}

/** Where in the input a detection fired: its step times the model's timestep, else the step; and the pass. */
function detectionTime(d: SeenDetection, timestepUs: number | undefined): string {
  const where =
    timestepUs === undefined
      ? `step ${count(d.inputStep)}`
      : `at ${((d.inputStep * timestepUs) / 1e6).toFixed(2)} s`;
  return d.pass > 1 ? `${where} of pass ${d.pass}` : where;
}

/** The first of `variants` that fits `width`, else the last (shortest) one. */
function fitting(variants: readonly string[], width: number): string {
  return variants.find((v) => Array.from(v).length <= width) ?? variants[variants.length - 1] ?? '';
}

/** How long a new detection stays highlighted. */
export const FRESH_DETECTION_MS = 2000;

/**
 * Which lines give way first when the terminal is short: a line of a higher number is dropped
 * before one of a lower number (the later one first among equals). The decision, the detections
 * and the link stay longest.
 */
const KEEP = {
  essential: 0,
  recentDetections: 1,
  topScores: 2,
  stepTime: 2,
  rates: 3,
  scores: 4,
  olderDetections: 4,
  raster: 5,
  otherScores: 6,
  rasterRows: 6.5,
  boardCounters: 7,
  spacing: 8,
  hint: 9,
} as const;

interface ScreenLine {
  text: string;
  keep: number;
  /** Drawn highlighted (a fresh detection). */
  highlight?: boolean;
  /**
   * The raster, drawn once its height is known: 'head' is its title with its first row (two lines,
   * kept or dropped together), 'row' a placeholder for each further row.
   */
  raster?: 'head' | 'row';
}

export interface ScreenSize {
  columns: number;
  /** The terminal's rows: the screen takes one fewer, so the cursor's line below never scrolls it. */
  rows?: number;
}

export interface ScreenOptions {
  /** The time fresh detections are measured against. */
  now?: Date;
  /** How a highlighted line is drawn (the terminal view: reverse video); default unchanged. */
  highlight?: (line: string) => string;
}

function scoreRows(state: MonitorState, scores: readonly number[], width: number): ScreenLine[] {
  const names = scores.map((_, c) => printable(state.labels?.[c] ?? `class ${c}`));
  const nameWidth = Math.min(16, Math.max(...names.map((n) => n.length)));
  const shares = scoreShares(scores, state.scoreLsb);
  const valueWidth = Math.max(...scores.map((s) => String(s).length));
  const barWidth = Math.max(10, width - nameWidth - valueWidth - 10);
  const rank = scores.map((_, c) => c).sort((a, b) => (scores[b] ?? 0) - (scores[a] ?? 0) || a - b);
  const keepOf = new Map(
    rank.map((c, r) => [c, r < 3 ? KEEP.topScores : r < 6 ? KEEP.scores : KEEP.otherScores + r / 1000]),
  );
  return scores.map((score, c) => {
    const mark = c === state.decision ? '>' : ' ';
    const name = (names[c] ?? '').slice(0, nameWidth).padEnd(nameWidth);
    const share = shares[c] ?? 0;
    const percent = `${Math.round(share * 100)}%`.padStart(4);
    return {
      text: `${mark} ${name} ${bar(share, barWidth)} ${percent} ${String(score).padStart(valueWidth)}`,
      // The decided class (over the decision window, so not always the top score now) stays.
      keep: c === state.decision ? KEEP.topScores : (keepOf.get(c) ?? KEEP.otherScores),
    };
  });
}

function detectionRows(state: MonitorState, now: Date): ScreenLine[] {
  if (state.detections.length === 0) return [{ text: '  -', keep: KEEP.essential }];
  const newestFirst = state.detections.slice(-DETECTIONS_SHOWN).reverse();
  const names = newestFirst.map((d) => decisionText(d.label, state.labels));
  const nameWidth = Math.max(...names.map((n) => n.length));
  return newestFirst.map((d, i) => {
    const fresh = now.getTime() - d.at.getTime() < FRESH_DETECTION_MS;
    return {
      text:
        `${fresh ? '»' : ' '} ${(names[i] ?? '').padEnd(nameWidth)}  score ${d.score}  ` +
        `${detectionTime(d, state.timestepUs)}  ${clock(d.at)}`,
      keep: i === 0 ? KEEP.essential : i < 3 ? KEEP.recentDetections : KEEP.olderDetections + i / 1000,
      highlight: fresh,
    };
  });
}

function linkLine(state: MonitorState): string[] {
  const l = state.link;
  const latency = latencyStats(l.latency);
  return [
    `link   ${count(l.framesSent)} frames, ${count(l.framesRetried)} resent, ${count(l.timeouts)} timeouts, ` +
      `${count(l.resultsLost)} results lost, rtt p50 ${formatMs(latency.p50)} p99 ${formatMs(latency.p99)}, ` +
      `${state.reconnects} reconnects`,
    `link   lost ${count(l.resultsLost)}, resent ${count(l.framesRetried)}, timeouts ${count(l.timeouts)}, ` +
      `reconnects ${state.reconnects}, rtt ${formatMs(latency.p50)}`,
    `link   lost ${count(l.resultsLost)} resent ${count(l.framesRetried)} t/o ${count(l.timeouts)} ` +
      `rtt ${formatMs(latency.p50)} reconn ${state.reconnects}`,
  ];
}

/** The board's step time: "step 4.4 us mean, 12 us max (last 500 steps)". */
function stepTimeText(state: MonitorState): string {
  const times = stepTimes(state);
  return `board  step ${boardStepShort(state)}${times ? ` (last ${count(times.samples)} steps)` : ''}`;
}

function formatUs(us: number): string {
  return us < 10 ? `${us.toFixed(1)} us` : `${count(us)} us`;
}

function pacingText(state: MonitorState): string {
  return state.rate > 0 ? `paced at ${count(state.rate)} steps/s` : 'full speed';
}

/** Drops the lines that give way first until `budget` are left, keeping the order of the rest. */
function fit(lines: readonly ScreenLine[], budget: number): ScreenLine[] {
  const height = (line: ScreenLine): number => (line.raster === 'head' ? 2 : 1);
  let total = lines.reduce((n, line) => n + height(line), 0);
  const dropOrder = lines
    .map((line, i) => ({ line, i }))
    .sort((a, b) => b.line.keep - a.line.keep || b.i - a.i);
  const dropped = new Set<number>();
  for (const { line, i } of dropOrder) {
    if (total <= budget) break;
    dropped.add(i);
    total -= height(line);
  }
  return lines.filter((_, i) => !dropped.has(i));
}

/**
 * The whole screen as lines for a terminal of `size`: header, the spike raster, the decision with
 * score bars (softmax shares), the board's detections (newest first; a fresh one marked » and
 * highlighted), the board's step time, the link and board counters. On a short terminal the less
 * important lines give way (KEEP) and the raster bins its neurons into the rows it has left.
 */
export function renderScreen(state: MonitorState, size: ScreenSize, options: ScreenOptions = {}): string[] {
  const width = Math.max(40, size.columns);
  const now = options.now ?? new Date();
  const r = rates(state);
  const lines: ScreenLine[] = [];
  const add = (text: string, keep: number): void => void lines.push({ text, keep });
  add(
    `hetsyn monitor  ${state.port}  ${printable(state.modelName) || '(model ?)'}  ${state.status}`,
    KEEP.essential,
  );
  add(
    `step ${count(state.globalStep)}${state.pass > 1 ? ` (pass ${state.pass})` : ''}  ` +
      `${r.stepsPerSecond.toFixed(0)} steps/s (${pacingText(state)})  ${r.framesPerSecond.toFixed(1)} frames/s`,
    KEEP.rates,
  );
  add('', KEEP.spacing);
  const rasterSteps = state.raster.slice(-(width - 2) * 2);
  if (state.spikeLayer === undefined) {
    add('spikes: none reported (pass --spike-layer N for a raster)', KEEP.hint);
  } else {
    lines.push({
      text: `spikes of layer ${state.spikeLayer} (${state.layerNeurons} neurons, last ${rasterSteps.length} steps, 2 steps per column)`,
      keep: KEEP.raster,
      raster: 'head',
    });
    raster(rasterSteps, state.layerNeurons)
      .slice(1)
      .forEach((_, i) => lines.push({ text: '', keep: KEEP.rasterRows + i / 1000, raster: 'row' }));
  }
  add('', KEEP.spacing);
  if (!state.lastScores) {
    add(`decision ${decisionText(state.decision, state.labels)}; scores -`, KEEP.essential);
  } else {
    add(
      `decision ${decisionText(state.decision, state.labels)} at step ${count(state.globalStep - 1)} ` +
        '(bars: softmax)',
      KEEP.essential,
    );
    lines.push(...scoreRows(state, state.lastScores, width));
  }
  add('', KEEP.spacing);
  add("detections (the board's, newest first)", KEEP.essential);
  lines.push(...detectionRows(state, now));
  add('', KEEP.spacing);
  add(fitting(linkLine(state), width), KEEP.essential);
  add(stepTimeText(state), KEEP.stepTime);
  const b = state.board;
  add(
    b
      ? `board  frames ok ${count(b.framesOk)}, bad frames ${count(b.badFrames)}, overruns ${count(b.overruns)}, ` +
          `results dropped ${count(b.resultsDropped)}, bad requests ${count(b.badRequests)}, unknown types ${count(b.unknownTypes)}`
      : 'board  counters -',
    KEEP.boardCounters,
  );
  add('Ctrl-C stops', KEEP.hint);

  const budget = size.rows === undefined ? Infinity : Math.max(1, size.rows - 1);
  const kept = fit(lines, budget);
  // The raster takes the rows that survived: its neurons binned into that many character rows.
  const rasterRows = kept.filter((line) => line.raster).length;
  const rows = kept.some((line) => line.raster === 'head')
    ? raster(rasterSteps, state.layerNeurons, 4 * rasterRows).map((row) => `│${row}`)
    : [];
  const highlight = options.highlight ?? ((line: string) => line);
  return kept.flatMap((line) => {
    if (line.raster === 'row') return [];
    const text = truncate(line.text, width);
    if (line.raster === 'head') return [text, ...rows];
    return [line.highlight ? highlight(text) : text];
  });
}

/** The plain view's status line at time `at`. */
export function statusLine(state: MonitorState, at: Date): string {
  const r = rates(state);
  const latency = latencyStats(state.link.latency);
  return (
    `${clock(at)}  ${state.status}  step ${state.globalStep}  decision ${decisionText(state.decision, state.labels)}  ` +
    `${r.stepsPerSecond.toFixed(0)} steps/s  ${r.framesPerSecond.toFixed(1)} frames/s  lost ${state.link.resultsLost}  ` +
    `retried ${state.link.framesRetried}  p50 ${formatMs(latency.p50)}  p99 ${formatMs(latency.p99)}  ` +
    `board step ${boardStepShort(state)}`
  );
}

/** "4.4 us mean, 12 us max", or "-" before the first RESULT. */
function boardStepShort(state: MonitorState): string {
  const times = stepTimes(state);
  return times ? `${formatUs(times.meanUs)} mean, ${formatUs(times.maxUs)} max` : '-';
}

/** The line on stderr when the monitor ends. */
export function summaryLine(state: MonitorState): string {
  const latency = latencyStats(state.link.latency);
  return (
    `${state.globalStep} steps, decision ${decisionText(state.decision, state.labels)}, ` +
    `${state.detectionCount} detections, board step ${boardStepShort(state)}, ${state.link.resultsLost} results lost, ` +
    `${state.link.framesRetried} frames retried, ${state.reconnects} reconnects, round trip p50 ${formatMs(latency.p50)}, ` +
    `p99 ${formatMs(latency.p99)}`
  );
}
