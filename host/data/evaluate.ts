/**
 * A model's accuracy on data set clips: each clip encoded by the model's own front-end and run through
 * the .wasm engine exactly as `hetsyn sim MODEL clip.wav` runs it, and the window decision compared
 * with the clip's label. Labels are matched by name, so a model's class order need not be the data
 * set's.
 */

import { readWav } from '../audio/read-wav.js';
import { encodeWavAudio } from '../audio/encode.js';
import type { Engine } from '../wasm/engine.js';
import type { ModelInfo } from '../model/model-info.js';
import { simulate } from '../sim/simulate.js';
import { InputError } from '../util/input-error.js';
import type { Clip, Dataset, Split } from './dataset.js';
import {
  speakerInterval,
  tallyBySpeaker,
  type SpeakerInterval,
  type SpeakerTally,
} from './speaker-interval.js';

export interface Evaluation {
  count: number;
  correct: number;
  /** correct / count. */
  accuracy: number;
  /** The data set's labels, then any model labels the data set lacks (a model may predict them). */
  labels: string[];
  /**
   * Rows: true label (as `labels`); columns: predicted label (as `labels`), then one "none" column
   * for clips that ended before the decision window started. Every clip is counted once.
   */
  confusion: number[][];
  /** Per label, correct / clips of that label; null when it has no clips. */
  recall: (number | null)[];
  /** Clips without a decision (the last column of `confusion`); they count as wrong. */
  none: number;
  /** Measured over every step of every clip: what `hetsyn inspect` needs for a real operation count. */
  activity: Activity;
  /** Clips and correct decisions per speaker (a speaker-less clip is its own), in order of first clip. */
  speakers: SpeakerTally[];
  /** The accuracy's 95% interval over a fresh group of as many speakers (speaker-interval.ts). */
  speakerInterval: SpeakerInterval;
}

export interface Activity {
  steps: number;
  /** Input spikes per input channel per step. */
  inputRate: number;
  /** Per spiking layer, spikes per neuron per step. */
  layerRates: number[];
  /** Over all spiking layers together. */
  hiddenRate: number;
}

export interface EvaluatedModel {
  path: string;
  info: ModelInfo;
  /** The model's engine: one instance for every clip (simulate resets it per clip). */
  engine: Engine;
}

/**
 * The confusion column of each model class. Throws when a data set label is not among the model's,
 * since any accuracy would then be meaningless.
 */
function columnsOfClasses(dataset: Dataset, model: EvaluatedModel): { labels: string[]; column: number[] } {
  const modelLabels = model.info.labels;
  const missing = dataset.labels.filter((label) => !modelLabels.includes(label));
  if (missing.length > 0) {
    throw new InputError(
      `${model.path} has no class for ${missing.join(', ')}: the ${dataset.kind} labels are ${dataset.labels.join(', ')}; the model's are ${modelLabels.join(', ') || '(none)'}`,
    );
  }
  const labels = [...dataset.labels, ...modelLabels.filter((label) => !dataset.labels.includes(label))];
  return { labels, column: modelLabels.map((label) => labels.indexOf(label)) };
}

/** Runs every clip of `split`; `onClip` hears after each one, for progress. */
export function evaluate(
  model: EvaluatedModel,
  dataset: Dataset,
  split: Split,
  onClip?: (done: number, total: number) => void,
  /** Only these clips of the split (e.g. `hetsyn train --limit`'s sample of it), not all of them. */
  only?: readonly Clip[],
): Evaluation {
  const frontend = model.info.frontend;
  if (!frontend) {
    throw new InputError(
      `${model.path} carries no audio front-end (no FRONTEND section), so it cannot take the WAV clips of ${dataset.root}`,
    );
  }
  const { labels, column } = columnsOfClasses(dataset, model);
  const clips = only ?? dataset.clips(split);
  if (clips.length === 0) throw new InputError(`${dataset.root} has no clips in the ${split} split`);

  const noneColumn = labels.length;
  const confusion = labels.map(() => new Array<number>(labels.length + 1).fill(0));
  const spiking = model.info.layers.filter((layer) => layer.kind !== 'readout');
  const layerSpikes = spiking.map(() => 0);
  let inputSpikes = 0;
  let steps = 0;
  const right: boolean[] = [];
  clips.forEach((clip, i) => {
    const train = encodeWavAudio(readWav(clip.path), frontend, clip.path, model.engine);
    for (const record of simulate(model.engine, train, { spikes: true })) {
      record.spikes?.forEach((list, l) => (layerSpikes[l] += list.length));
    }
    for (const channels of train.steps) inputSpikes += channels.length;
    steps += train.steps.length;
    const decision = model.engine.decision();
    const predicted = decision < 0 ? noneColumn : column[decision];
    confusion[clip.label][predicted]++;
    right.push(predicted === clip.label);
    onClip?.(i + 1, clips.length);
  });

  const speakers = tallyBySpeaker(clips, right);
  const correctOf = confusion.map((row, label) => row[label]);
  const correct = correctOf.reduce((a, b) => a + b, 0);
  return {
    count: clips.length,
    correct,
    accuracy: correct / clips.length,
    labels,
    confusion,
    recall: confusion.map((row, label) => {
      const clipsOfLabel = row.reduce((a, b) => a + b, 0);
      return clipsOfLabel === 0 ? null : correctOf[label] / clipsOfLabel;
    }),
    none: confusion.reduce((sum, row) => sum + row[noneColumn], 0),
    activity: {
      steps,
      inputRate: inputSpikes / Math.max(1, steps * model.info.inputCount),
      layerRates: spiking.map((layer, l) => layerSpikes[l] / Math.max(1, steps * layer.neuronCount)),
      hiddenRate:
        layerSpikes.reduce((a, b) => a + b, 0) /
        Math.max(1, steps * spiking.reduce((n, layer) => n + layer.neuronCount, 0)),
    },
    speakers,
    speakerInterval: speakerInterval(speakers),
  };
}
