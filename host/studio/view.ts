/**
 * The studio's live view, plain DOM: a scrolling canvas raster of the input spikes (a row per
 * channel: UP channels 2b in one colour, DOWN channels 2b + 1 in another), a bar per class for the
 * last step's readout scores with the current decision marked, and the list of detections.
 */

import type { Detection } from '../model/detection.js';
import type { StudioStep } from './run.js';

/** Steps the raster keeps on screen (3 s at 10 ms). */
const RASTER_STEPS = 300;
const STEP_PX = 2;
const CHANNEL_PX = 3;
const COLOURS = { background: '#10151c', up: '#f4a259', down: '#5bc0eb', grid: '#26303c' };
/** Detections listed, newest first. */
const DETECTIONS_SHOWN = 12;

export class StudioView {
  private readonly context: CanvasRenderingContext2D;
  private channels = 64;
  private labels: readonly string[] = [];
  private stepMs = 10;
  private column = 0;
  private bars: { row: HTMLElement; fill: HTMLElement; value: HTMLElement }[] = [];

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly scoresBox: HTMLElement,
    private readonly decisionBox: HTMLElement,
    private readonly detectionsList: HTMLOListElement,
  ) {
    const context = canvas.getContext('2d');
    if (!context) throw new Error('no 2D canvas');
    this.context = context;
  }

  /** A new model: its channels and labels, everything cleared. */
  setModel(channels: number, labels: readonly string[], stepMs: number): void {
    this.channels = channels;
    this.labels = labels;
    this.stepMs = stepMs;
    this.canvas.width = RASTER_STEPS * STEP_PX;
    this.canvas.height = channels * CHANNEL_PX;
    this.scoresBox.replaceChildren();
    this.bars = labels.map((label) => {
      const row = document.createElement('div');
      row.className = 'score';
      const name = document.createElement('span');
      name.className = 'label';
      name.textContent = label;
      const track = document.createElement('span');
      track.className = 'track';
      const fill = document.createElement('span');
      fill.className = 'fill';
      track.append(fill);
      const value = document.createElement('span');
      value.className = 'value';
      row.append(name, track, value);
      this.scoresBox.append(row);
      return { row, fill, value };
    });
    this.clear();
  }

  /** A new input on the same model. */
  clear(): void {
    this.column = 0;
    this.context.fillStyle = COLOURS.background;
    this.context.fillRect(0, 0, this.canvas.width, this.canvas.height);
    this.detectionsList.replaceChildren();
    this.showDecision(-1);
    for (const bar of this.bars) {
      bar.fill.style.width = '0';
      bar.value.textContent = '';
    }
  }

  /** Steps as they come (a whole clip at once, or a microphone chunk). */
  addSteps(steps: readonly StudioStep[]): void {
    for (const step of steps) this.drawColumn(step.input);
    const last = steps[steps.length - 1];
    if (!last) return;
    if (last.scores) this.showScores(last.scores);
    this.showDecision(last.decision);
  }

  /** A detection: its class, its time in the input and its margin (state LSB, as `hetsyn sim` prints it). */
  addDetection(detection: Detection): void {
    const item = document.createElement('li');
    const label = this.labelOf(detection.label);
    const seconds = ((detection.step * this.stepMs) / 1000).toFixed(2);
    const name = document.createElement('strong');
    name.textContent = label;
    item.append(name, ` at ${seconds} s (step ${detection.step}), margin ${detection.score}`);
    item.dataset.label = label;
    this.detectionsList.prepend(item);
    while (this.detectionsList.children.length > DETECTIONS_SHOWN)
      this.detectionsList.lastElementChild?.remove();
  }

  private labelOf(c: number): string {
    return this.labels[c] ?? `class ${c}`;
  }

  private drawColumn(input: readonly number[]): void {
    const ctx = this.context;
    // Once full, the raster scrolls: the picture moves left by one step.
    if (this.column >= RASTER_STEPS) {
      ctx.drawImage(this.canvas, -STEP_PX, 0);
      this.column = RASTER_STEPS - 1;
    }
    const x = this.column * STEP_PX;
    ctx.fillStyle = this.column % 100 === 0 ? COLOURS.grid : COLOURS.background;
    ctx.fillRect(x, 0, STEP_PX, this.canvas.height);
    for (const channel of input) {
      if (channel >= this.channels) continue;
      ctx.fillStyle = channel % 2 === 0 ? COLOURS.up : COLOURS.down;
      ctx.fillRect(x, channel * CHANNEL_PX, STEP_PX, CHANNEL_PX - 1);
    }
    this.column++;
  }

  private showScores(scores: readonly number[]): void {
    // Scaled to this step's largest magnitude: the bars compare the classes, the numbers are exact.
    const scale = Math.max(1, ...scores.map(Math.abs));
    scores.forEach((score, c) => {
      const bar = this.bars[c];
      if (!bar) return;
      bar.fill.style.width = `${(50 * Math.abs(score)) / scale}%`;
      bar.fill.style.left = score >= 0 ? '50%' : `${50 - (50 * Math.abs(score)) / scale}%`;
      bar.fill.classList.toggle('negative', score < 0);
      bar.value.textContent = String(score);
    });
  }

  private showDecision(decision: number): void {
    this.bars.forEach((bar, c) => bar.row.classList.toggle('decided', c === decision));
    this.decisionBox.textContent = decision < 0 ? 'none yet' : this.labelOf(decision);
    this.decisionBox.dataset.decision = String(decision);
  }
}
