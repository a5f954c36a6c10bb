/**
 * The training run (docs/training.md): float epochs of BPTT with AdamW on augmented clips, then
 * the quantization-aware finish (rho snapped to K levels and frozen, weights on the fixed-point
 * grid), checkpointing after every epoch. Batches run on a worker pool; the main thread owns the
 * parameters and the optimizer.
 */
import { Prng } from '../util/prng.js';
import type { FrontendConfig } from '../model/frontend-config.js';
import { adamState, adamwStep, ADAM_DEFAULTS } from './adamw.js';
import type { AugmentOptions } from './augment.js';
import type { ClipStore } from './clip-store.js';
import {
  readCheckpoint,
  writeCheckpoint,
  CheckpointError,
  type Checkpoint,
  type EpochRecord,
} from './checkpoint.js';
import { clampParams, initParams, paramLayout, type NetworkSpec } from './network.js';
import { WorkerPool, type BatchOptions } from './pool.js';
import { snapRho } from './quantize-aware.js';
import { densityAt, pruneToDensity } from './prune.js';
import type { ContinuousOptions } from './sequence.js';

export interface TrainSettings {
  spec: NetworkSpec;
  frontend: FrontendConfig;
  epochs: number;
  finishEpochs: number;
  batchSize: number;
  learningRate: number;
  /** Learning rate of the quantization-aware finish. */
  finishLearningRate: number;
  weightDecay: number;
  levels: number;
  seed: number;
  /** Initial weight scale (see initParams). */
  initGain: number;
  augment: AugmentOptions;
  /** Train on continuous sequences of words in background noise instead of single clips. */
  continuous?: ContinuousOptions;
  /** The model the run started from (`--init`), instead of fresh parameters. */
  init?: string;
}

export interface TrainData {
  store: ClipStore;
  train: Int32Array;
  /** The clips the final accuracies are on: the test split, or the validation clips when it is not to be scored. */
  test: Int32Array;
  /** Which split `test` holds, for the log. */
  testSplit: 'test' | 'validation';
  /** Scored after every epoch (clip accuracy) to choose epochs and rates; may be empty. */
  validation: Int32Array;
  noise: number[];
  /** Starting parameters (settings.init's), in the layout of settings.spec. */
  initParams?: Float64Array;
}

export interface TrainEvents {
  epochStart?(epoch: number, total: number, phase: EpochRecord['phase'], clips: number): void;
  batchDone?(clipsDone: number, loss: number, accuracy: number): void;
  epochDone?(record: EpochRecord): void;
  /** A message for the log (phase changes, evaluations). */
  note?(message: string): void;
}

export interface TrainResult {
  params: Float64Array;
  history: EpochRecord[];
  /** Float network before the finish, on the test clips. */
  floatTestAccuracy: number;
  /** The finished network (levels, weights on the grid) in float, on the test clips. */
  finishedTestAccuracy: number;
  levelCounts: number[];
}

/** The learning rate of float epoch `epoch`: cosine from `lr` down to lr / 20. */
function cosineRate(lr: number, epoch: number, epochs: number): number {
  const floor = lr / 20;
  return floor + ((lr - floor) * (1 + Math.cos((Math.PI * epoch) / Math.max(1, epochs)))) / 2;
}

/** CPU seconds of this process (all its threads) since `start`, a process.cpuUsage() reading. */
function cpuSecondsSince(start: NodeJS.CpuUsage): number {
  const { user, system } = process.cpuUsage(start);
  return (user + system) / 1e6;
}

function shuffled(items: Int32Array, seed: number): Int32Array {
  const rng = new Prng(seed);
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

export async function evaluateClips(
  pool: WorkerPool,
  store: ClipStore,
  clips: Int32Array,
  quantize: boolean,
): Promise<number> {
  if (clips.length === 0) return NaN;
  const options: BatchOptions = { epoch: 0, seed: 0, augment: false, withGradient: false, quantize };
  const { predictions } = await pool.run(clips, options);
  let correct = 0;
  predictions.forEach((p, k) => (correct += p === store.labels[clips[k]] ? 1 : 0));
  return correct / clips.length;
}

export interface RunOptions {
  workers: number;
  /** Rewritten after every epoch. */
  checkpointPath?: string;
  /** Continue from this checkpoint; its settings must equal the run's. */
  resumePath?: string;
  /** Stop once this many epochs are done (a time-boxed run, resumed later); the result is then null. */
  stopAfter?: number;
  events?: TrainEvents;
}

export async function train(
  settings: TrainSettings,
  data: TrainData,
  run: RunOptions,
): Promise<TrainResult | null> {
  const { workers, checkpointPath, resumePath, stopAfter, events = {} } = run;
  const { spec } = settings;
  const layout = paramLayout(spec);
  const params = new Float64Array(new SharedArrayBuffer(8 * layout.length));
  const adam = adamState(layout.length);
  const frozen = new Uint8Array(layout.length);
  const decayMask = new Uint8Array(layout.length);
  for (const l of layout.layers) decayMask.fill(1, l.weight, l.weight + l.rows * l.size);
  let history: EpochRecord[] = [];
  let nextEpoch = 0;
  let floatTestAccuracy: number | undefined;

  if (resumePath) {
    const c = readCheckpoint(resumePath);
    // Every setting that has shaped the run so far must match. Before the finish has begun its own
    // settings have shaped nothing, so one float run can be finished several ways (the K ablation).
    const shaping = (s: TrainSettings): object =>
      c.nextEpoch > s.epochs
        ? s
        : { ...s, levels: undefined, finishEpochs: undefined, finishLearningRate: undefined };
    if (JSON.stringify(shaping(c.settings as TrainSettings)) !== JSON.stringify(shaping(settings))) {
      throw new CheckpointError(
        `${resumePath} was written by a run with other settings; resume with the same options`,
      );
    }
    if (c.params.length !== layout.length)
      throw new CheckpointError(`${resumePath} holds another network shape`);
    params.set(c.params);
    adam.m.set(c.m);
    adam.v.set(c.v);
    adam.step = c.adamStep;
    frozen.set(c.frozen);
    history = c.history;
    nextEpoch = c.nextEpoch;
    floatTestAccuracy = c.floatTestAccuracy;
    events.note?.(`resumed from ${resumePath} at epoch ${nextEpoch + 1}`);
  } else {
    params.set(data.initParams ?? initParams(spec, settings.seed, settings.initGain));
    clampParams(layout, params, spec.maxRho);
  }

  const pool = await WorkerPool.start(workers, {
    spec,
    frontend: settings.frontend,
    augment: settings.augment,
    store: data.store,
    noiseIndices: data.noise,
    params,
    ...(settings.continuous
      ? {
          continuous: {
            options: settings.continuous,
            frame: {
              sampleRateHz: settings.frontend.sampleRateHz,
              windowSamples: (settings.frontend.windowMs * settings.frontend.sampleRateHz) / 1000,
              hopSamples: (settings.frontend.hopMs * settings.frontend.sampleRateHz) / 1000,
            },
          },
        }
      : {}),
  });
  const sequences = settings.continuous !== undefined;
  const per = settings.continuous?.wordsPerSequence ?? 1;
  const batchStep = per * Math.max(1, Math.round(settings.batchSize / per));
  const total = settings.epochs + settings.finishEpochs;
  let levelCounts: number[] = [];
  try {
    for (let epoch = nextEpoch; epoch < total; epoch++) {
      const finishing = epoch >= settings.epochs;
      if (finishing && floatTestAccuracy === undefined) {
        floatTestAccuracy = await evaluateClips(pool, data.store, data.test, false);
        events.note?.(
          `float network: ${(100 * floatTestAccuracy).toFixed(2)}% on the ${data.testSplit} clips`,
        );
      }
      if (spec.density !== undefined) {
        const density = densityAt(epoch, settings.epochs, spec.density);
        const removed = pruneToDensity(layout, params, frozen, density);
        if (removed > 0)
          events.note?.(
            `pruned ${removed} synapses: ${(100 * density).toFixed(1)}% of the spiking layers' kept`,
          );
      }
      if (finishing && levelCounts.length === 0)
        levelCounts = snapRho(layout, params, settings.levels, frozen);
      const phase: EpochRecord['phase'] = finishing ? 'quantize-aware' : 'float';
      const lr = finishing
        ? settings.finishLearningRate
        : cosineRate(settings.learningRate, epoch, settings.epochs);
      const order = shuffled(data.train, settings.seed * 7919 + epoch);
      events.epochStart?.(epoch, total, phase, order.length);
      const started = performance.now();
      const startedCpu = process.cpuUsage();
      let loss = 0;
      let counted = 0;
      let correct = 0;
      let spikes = 0;
      let neuronSteps = 0;
      let windows = 0;
      const hidden = spec.layers.slice(0, -1).reduce((n, l) => n + l.size, 0);
      for (let at = 0; at < order.length; at += batchStep) {
        const items = order.subarray(at, at + batchStep);
        const result = await pool.run(items, {
          epoch,
          seed: settings.seed,
          augment: true,
          withGradient: true,
          quantize: finishing,
          sequences,
        });
        const grad = result.grad;
        if (grad && result.counted > 0) {
          for (let k = 0; k < grad.length; k++) grad[k] /= result.counted;
          adamwStep(params, grad, adam, lr, decayMask, frozen, {
            ...ADAM_DEFAULTS,
            weightDecay: settings.weightDecay,
          });
          clampParams(layout, params, spec.maxRho);
        }
        loss += result.loss;
        counted += result.counted;
        // A sequence's accuracy is over its scored windows, a clip's over clips.
        correct += result.windowsCorrect;
        windows += result.windows;
        spikes += result.spikeCounts.reduce((a, b) => a + b, 0);
        neuronSteps += result.steps * hidden;
        events.batchDone?.(at + items.length, loss / Math.max(1, counted), correct / Math.max(1, windows));
      }
      const validationAccuracy = await evaluateClips(pool, data.store, data.validation, finishing);
      const record: EpochRecord = {
        epoch: epoch + 1,
        phase,
        loss: loss / Math.max(1, counted),
        trainAccuracy: correct / Math.max(1, windows),
        hiddenRate: spikes / Math.max(1, neuronSteps),
        seconds: (performance.now() - started) / 1000,
        cpuSeconds: cpuSecondsSince(startedCpu),
        ...(Number.isNaN(validationAccuracy) ? {} : { validationAccuracy }),
      };
      history.push(record);
      events.epochDone?.(record);
      if (checkpointPath) {
        const checkpoint: Checkpoint = {
          settings,
          nextEpoch: epoch + 1,
          params,
          adamStep: adam.step,
          m: adam.m,
          v: adam.v,
          frozen,
          history,
          ...(floatTestAccuracy === undefined ? {} : { floatTestAccuracy }),
        };
        writeCheckpoint(checkpointPath, checkpoint);
      }
      if (stopAfter !== undefined && epoch + 1 >= stopAfter && epoch + 1 < total) return null;
    }
    if (floatTestAccuracy === undefined) {
      floatTestAccuracy = await evaluateClips(pool, data.store, data.test, false);
    }
    if (levelCounts.length === 0) levelCounts = snapRho(layout, params, settings.levels, frozen);
    const finishedTestAccuracy = await evaluateClips(pool, data.store, data.test, true);
    return { params: params.slice(), history, floatTestAccuracy, finishedTestAccuracy, levelCounts };
  } finally {
    await pool.close();
  }
}
