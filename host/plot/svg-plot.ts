/**
 * One simulated clip as a standalone SVG string (no I/O): the input spike raster, one raster per
 * spiking layer and the readout scores, stacked on one time axis (steps and ms).
 *
 *     title: model · input · decision
 *     ┌ input raster ────────────────┐ UP / DOWN key
 *     ├ layer rasters, one each ─────┤
 *     ├ scores, one line per class ──┤ class legend
 *     └ step / ms axis ──────────────┘
 *
 * Step t spans [x(t), x(t + 1)). A raster is one <path> with one `M t row h1` segment per spike,
 * in step and row units that the path's transform scales to pixels: a bar one step wide whose
 * stroke, scaled by the row pitch, is as tall as a row. About 8 bytes a spike, so a 100-step,
 * 200-neuron raster stays near 80 KB even at 45% activity, and a layer's spikes are its `M`s.
 */

import type { LayerInfo, ModelInfo } from '../model/model-info.js';
import type { StepRecord } from '../sim/simulate.js';

export interface PlotInput {
  info: ModelInfo;
  /** Shown in the title (the input file's name). */
  inputName: string;
  /** The input channels of each step, as the engine was fed them. */
  input: readonly (readonly number[])[];
  /** From simulate(…, { spikes: true }); at least one step. */
  records: readonly StepRecord[];
  widthPx: number;
  /**
   * The picture's height: the panels (rasters and scores) stretch or shrink to it together, the
   * text and margins stay. Without it, the height follows from the layers. At least
   * minimumHeightPx(info).
   */
  heightPx?: number;
}

const MARGIN_LEFT = 64;
/** The right column: the UP/DOWN key and the class legend. */
const LEGEND_WIDTH = 160;
const MARGIN_TOP = 50;
const HEADING = 20;
const GAP = 14;
const AXIS_HEIGHT = 48;
const LEGEND_ROW = 15;
/** Raster rows get 4 px until the panel reaches its cap, then shrink (700 inputs: 0.34 px). */
const ROW_PX = 4;
const RASTER_MIN = 64;
const RASTER_MAX = 240;
const SCORE_MIN = 170;

const INK = '#222';
const MUTED = '#777';
const GRID = '#e6e6e6';
const UP_COLOUR = '#d62728';
const DOWN_COLOUR = '#1f77b4';
/**
 * Twelve qualitative colours, distinct on white and from each other in hue or lightness (after
 * Kelly's colours of maximum contrast; the yellow darkened to read as a line on white), so a
 * 12-class model has no two classes alike. With more classes they repeat and the legend tells.
 */
export const CLASS_COLOURS = [
  '#0067a5',
  '#f38400',
  '#008856',
  '#be0032',
  '#875692',
  '#882d17',
  '#e68fac',
  '#848482',
  '#8db600',
  '#2b3d26',
  '#a1caf1',
  '#c9a100',
] as const;

/** Score ticks reach millions of LSB: "-1.25M" fits the margin. */
const COMPACT = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 2 });
/** Panels never get thinner than this, whatever --height asks. */
const PANEL_MIN = 40;
/** About one score tick per this many pixels of the score panel. */
const SCORE_TICK_PX = 40;

const XML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => XML_ESCAPES[c] ?? c);
}

/** Coordinates to 0.1 px: finer is invisible and only makes the file bigger. */
function px(value: number): string {
  return String(Math.round(value * 10) / 10);
}

/** A transform's scale: 0.1 px would be 1.5% of a 6.7 px step, which adds up over 100 steps. */
function scale(value: number): string {
  return String(Number(value.toPrecision(6)));
}

function percent(part: number, whole: number): string {
  const p = whole > 0 ? (100 * part) / whole : 0;
  return p >= 10 ? p.toFixed(0) : p.toFixed(1);
}

function formatMs(ms: number): string {
  return String(ms >= 100 ? Math.round(ms) : Number(ms.toPrecision(3)));
}

/** Round-number ticks from lo to hi, about `target` of them (integers only when asked). */
function niceTicks(lo: number, hi: number, target: number, integer: boolean): number[] {
  const raw = (hi - lo) / Math.max(1, target);
  const decade = 10 ** Math.floor(Math.log10(raw || 1));
  let step = ([1, 2, 2.5, 5, 10].find((m) => m * decade >= raw) ?? 10) * decade;
  if (integer) step = Math.max(1, Math.round(step));
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step)
    ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

function text(x: number, y: number, content: string, attributes = ''): string {
  return `<text x="${px(x)}" y="${px(y)}"${attributes ? ' ' + attributes : ''}>${content}</text>`;
}

interface Frame {
  left: number;
  right: number;
  stepPx: number;
  /** The time ticks' x, drawn as light lines through every panel. */
  verticals: number[];
}

function xOf(frame: Frame, t: number): number {
  return frame.left + t * frame.stepPx;
}

interface Raster {
  /** Bold start of the heading. */
  name: string;
  detail: string;
  rows: number;
  axisTitle: string;
  /** Each step's active rows. */
  steps: readonly (readonly number[])[];
  /** One path per group of rows (UP/DOWN), in this colour, with this id. */
  groups: { id: string; colour: string; name: string; member: (row: number) => boolean }[];
  /** y tick labels: row to the label shown at it (bands label their UP row pair). */
  ticks: { row: number; label: string }[];
  /** The panel's height in px. */
  height: number;
}

/** A raster's natural height, before --height stretches it. */
function rasterHeight(rows: number): number {
  return Math.min(RASTER_MAX, Math.max(RASTER_MIN, rows * ROW_PX));
}

function spikeCount(steps: readonly (readonly number[])[]): number {
  return steps.reduce((n, s) => n + s.length, 0);
}

/** "523 spikes · 3.3% of channel-steps · 3.3 Hz" for a panel heading. */
function activity(spikes: number, rows: number, steps: number, timestepUs: number, unit: string): string {
  const hz = timestepUs > 0 ? ` · ${(spikes / ((rows * steps * timestepUs) / 1e6)).toFixed(1)} Hz mean` : '';
  return `${spikes} spike${spikes === 1 ? '' : 's'} · ${percent(spikes, rows * steps)}% of ${unit}-steps${hz}`;
}

function drawRaster(frame: Frame, top: number, raster: Raster): string[] {
  const height = raster.height;
  const pitch = height / raster.rows;
  const bottom = top + height;
  // Rows with room get a gap between them; thin rows stay solid so dense panels stay readable.
  const stroke = pitch >= 3 ? 0.8 : 1;
  const yOf = (row: number): number => bottom - (row + 0.5) * pitch;
  const out = [
    text(
      frame.left,
      top - 6,
      `<tspan font-weight="bold">${escapeXml(raster.name)}</tspan> ${escapeXml(raster.detail)}`,
    ),
    `<rect x="${px(frame.left)}" y="${px(top)}" width="${px(frame.right - frame.left)}" height="${px(height)}" fill="none" stroke="${MUTED}" stroke-width="0.5"/>`,
    gridPath(frame, top, bottom),
  ];
  for (const group of raster.groups) {
    const segments: string[] = [];
    raster.steps.forEach((rows, t) => {
      for (const row of rows) {
        if (group.member(row)) segments.push(`M${t} ${row}h1`);
      }
    });
    out.push(
      `<path id="${group.id}" transform="translate(${px(frame.left)} ${px(yOf(0))}) scale(${scale(frame.stepPx)} ${scale(-pitch)})" d="${segments.join('')}" stroke="${group.colour}" stroke-width="${stroke}" fill="none" shape-rendering="crispEdges"/>`,
    );
  }
  for (const tick of raster.ticks) {
    out.push(
      text(frame.left - 5, yOf(tick.row) + 3.5, escapeXml(tick.label), 'text-anchor="end" font-size="10"'),
    );
  }
  const mid = (top + bottom) / 2;
  out.push(
    text(
      14,
      mid,
      escapeXml(raster.axisTitle),
      `text-anchor="middle" transform="rotate(-90 14 ${px(mid)})" fill="${MUTED}"`,
    ),
  );
  if (raster.groups.length > 1) {
    raster.groups.forEach((group, i) => {
      const y = top + 10 + i * LEGEND_ROW;
      const spikes = raster.steps.reduce((n, rows) => n + rows.filter(group.member).length, 0);
      out.push(
        `<rect x="${px(frame.right + 12)}" y="${px(y - 8)}" width="14" height="8" fill="${group.colour}"/>`,
        text(frame.right + 32, y, `${escapeXml(group.name)} · ${spikes}`),
      );
    });
  }
  return out;
}

function gridPath(frame: Frame, top: number, bottom: number): string {
  const d = frame.verticals.map((x) => `M${px(x)} ${px(top)}V${px(bottom)}`).join('');
  return `<path d="${d}" stroke="${GRID}" stroke-width="1" fill="none"/>`;
}

function rowTicks(rows: number): { row: number; label: string }[] {
  return niceTicks(0, rows - 1, Math.min(4, rows - 1), true).map((row) => ({ row, label: String(row) }));
}

function inputRaster(info: ModelInfo, input: PlotInput['input']): Raster {
  const rows = info.inputCount;
  const detail = activity(spikeCount(input), rows, input.length, info.timestepUs, 'channel');
  const bands = info.frontend?.bands;
  if (bands === undefined) {
    return {
      name: 'input',
      detail: `${rows} channels · ${detail}`,
      rows,
      axisTitle: 'channel',
      steps: input,
      groups: [{ id: 'input', colour: INK, name: 'input', member: () => true }],
      ticks: rowTicks(rows),
      height: rasterHeight(rows),
    };
  }
  // docs/frontend.md: channel 2b is band b's UP (power rose by the threshold), 2b + 1 its DOWN.
  return {
    name: 'input',
    detail: `${bands} bands × UP/DOWN · ${detail}`,
    rows,
    axisTitle: 'band',
    steps: input,
    groups: [
      { id: 'input-up', colour: UP_COLOUR, name: 'UP (2b)', member: (c) => c % 2 === 0 },
      { id: 'input-down', colour: DOWN_COLOUR, name: 'DOWN (2b+1)', member: (c) => c % 2 === 1 },
    ],
    ticks: niceTicks(0, bands - 1, Math.min(4, bands - 1), true).map((b) => ({
      row: 2 * b + 0.5,
      label: String(b),
    })),
    height: rasterHeight(rows),
  };
}

function layerRaster(info: ModelInfo, layer: LayerInfo, index: number, steps: number[][]): Raster {
  return {
    name: `layer ${index}`,
    detail: `${layer.kind}, ${layer.neuronCount} neurons · ${activity(spikeCount(steps), layer.neuronCount, steps.length, info.timestepUs, 'neuron')}`,
    rows: layer.neuronCount,
    axisTitle: 'neuron',
    steps,
    groups: [{ id: `layer-${index}`, colour: INK, name: `layer ${index}`, member: () => true }],
    ticks: rowTicks(layer.neuronCount),
    height: rasterHeight(layer.neuronCount),
  };
}

function drawScores(frame: Frame, top: number, height: number, data: PlotInput, decision: number): string[] {
  const { info, records } = data;
  // A reduce, not Math.min(...scores): a long clip has more scores than a call takes arguments.
  const lo = records.reduce((m, r) => r.scores.reduce((a, v) => Math.min(a, v), m), 0);
  const hi = Math.max(
    lo + 1,
    records.reduce((m, r) => r.scores.reduce((a, v) => Math.max(a, v), m), 0),
  );
  const bottom = top + height;
  const yOf = (score: number): number => bottom - ((score - lo) / (hi - lo)) * height;
  const skip = info.decisionSkipSteps;
  const window =
    skip < records.length
      ? `decision window: steps ${skip}..${records.length - 1}`
      : `no decision: the clip ends before the window starts at step ${skip}`;
  const out = [
    text(
      frame.left,
      top - 6,
      `<tspan font-weight="bold">readout scores</tspan> ${info.classCount} classes · ${escapeXml(window)}`,
    ),
    `<rect x="${px(frame.left)}" y="${px(top)}" width="${px(xOf(frame, Math.min(skip, records.length)) - frame.left)}" height="${px(height)}" fill="#f2f2f2"/>`,
    `<rect x="${px(frame.left)}" y="${px(top)}" width="${px(frame.right - frame.left)}" height="${px(height)}" fill="none" stroke="${MUTED}" stroke-width="0.5"/>`,
    gridPath(frame, top, bottom),
  ];
  if (lo < 0) {
    out.push(
      `<path d="M${px(frame.left)} ${px(yOf(0))}H${px(frame.right)}" stroke="${MUTED}" stroke-width="0.5" fill="none"/>`,
    );
  }
  const ticks = niceTicks(lo, hi, Math.max(3, Math.round(height / SCORE_TICK_PX)), true);
  out.push(
    `<path d="${ticks.map((v) => `M${px(frame.left)} ${px(yOf(v))}H${px(frame.right)}`).join('')}" stroke="${GRID}" stroke-width="1" fill="none"/>`,
  );
  for (const v of ticks) {
    out.push(
      `<path d="M${px(frame.left - 3)} ${px(yOf(v))}h3" stroke="${MUTED}" stroke-width="1"/>`,
      text(frame.left - 5, yOf(v) + 3.5, COMPACT.format(v), 'text-anchor="end" font-size="10"'),
    );
  }
  const mid = (top + bottom) / 2;
  out.push(
    text(
      14,
      mid,
      'score (LSB)',
      `text-anchor="middle" transform="rotate(-90 14 ${px(mid)})" fill="${MUTED}"`,
    ),
  );
  // The decided class last, so its line stays on top of the others.
  const order = [...Array(info.classCount).keys()].sort(
    (a, b) => Number(a === decision) - Number(b === decision),
  );
  for (const c of order) {
    const points = records
      .map((r, t) => `${px(xOf(frame, t) + frame.stepPx / 2)},${px(yOf(r.scores[c] ?? 0))}`)
      .join(' ');
    const width = c === decision ? 2.5 : 1.2;
    const opacity = c === decision || decision < 0 ? 1 : 0.85;
    out.push(
      `<polyline id="class-${c}" points="${points}" stroke="${classColour(c)}" stroke-width="${width}" stroke-opacity="${opacity}" fill="none"/>`,
    );
  }
  for (let c = 0; c < info.classCount; c++) {
    const y = top + 10 + c * LEGEND_ROW;
    const x = frame.right + 12;
    const label = escapeXml(info.labels[c] ?? `class ${c}`);
    if (c === decision) {
      out.push(
        `<rect x="${px(x - 3)}" y="${px(y - 11)}" width="${LEGEND_WIDTH - 12}" height="${LEGEND_ROW}" fill="#fff3b0"/>`,
      );
    }
    out.push(
      `<path d="M${px(x)} ${px(y - 4)}h16" stroke="${classColour(c)}" stroke-width="${c === decision ? 2.5 : 1.5}"/>`,
      text(
        x + 20,
        y,
        c === decision ? `${label} ◀ decided` : label,
        c === decision ? 'font-weight="bold"' : '',
      ),
    );
  }
  return out;
}

export function classColour(c: number): string {
  return CLASS_COLOURS[c % CLASS_COLOURS.length] ?? INK;
}

function drawTimeAxis(frame: Frame, y: number, ticks: number[], timestepUs: number): string[] {
  const out = [
    `<path d="M${px(frame.left)} ${px(y)}H${px(frame.right)}" stroke="${INK}" stroke-width="1" fill="none"/>`,
  ];
  for (const t of ticks) {
    const x = xOf(frame, t);
    out.push(
      `<path d="M${px(x)} ${px(y)}v4" stroke="${INK}" stroke-width="1"/>`,
      text(x, y + 15, String(t), 'text-anchor="middle" font-size="10"'),
      text(
        x,
        y + 27,
        `${formatMs((t * timestepUs) / 1000)} ms`,
        `text-anchor="middle" font-size="10" fill="${MUTED}"`,
      ),
    );
  }
  out.push(
    text(
      (frame.left + frame.right) / 2,
      y + 42,
      `step · time (one step is ${formatMs(timestepUs / 1000)} ms)`,
      `text-anchor="middle" fill="${MUTED}"`,
    ),
  );
  return out;
}

function describeNetwork(info: ModelInfo): string {
  return [`${info.inputCount} inputs`, ...info.layers.map((l) => `${l.kind} ${l.neuronCount}`)].join(' → ');
}

/** The picture's height without its panels: title, headings, gaps, time axis. */
function fixedHeight(rasters: number): number {
  return MARGIN_TOP + rasters * (HEADING + GAP) + HEADING + AXIS_HEIGHT;
}

/** The smallest --height that leaves every panel PANEL_MIN px and the legend its rows. */
export function minimumHeightPx(info: ModelInfo): number {
  const rasters = 1 + info.layers.filter((l) => l.kind !== 'readout').length;
  return Math.ceil(fixedHeight(rasters) + rasters * PANEL_MIN + legendHeight(info));
}

/** The score panel's least height: its legend, one row per class, or PANEL_MIN. */
function legendHeight(info: ModelInfo): number {
  return Math.max(PANEL_MIN, info.classCount * LEGEND_ROW + 10);
}

export function svgPlot(data: PlotInput): string {
  const { info, records } = data;
  if (records.length === 0) throw new RangeError('svgPlot needs at least one step');
  const steps = records.length;
  const decision = records[steps - 1]?.decision ?? -1;
  const decisionLabel = decision < 0 ? 'none' : (info.labels[decision] ?? `class ${decision}`);
  const width = data.widthPx;
  const left = MARGIN_LEFT;
  const right = width - LEGEND_WIDTH;
  const stepPx = (right - left) / steps;
  const timeTicks = niceTicks(0, steps, Math.max(2, Math.floor((right - left) / 90)), true);
  const frame: Frame = { left, right, stepPx, verticals: timeTicks.map((t) => left + t * stepPx) };

  const spiking = info.layers.flatMap((layer, index) => (layer.kind === 'readout' ? [] : [{ layer, index }]));
  const rasters = [
    inputRaster(info, data.input),
    ...spiking.map(({ layer, index }, i) =>
      layerRaster(
        info,
        layer,
        index,
        records.map((r) => r.spikes?.[i] ?? []),
      ),
    ),
  ];

  const naturalScore = Math.max(SCORE_MIN, info.classCount * LEGEND_ROW + 10);
  let scoreHeight = naturalScore;
  if (data.heightPx !== undefined) {
    const minimum = minimumHeightPx(info);
    if (data.heightPx < minimum) {
      throw new RangeError(
        `a height of ${data.heightPx} px leaves no room for the panels: at least ${minimum} px`,
      );
    }
    // Every panel by the same factor; the score panel keeps room for its legend rows.
    const fixed = fixedHeight(rasters.length);
    const natural = rasters.reduce((n, r) => n + r.height, naturalScore);
    const k = (data.heightPx - fixed) / natural;
    const score = Math.max(legendHeight(info), naturalScore * k);
    const naturalRasters = natural - naturalScore;
    const room = data.heightPx - fixed - score;
    for (const raster of rasters)
      raster.height = Math.max(PANEL_MIN, (raster.height * room) / naturalRasters);
    scoreHeight = data.heightPx - fixed - rasters.reduce((n, r) => n + r.height, 0);
  }

  const body: string[] = [];
  let y = MARGIN_TOP;
  const panelTops: number[] = [];
  for (const raster of rasters) {
    y += HEADING;
    panelTops.push(y);
    body.push(...drawRaster(frame, y, raster));
    y += raster.height + GAP;
  }
  y += HEADING;
  const scoreTop = y;
  body.push(...drawScores(frame, scoreTop, scoreHeight, data, decision));
  y += scoreHeight;
  body.push(...drawTimeAxis(frame, y, timeTicks, info.timestepUs));
  const height = data.heightPx ?? y + AXIS_HEIGHT;

  const skip = info.decisionSkipSteps;
  if (skip > 0 && skip < steps) {
    const x = px(xOf(frame, skip));
    body.push(
      `<path d="M${x} ${px(panelTops[0] ?? scoreTop)}V${px(scoreTop + scoreHeight)}" stroke="${MUTED}" stroke-width="1" stroke-dasharray="4 3" fill="none"/>`,
      text(xOf(frame, skip) + 4, scoreTop + 12, 'window →', `fill="${MUTED}" font-size="10"`),
    );
  }

  const seconds = (steps * info.timestepUs) / 1e6;
  const head = [
    text(
      left,
      22,
      `${escapeXml(info.name)} · ${escapeXml(data.inputName)} · decision: ${escapeXml(decisionLabel)}`,
      'font-size="15" font-weight="bold"',
    ),
    text(
      left,
      40,
      escapeXml(
        `${steps} steps of ${formatMs(info.timestepUs / 1000)} ms (${Number(seconds.toPrecision(3))} s) · ${describeNetwork(info)} · decision: sum of scores from step ${skip}`,
      ),
      `fill="${MUTED}"`,
    ),
  ];
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${px(height)}" viewBox="0 0 ${width} ${px(height)}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="11" fill="${INK}">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    ...head,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}
