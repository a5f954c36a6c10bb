/** The monitor's state as lines of text: the live screen, the plain status line, the summary. No I/O. */

import { count, formatMs } from '../cli/format.js';
import { decisionText } from '../cli/step-format.js';
import { latencyStats } from '../util/percentile.js';
import { printable } from '../util/printable.js';
import { rates, type MonitorState } from './state.js';

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

function scoreLines(state: MonitorState, scores: readonly number[], width: number): string[] {
  const names = scores.map((_, c) => printable(state.labels?.[c] ?? `class ${c}`));
  const nameWidth = Math.min(16, Math.max(...names.map((n) => n.length)));
  // Bars span the scores' range (they are often all negative): the lowest empty, the highest full.
  const low = Math.min(0, ...scores);
  const span = Math.max(1, Math.max(...scores) - low);
  const valueWidth = Math.max(...scores.map((s) => String(s).length));
  const barWidth = Math.max(10, width - nameWidth - valueWidth - 8);
  return scores.map((score, c) => {
    const mark = c === state.decision ? '>' : ' ';
    const name = (names[c] ?? '').slice(0, nameWidth).padEnd(nameWidth);
    return `${mark} ${name} ${bar((score - low) / span, barWidth)} ${String(score).padStart(valueWidth)}`;
  });
}

/** The whole screen as lines, for a terminal `columns` wide. */
export function renderScreen(state: MonitorState, columns: number): string[] {
  const width = Math.max(40, columns);
  const lines: string[] = [];
  const r = rates(state);
  const latency = latencyStats(state.link.latency);
  lines.push(
    `hetsyn monitor  ${state.port}  ${printable(state.modelName) || '(model ?)'}  ${state.status}  ` +
      `step ${count(state.globalStep)}${state.pass > 1 ? ` (pass ${state.pass})` : ''}  ` +
      `${r.stepsPerSecond.toFixed(0)} steps/s  ${r.framesPerSecond.toFixed(1)} frames/s`,
  );
  lines.push('');
  if (state.spikeLayer === undefined) {
    lines.push('spikes: none reported (pass --spike-layer N for a raster)');
  } else {
    const steps = state.raster.slice(-(width - 2) * 2);
    lines.push(
      `spikes of layer ${state.spikeLayer} (${state.layerNeurons} neurons, last ${steps.length} steps, 2 steps per column)`,
    );
    for (const row of raster(steps, state.layerNeurons)) lines.push(`│${row}`);
  }
  lines.push('');
  if (!state.lastScores) {
    lines.push('scores: -');
  } else {
    lines.push(
      `scores at step ${count(state.globalStep - 1)}, decision ${decisionText(state.decision, state.labels)}`,
    );
    lines.push(...scoreLines(state, state.lastScores, width));
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

/** The plain view's status line at time `at`. */
export function statusLine(state: MonitorState, at: Date): string {
  const r = rates(state);
  const latency = latencyStats(state.link.latency);
  return (
    `${clock(at)}  ${state.status}  step ${state.globalStep}  decision ${decisionText(state.decision, state.labels)}  ` +
    `${r.stepsPerSecond.toFixed(0)} steps/s  ${r.framesPerSecond.toFixed(1)} frames/s  lost ${state.link.resultsLost}  ` +
    `retried ${state.link.framesRetried}  p50 ${formatMs(latency.p50)}  p99 ${formatMs(latency.p99)}`
  );
}

/** The line on stderr when the monitor ends. */
export function summaryLine(state: MonitorState): string {
  const latency = latencyStats(state.link.latency);
  return (
    `${state.globalStep} steps, decision ${decisionText(state.decision, state.labels)}, ${state.link.resultsLost} results lost, ` +
    `${state.link.framesRetried} frames retried, ${state.reconnects} reconnects, round trip p50 ${formatMs(latency.p50)}, ` +
    `p99 ${formatMs(latency.p99)}`
  );
}
