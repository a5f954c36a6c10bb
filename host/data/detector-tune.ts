/**
 * Choosing the detector's parameters for a target false-alarm rate (docs/detection.md, "Tuning"):
 * the streaming evaluation's stream is run once through the network, its scores kept, and then
 * only the .wasm detector is run again on those scores for each candidate setting (the detector
 * depends on nothing else, so a replay detects exactly what a live run with that setting would).
 * Among the settings whose false alarms per hour stay within the target, the one with the most hits
 * wins; one threshold is shared by every detectable class.
 */

import type { Engine } from '../wasm/engine.js';
import type { ModelInfo } from '../model/model-info.js';
import type { Detection, DetectParams } from '../model/detection.js';
import type { Dataset } from './dataset.js';
import {
  runEvalStream,
  scoreStream,
  type RanStream,
  type StreamEvalOptions,
  type StreamEvalResult,
} from './stream-eval.js';

export interface TuneOptions extends StreamEvalOptions {
  /** False alarms per hour the chosen setting may make at most, on this stream. */
  targetFalseAlarmsPerHour: number;
  smoothingShifts: readonly number[];
  suppressSteps: readonly number[];
}

export const TUNE_DEFAULTS = {
  split: 'validation',
  targetFalseAlarmsPerHour: 0.5,
  smoothingShifts: [3, 4, 5, 6],
  suppressSteps: [50, 100],
} as const;

export interface TuneResult {
  params: DetectParams;
  /** The chosen setting's figures on the tuning stream. */
  result: StreamEvalResult;
  /** Whether any setting met the target (if none did, the one with the fewest false alarms). */
  metTarget: boolean;
  /** Every setting tried, with its threshold and figures. */
  tried: { params: DetectParams; hitRate: number; falseAlarmsPerHour: number }[];
}

/** Steps' scores, kept for replay: one Int32Array of steps x classes. */
class ScoreLog {
  private data: Int32Array;
  steps = 0;
  /** The widest spread of one step's scores: no smoothed margin can exceed it. */
  widest = 0;

  constructor(private readonly classes: number) {
    this.data = new Int32Array(classes * 65536);
  }

  push(scores: Int32Array): void {
    if ((this.steps + 1) * this.classes > this.data.length) {
      const bigger = new Int32Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data.set(scores, this.steps * this.classes);
    this.steps++;
    let low = Infinity;
    let high = -Infinity;
    for (const x of scores) {
      low = Math.min(low, x);
      high = Math.max(high, x);
    }
    this.widest = Math.max(this.widest, high - low);
  }

  at(step: number): Int32Array {
    return this.data.subarray(step * this.classes, (step + 1) * this.classes);
  }
}

/** The detections the .wasm detector makes on the logged scores with `params`. */
function replay(engine: Engine, log: ScoreLog, params: DetectParams): Detection[] {
  engine.setDetectParams(params);
  engine.detectReset();
  const detections: Detection[] = [];
  for (let t = 0; t < log.steps; t++) {
    engine.setScores(log.at(t));
    if (engine.detectStep() < 0) continue;
    const latest = engine.lastDetection();
    if (latest) detections.push({ step: latest.step, label: latest.label, score: latest.score });
  }
  return detections;
}

export function tuneDetector(
  engine: Engine,
  info: ModelInfo,
  dataset: Dataset,
  options: TuneOptions,
): TuneResult {
  const log = new ScoreLog(info.classCount);
  const ran: RanStream = runEvalStream(engine, info, dataset, options, (scores) => log.push(scores));
  const detectable = info.labels.map((label) => !label.startsWith('_'));
  const score = (params: DetectParams): StreamEvalResult =>
    scoreStream(info, { ...ran, detections: replay(engine, log, params) }, options);
  const withThreshold = (shift: number, suppress: number, threshold: number): DetectParams => ({
    smoothingShift: shift,
    suppressSteps: suppress,
    thresholds: detectable.map((d) => (d ? threshold : -1)),
  });

  const tried: TuneResult['tried'] = [];
  let best: { params: DetectParams; result: StreamEvalResult } | undefined;
  let fewest: { params: DetectParams; result: StreamEvalResult } | undefined;
  for (const shift of options.smoothingShifts) {
    for (const suppress of options.suppressSteps) {
      // False alarms fall as the threshold rises: the lowest threshold within the target keeps the
      // most hits. Bisection over the integers up to one past the widest margin (no detection).
      let low = 0;
      let high = Math.min(0x7fffffff, log.widest + 1);
      let within: { params: DetectParams; result: StreamEvalResult } | undefined;
      while (low <= high) {
        const mid = Math.floor((low + high) / 2);
        const params = withThreshold(shift, suppress, mid);
        const result = score(params);
        tried.push({ params, hitRate: result.hit_rate, falseAlarmsPerHour: result.false_alarms_per_hour });
        if (!fewest || result.false_alarms_per_hour < fewest.result.false_alarms_per_hour)
          fewest = { params, result };
        if (result.false_alarms_per_hour <= options.targetFalseAlarmsPerHour) {
          within = { params, result };
          high = mid - 1;
        } else {
          low = mid + 1;
        }
      }
      if (within && (!best || within.result.hit_rate > best.result.hit_rate)) best = within;
    }
  }
  const chosen = best ?? fewest;
  if (!chosen) throw new Error('tuneDetector needs at least one smoothing shift and one suppression');
  engine.setDetectParams(chosen.params);
  return { params: chosen.params, result: chosen.result, metTarget: best !== undefined, tried };
}
