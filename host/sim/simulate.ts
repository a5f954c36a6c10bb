/**
 * Host-side simulation: a spike train through the .wasm engine, step by step, with what each step
 * produced. The CLI, the golden test and the benchmarks all run the engine through here.
 */

import type { Engine } from '../wasm/engine.js';
import type { SpikeTrain } from '../spikes/spike-file.js';
import { InputError } from '../util/input-error.js';
import type { Detection } from '../model/detection.js';

export interface StepRecord {
  t: number;
  /** Readout scores, state LSB. */
  scores: number[];
  /** Per spiking layer, the neurons that fired (only when asked for). */
  spikes?: number[][];
  /** The window decision after this step (-1 while the window has not started). */
  decision: number;
  /** The continuous detector's detection at this step (docs/detection.md), as a board reports it. */
  detection?: Detection;
}

/** Refuses a train the model cannot take, before any step runs, naming the first bad channel. */
export function checkTrainFits(train: SpikeTrain, inputCount: number): void {
  if (train.channelCount !== undefined && train.channelCount > inputCount) {
    throw new InputError(
      `the spike file declares ${train.channelCount} channels; the model has ${inputCount} inputs`,
    );
  }
  train.steps.forEach((channels, t) => {
    const bad = channels.find((c) => c >= inputCount);
    if (bad !== undefined) {
      throw new InputError(`step ${t}: channel ${bad} is not below the model's ${inputCount} inputs`);
    }
    if (channels.length > inputCount) {
      throw new InputError(`step ${t}: ${channels.length} spikes for ${inputCount} inputs`);
    }
  });
}

/** Runs the .wasm detector on the step just taken, as a board does after every step. */
export function detectAfterStep(engine: Engine): Detection | undefined {
  if (engine.detectStep() < 0) return undefined;
  const latest = engine.lastDetection();
  return latest && { step: latest.step, label: latest.label, score: latest.score };
}

export function simulate(
  engine: Engine,
  train: SpikeTrain,
  options: { spikes?: boolean; onStep?: (record: StepRecord) => void } = {},
): StepRecord[] {
  const info = engine.info();
  checkTrainFits(train, info.inputCount);
  const spikingLayers = info.layers.flatMap((layer, index) => (layer.kind === 'readout' ? [] : [index]));
  engine.reset();
  const records: StepRecord[] = [];
  train.steps.forEach((channels, t) => {
    engine.step(channels);
    const record: StepRecord = { t, scores: Array.from(engine.scores()), decision: engine.decision() };
    const detection = detectAfterStep(engine);
    if (detection) record.detection = detection;
    if (options.spikes) record.spikes = spikingLayers.map((l) => Array.from(engine.spikeList(l)));
    options.onStep?.(record);
    records.push(record);
  });
  return records;
}
