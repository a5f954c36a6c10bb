/** `hetsyn train --data DIR -o MODEL.hsm`: train a HetSynLIF keyword spotter and export it (docs/training.md). */

import { availableParallelism } from 'node:os';
import { basename, extname } from 'node:path';
import { writeOutputFile } from '../util/output.js';
import { Command, InvalidArgumentError, Option } from 'commander';
import cliProgress from 'cli-progress';
import { openDataset, type Dataset } from '../data/dataset.js';
import { evaluate } from '../data/evaluate.js';
import { TUNE_DEFAULTS, tuneDetector } from '../data/detector-tune.js';
import { STREAM_EVAL_DEFAULTS } from '../data/stream-eval.js';
import { readHsm } from '../model/hsm-reader.js';
import { writeHsm } from '../model/hsm-writer.js';
import { defaultFrontend, thresholdQ8FromDb } from '../model/frontend-config.js';
import { openEngine } from '../wasm/module.js';
import { floatModelToJson } from '../float/json.js';
import { loadClips } from '../train/clip-store.js';
import { AUGMENT_DEFAULT, AUGMENT_OFF, REVERB_TIME_S } from '../train/augment.js';
import { RHO_GRANULARITIES, type NetworkSpec, type RhoGranularity } from '../train/network.js';
import { train, type TrainEvents, type TrainSettings } from '../train/trainer.js';
import { paramsFromModel, readInitModel } from '../train/init-model.js';
import { WORD_WINDOWS, type ContinuousOptions, type WordWindow } from '../train/sequence.js';
import { toFloatModel, toHsm } from '../train/export.js';
import { estimateCost } from '../model/cost.js';
import { printJson } from '../cli/format.js';
import { CliError, ExitCode } from '../cli/exit-codes.js';
import { parseFraction, parseIntInRange, parseNonNegative, parsePositive } from '../cli/options.js';

interface TrainOptions {
  data: string;
  output: string;
  name?: string;
  hidden: number[];
  rho: RhoGranularity;
  learnDrives?: boolean;
  learnThresholds?: boolean;
  density?: number;
  levels: number;
  epochs: number;
  finishEpochs: number;
  batch: number;
  lr: number;
  finishLr: number;
  weightDecay: number;
  seed: number;
  workers: number;
  skipSteps: number;
  resetTau: number;
  maxTau?: number;
  initGain: number;
  bands: number;
  thresholdDb: number;
  augment: boolean;
  gainDb: number;
  shiftMs: number;
  noiseProbability: number;
  noiseLevel: number;
  speed: [number, number];
  reverbProbability: number;
  timeMasks: number;
  timeMaskSteps: number;
  channelMasks: number;
  channelMaskWidth: number;
  limit?: number;
  init?: string;
  continuous?: boolean;
  wordsPerSequence: number;
  gapMs: [number, number];
  snrDb: [number, number];
  windowSteps: number;
  gapWeight: number;
  wordWindow: WordWindow;
  guardSteps: number;
  continuousMix: number;
  validate?: boolean;
  targetFa?: number;
  tuneHours: number;
  test: boolean;
  checkpoint?: string;
  resume?: boolean;
  stopAfter?: number;
  floatOutput?: string;
  report?: string;
  json?: boolean;
}

function sizes(value: string): number[] {
  const list = value.split(',').map(Number);
  if (list.length === 0 || list.some((n) => !Number.isInteger(n) || n < 1 || n > 1024)) {
    throw new InvalidArgumentError(
      'expected layer sizes from 1 to 1024, comma separated, e.g. 128 or 128,64',
    );
  }
  return list;
}

function range(what: string): (value: string) => [number, number] {
  return (value) => {
    const parts = value.split(',').map(Number);
    const [low, high] = parts;
    if (parts.length !== 2 || !Number.isFinite(low) || !Number.isFinite(high) || low > high) {
      throw new InvalidArgumentError(`expected LOW,HIGH ${what} with LOW <= HIGH, e.g. 200,1000`);
    }
    return [low, high];
  };
}

/** A speed range: LOW,HIGH factors in (0, 4]. */
function speedRange(value: string): [number, number] {
  const [low, high] = range('speed factors')(value);
  if (low <= 0 || high > 4) throw new InvalidArgumentError('expected speed factors in (0, 4], e.g. 0.9,1.1');
  return [low, high];
}

/** A density of 0 would leave no synapse; 1 is no pruning (leave the option out). */
function parseDensity(value: string): number {
  const x = Number(value);
  if (!Number.isFinite(x) || x <= 0 || x >= 1)
    throw new InvalidArgumentError('expected a fraction above 0 and below 1 (e.g. 0.5)');
  return x;
}

/** The class taught on the gaps of continuous training; a data set without one (FSDD) gains it. */
const BACKGROUND = '_silence_';

function epochProgress(quiet: boolean): TrainEvents {
  if (quiet) return {};
  const line = (text: string): boolean => process.stderr.write(`${text}\n`);
  const events: TrainEvents = {
    note: (message) => line(message),
    epochDone: (r) =>
      line(
        `epoch ${r.epoch} (${r.phase}): loss ${r.loss.toFixed(4)}, train accuracy ${(100 * r.trainAccuracy).toFixed(2)}%${r.validationAccuracy === undefined ? '' : `, validation ${(100 * r.validationAccuracy).toFixed(2)}%`}, hidden rate ${(100 * r.hiddenRate).toFixed(1)}%, ${r.seconds.toFixed(0)} s`,
      ),
  };
  if (!process.stderr.isTTY) return events;
  const bar = new cliProgress.SingleBar(
    {
      format:
        'epoch {epoch} {phase} |{bar}| {value}/{total} clips | loss {loss} | acc {acc} | ETA {eta_formatted}',
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  return {
    ...events,
    epochStart: (epoch, total, phase, clips) =>
      bar.start(clips, 0, { epoch: `${epoch + 1}/${total}`, phase, loss: '-', acc: '-' }),
    batchDone: (done, loss, accuracy) =>
      bar.update(done, { loss: loss.toFixed(3), acc: `${(100 * accuracy).toFixed(1)}%` }),
    epochDone: (record) => {
      bar.stop();
      events.epochDone?.(record);
    },
  };
}

/** At most `limit` items picked evenly through the list (clips are sorted by class, so a prefix is not a sample). */
function spread<T>(items: T[], limit: number | undefined): T[] {
  if (limit === undefined || limit >= items.length) return items;
  return Array.from({ length: limit }, (_, i) => items[Math.floor((i * items.length) / limit)]);
}

/**
 * With `validate`, the validation clips are held out of training and scored after every epoch.
 * Without `test`, the test clips are not even loaded, and the final accuracies are the validation
 * clips' (`scored`).
 */
function loadData(dataset: Dataset, limit: number | undefined, validate: boolean, test: boolean) {
  const validation = validate ? spread(dataset.clips('validation'), limit) : [];
  const held = new Set(validation.map((c) => c.path));
  const train = dataset.clips('train').filter((c) => !held.has(c.path));
  const testSplit = test ? dataset.clips('test') : [];
  const trainClips = spread(train, limit);
  const testClips = spread(testSplit, limit);
  const store = loadClips([...trainClips, ...testClips, ...validation], dataset.sampleRateHz);
  const silence = dataset.labels.indexOf('_silence_');
  const trainIndices = Int32Array.from(trainClips, (_, i) => i);
  const validationIndices = Int32Array.from(validation, (_, i) => trainClips.length + testClips.length + i);
  return {
    store,
    train: trainIndices,
    test: test ? Int32Array.from(testClips, (_, i) => trainClips.length + i) : validationIndices,
    testSplit: test ? ('test' as const) : ('validation' as const),
    validation: validationIndices,
    noise: silence < 0 ? [] : [...trainIndices].filter((i) => trainClips[i].label === silence),
    /** The clips of `test`: the test split (or --limit's sample of it), or the validation clips. */
    testClips: test ? testClips : validation,
  };
}

function continuousOptions(opts: TrainOptions, backgroundLabel: number): ContinuousOptions {
  return {
    wordsPerSequence: opts.wordsPerSequence,
    gapMs: opts.gapMs,
    snrDb: opts.snrDb,
    windowSteps: opts.windowSteps,
    backgroundLabel,
    gapWeight: opts.gapWeight,
    gainDb: opts.augment ? opts.gainDb : 0,
    wordWindow: opts.wordWindow,
    guardSteps: opts.guardSteps,
    clipFraction: opts.continuousMix,
  };
}

export function trainCommand(): Command {
  return new Command('train')
    .description(
      'train a HetSynLIF network on a keyword data set with BPTT and export it to a fixed-point .hsm',
    )
    .requiredOption('--data <dir>', 'data set folder: FSDD (recordings/) or gsc12 (one folder per class)')
    .requiredOption('-o, --output <file>', 'where to write the .hsm model')
    .option('--name <name>', 'model name stored in the file (default: the output file name)')
    .addOption(
      new Option('--hidden <sizes>', 'recurrent hidden layer sizes, comma separated')
        .default([128], '128')
        .argParser(sizes),
    )
    .addOption(
      new Option(
        '--rho <granularity>',
        'learn rho per synapse (HetSyn), per neuron, or per layer (vanilla LIF)',
      )
        .choices(RHO_GRANULARITIES)
        .default('synapse'),
    )
    .option(
      '--learn-drives',
      'learn a constant drive per hidden neuron (external heterogeneity; the readout always learns its own)',
    )
    .option('--learn-thresholds', 'learn a threshold per hidden neuron (intrinsic heterogeneity)')
    .addOption(
      new Option(
        '--density <fraction>',
        "keep this fraction of the hidden layers' synapses, pruning the weakest during the float epochs (network heterogeneity; exported as sparse rows)",
      ).argParser(parseDensity),
    )
    .addOption(
      new Option('-k, --levels <K>', 'time-constant levels per layer in the exported model')
        .default(16)
        .argParser(parseIntInRange(1, 64)),
    )
    .addOption(new Option('--epochs <n>', 'float epochs').default(30).argParser(parseIntInRange(0, 10000)))
    .addOption(
      new Option('--finish-epochs <n>', 'quantization-aware epochs after them')
        .default(3)
        .argParser(parseIntInRange(0, 10000)),
    )
    .addOption(
      new Option('--batch <n>', 'clips per optimizer step').default(32).argParser(parseIntInRange(1, 4096)),
    )
    .addOption(
      new Option('--lr <rate>', 'AdamW learning rate (cosine decay to 1/20 of it)')
        .default(3e-3)
        .argParser(parsePositive),
    )
    .addOption(
      new Option('--finish-lr <rate>', 'learning rate of the quantization-aware epochs')
        .default(3e-4)
        .argParser(parsePositive),
    )
    .addOption(
      new Option('--weight-decay <x>', 'AdamW decoupled weight decay (weights only)')
        .default(1e-4)
        .argParser(parseNonNegative),
    )
    .addOption(
      new Option('--seed <n>', 'random seed: same seed, data and workers give the same model')
        .default(1)
        .argParser(parseIntInRange(0, 2 ** 31 - 1)),
    )
    .addOption(
      new Option('--workers <n>', 'worker threads')
        .default(Math.min(2, availableParallelism()))
        .argParser(parseIntInRange(1, 64)),
    )
    .addOption(
      new Option('--skip-steps <n>', 'steps left out of the decision at the start of a clip')
        .default(2)
        .argParser(parseIntInRange(0, 1000)),
    )
    .addOption(
      new Option('--reset-tau <steps>', 'time constant of the reset current, in steps')
        .default(2)
        .argParser(parsePositive),
    )
    .addOption(
      new Option(
        '--max-tau <steps>',
        'cap every learned time constant at this many steps (none: "no decay" allowed); a capped model forgets, so it cannot latch on a stream',
      ).argParser(parsePositive),
    )
    .addOption(new Option('--init-gain <x>', 'initial weight scale').default(2).argParser(parsePositive))
    .addOption(
      new Option('--bands <B>', 'front-end mel bands (2B input channels)')
        .default(32)
        .argParser(parseIntInRange(1, 64)),
    )
    .addOption(
      new Option('--threshold-db <dB>', 'front-end delta threshold').default(9).argParser(parsePositive),
    )
    .option('--no-augment', 'train on the clips as recorded (no augmentation at all)')
    .addOption(
      new Option('--gain-db <dB>', 'augmentation: random gain within +-dB')
        .default(AUGMENT_DEFAULT.gainDb)
        .argParser(parseNonNegative),
    )
    .addOption(
      new Option('--shift-ms <ms>', 'augmentation: random time shift within +-ms')
        .default(AUGMENT_DEFAULT.shiftMs)
        .argParser(parseNonNegative),
    )
    .addOption(
      new Option('--noise-probability <p>', 'augmentation: chance of mixing in _silence_ noise (gsc12)')
        .default(AUGMENT_DEFAULT.noiseProbability)
        .argParser(parseFraction),
    )
    .addOption(
      new Option('--noise-level <x>', 'augmentation: largest noise level, relative to the noise as recorded')
        .default(AUGMENT_DEFAULT.noiseLevel)
        .argParser(parseNonNegative),
    )
    .addOption(
      new Option('--speed <low,high>', 'augmentation: speed factor (tempo and pitch together), e.g. 0.9,1.1')
        .default([...AUGMENT_DEFAULT.speed] as [number, number], AUGMENT_DEFAULT.speed.join(','))
        .argParser(speedRange),
    )
    .addOption(
      new Option(
        '--reverb-probability <p>',
        `augmentation: chance of a synthetic room (reverberation time ${REVERB_TIME_S.join('-')} s)`,
      )
        .default(AUGMENT_DEFAULT.reverbProbability)
        .argParser(parseFraction),
    )
    .addOption(
      new Option('--time-masks <n>', 'augmentation: stretches of steps with their input spikes dropped')
        .default(AUGMENT_DEFAULT.timeMasks)
        .argParser(parseIntInRange(0, 100)),
    )
    .addOption(
      new Option('--time-mask-steps <n>', 'augmentation: longest time mask, in steps')
        .default(AUGMENT_DEFAULT.timeMaskSteps)
        .argParser(parseIntInRange(0, 10000)),
    )
    .addOption(
      new Option('--channel-masks <n>', 'augmentation: runs of adjacent input channels silenced for a clip')
        .default(AUGMENT_DEFAULT.channelMasks)
        .argParser(parseIntInRange(0, 100)),
    )
    .addOption(
      new Option('--channel-mask-width <n>', 'augmentation: widest channel mask, in channels')
        .default(AUGMENT_DEFAULT.channelMaskWidth)
        .argParser(parseIntInRange(0, 10000)),
    )
    .addOption(
      new Option(
        '--limit <n>',
        'use only n train and n test clips, spread evenly through each split (quick trials)',
      ).argParser(parseIntInRange(1, 1e9)),
    )
    .option(
      '--init <model>',
      'start from this model (.hsm, dequantized, or float JSON) instead of fresh weights; its front-end and layer sizes are used',
    )
    .option(
      '--continuous',
      'train on sequences of words spliced at random gaps into background noise, state carried across words, with scored windows on words and gaps (gaps teach _silence_, added to the classes when the data set lacks it)',
    )
    .addOption(
      new Option('--words-per-sequence <n>', 'continuous: words per sequence')
        .default(3)
        .argParser(parseIntInRange(1, 64)),
    )
    .addOption(
      new Option('--gap-ms <low,high>', 'continuous: gap before, between and after the words, in ms')
        .default([200, 1000] as [number, number], '200,1000')
        .argParser(range('milliseconds')),
    )
    .addOption(
      new Option('--snr-db <low,high>', 'continuous: speech-to-background ratio of a sequence, in dB')
        .default([5, 30] as [number, number], '5,30')
        .argParser(range('dB')),
    )
    .addOption(
      new Option(
        '--window-steps <n>',
        'continuous: length of a scored window, the detector smoothing window W',
      )
        .default(50)
        .argParser(parseIntInRange(1, 10000)),
    )
    .addOption(
      new Option('--gap-weight <x>', 'continuous: weight of a gap window relative to a word window')
        .default(1)
        .argParser(parseNonNegative),
    )
    .addOption(
      new Option(
        '--word-window <kind>',
        "continuous: a word's scored window, its middle --window-steps steps or the whole word",
      )
        .choices(WORD_WINDOWS)
        .default('middle'),
    )
    .addOption(
      new Option(
        '--guard-steps <n>',
        'continuous: unscored steps at each end of a gap, after and before a word',
      )
        .default(0)
        .argParser(parseIntInRange(0, 10000)),
    )
    .addOption(
      new Option(
        '--continuous-mix <fraction>',
        "continuous: fraction of the sequences run instead as their words' single clips (from reset, the clip loss), which keeps the clip decision",
      )
        .default(0)
        .argParser(parseFraction),
    )
    .option(
      '--validate',
      "hold the data set's validation split out of training and report its clip accuracy after every epoch",
    )
    .option(
      '--no-test',
      'never score the test split (comparing candidates on --validate); the accuracies reported are then on the validation split, and the chosen model is scored once with hetsyn sim --data DIR',
    )
    .addOption(
      new Option(
        '--target-fa <n>',
        "with --validate: choose the detector's settings (hetsyn tune) on a stream of the validation split for at most this many false alarms per hour, and write them into the model",
      ).argParser(parseNonNegative),
    )
    .addOption(
      new Option('--tune-hours <h>', 'with --target-fa: hours of the tuning stream')
        .default(1)
        .argParser(parsePositive),
    )
    .option('--checkpoint <file>', 'checkpoint written after every epoch (default: OUTPUT.ckpt.json)')
    .option('--resume', 'continue from the checkpoint (same options required)')
    .addOption(
      new Option('--stop-after <n>', 'stop after this many epochs, checkpointed, to resume later').argParser(
        parseIntInRange(1, 1e6),
      ),
    )
    .option('--float-output <file>', 'also write the finished float model (docs/float-model.md) as JSON')
    .option('--report <file>', 'write the training report (settings, history, accuracies, costs) as JSON')
    .option('--json', 'print the training report as JSON on stdout')
    .action(async (opts: TrainOptions) => {
      if (opts.targetFa !== undefined && opts.validate !== true) {
        throw new CliError(
          '--target-fa tunes the detector on the validation split, which --validate holds out of training',
          ExitCode.usage,
        );
      }
      if (!opts.test && opts.validate !== true) {
        throw new CliError(
          '--no-test needs --validate: the accuracies are then on the validation split',
          ExitCode.usage,
        );
      }
      const dataset = openDataset(opts.data);
      const init = opts.init === undefined ? undefined : readInitModel(opts.init);
      const frontend = init?.frontend ?? {
        ...defaultFrontend(dataset.sampleRateHz),
        bands: opts.bands,
        thresholdQ8: thresholdQ8FromDb(opts.thresholdDb),
      };
      const hidden = init ? init.model.layers.slice(0, -1).map((l) => l.size) : opts.hidden;
      const labels =
        opts.continuous && !dataset.labels.includes(BACKGROUND)
          ? [...dataset.labels, BACKGROUND]
          : dataset.labels;
      const spec: NetworkSpec = {
        inputCount: 2 * frontend.bands,
        layers: [
          ...hidden.map((size) => ({ kind: 'recurrent' as const, size })),
          { kind: 'readout', size: labels.length },
        ],
        rho: opts.rho,
        threshold: 1,
        ...(opts.learnDrives ? { learnDrive: true } : {}),
        ...(opts.learnThresholds ? { learnThreshold: true } : {}),
        ...(opts.density === undefined ? {} : { density: opts.density }),
        resetRho: Math.exp(-1 / opts.resetTau),
        skipSteps: opts.skipSteps,
        ...(opts.maxTau === undefined ? {} : { maxRho: Math.exp(-1 / opts.maxTau) }),
      };
      const settings: TrainSettings = {
        spec,
        frontend,
        epochs: opts.epochs,
        finishEpochs: opts.finishEpochs,
        batchSize: opts.batch,
        learningRate: opts.lr,
        finishLearningRate: opts.finishLr,
        weightDecay: opts.weightDecay,
        levels: opts.levels,
        seed: opts.seed,
        initGain: opts.initGain,
        augment: opts.augment
          ? {
              gainDb: opts.gainDb,
              shiftMs: opts.shiftMs,
              noiseProbability: opts.noiseProbability,
              noiseLevel: opts.noiseLevel,
              speed: opts.speed,
              reverbProbability: opts.reverbProbability,
              timeMasks: opts.timeMasks,
              timeMaskSteps: opts.timeMaskSteps,
              channelMasks: opts.channelMasks,
              channelMaskWidth: opts.channelMaskWidth,
            }
          : AUGMENT_OFF,
        ...(opts.continuous ? { continuous: continuousOptions(opts, labels.indexOf(BACKGROUND)) } : {}),
        ...(opts.init === undefined ? {} : { init: opts.init }),
      };
      const loaded = loadData(dataset, opts.limit, opts.validate === true, opts.test);
      const data = {
        ...loaded,
        ...(init && opts.init !== undefined
          ? { initParams: paramsFromModel(spec, labels, init.model, opts.init) }
          : {}),
      };
      const quiet = opts.json === true;
      if (!quiet) {
        process.stderr.write(
          `${dataset.kind}: ${data.train.length} train clips, ${data.validation.length} validation clips, ${opts.test ? `${data.test.length} test clips` : 'the test split not scored'}; ${spec.inputCount} -> ${hidden.map((n) => `r${n}`).join(' -> ')} -> ${labels.length}, rho per ${opts.rho}, K = ${opts.levels}, ${opts.workers} workers\n`,
        );
      }
      const checkpoint = opts.checkpoint ?? `${opts.output}.ckpt.json`;
      const started = performance.now();
      const result = await train(settings, data, {
        workers: opts.workers,
        checkpointPath: checkpoint,
        ...(opts.resume ? { resumePath: checkpoint } : {}),
        ...(opts.stopAfter === undefined ? {} : { stopAfter: opts.stopAfter }),
        events: epochProgress(quiet),
      });
      if (!result) {
        process.stderr.write(
          `stopped after epoch ${opts.stopAfter}; continue with the same options and --resume (checkpoint ${checkpoint})\n`,
        );
        return;
      }
      const name = opts.name ?? basename(opts.output, extname(opts.output));
      const info = { name, labels, frontend };
      const floatModel = toFloatModel(spec, result.params, info, true);
      const exported = toHsm(floatModel, frontend, opts.levels);
      const quantization = exported.report;
      const engine = openEngine();
      let modelInfo = engine.loadOrThrow(exported.bytes);
      const tuned =
        opts.targetFa === undefined
          ? undefined
          : tuneDetector(engine, modelInfo, dataset, {
              ...TUNE_DEFAULTS,
              hours: opts.tuneHours,
              seed: STREAM_EVAL_DEFAULTS.seed,
              snrDb: STREAM_EVAL_DEFAULTS.snrDb,
              gapMs: STREAM_EVAL_DEFAULTS.gapMs,
              toleranceMs: STREAM_EVAL_DEFAULTS.toleranceMs,
              targetFalseAlarmsPerHour: opts.targetFa,
            });
      const bytes = tuned ? writeHsm({ ...readHsm(exported.bytes), detect: tuned.params }) : exported.bytes;
      if (tuned) modelInfo = engine.loadOrThrow(bytes);
      writeOutputFile(opts.output, bytes);
      if (opts.floatOutput) writeOutputFile(opts.floatOutput, JSON.stringify(floatModelToJson(floatModel)));
      // The same clips as the float accuracies: with --limit, its sample of the split.
      const fixed = evaluate(
        { path: opts.output, info: modelInfo, engine },
        dataset,
        data.testSplit,
        undefined,
        data.testClips,
      );
      const report = {
        model: opts.output,
        data: dataset.kind,
        settings,
        hidden,
        workers: opts.workers,
        trainClips: data.train.length,
        testClips: data.test.length,
        // The split the three accuracies are on: validation under --no-test.
        split: data.testSplit,
        minutes: (performance.now() - started) / 60000,
        floatAccuracy: result.floatTestAccuracy,
        finishedFloatAccuracy: result.finishedTestAccuracy,
        accuracy: fixed.accuracy,
        // The clips all three accuracies are on (with --limit, its sample of the split).
        accuracyClips: fixed.count,
        levelCounts: result.levelCounts,
        bytes: bytes.length,
        activity: fixed.activity,
        cost: estimateCost(modelInfo, fixed.activity),
        quantization,
        history: result.history,
        ...(tuned
          ? { detector: { params: tuned.params, metTarget: tuned.metTarget, validationStream: tuned.result } }
          : {}),
      };
      if (opts.report) writeOutputFile(opts.report, JSON.stringify(report, null, 2));
      if (opts.json) printJson(report);
      else {
        const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;
        process.stdout.write(
          `wrote ${opts.output} (${bytes.length} bytes)\n` +
            `${data.testSplit} accuracy on ${fixed.count} ${data.testSplit} clips${opts.limit === undefined ? '' : ' (--limit)'}: float ${pct(result.floatTestAccuracy)}, finished float ${pct(result.finishedTestAccuracy)}, fixed point (.wasm) ${pct(fixed.accuracy)} (${fixed.correct}/${fixed.count})\n` +
            (tuned
              ? `detector: ${tuned.metTarget ? '' : 'no setting met the target; '}hits ${pct(tuned.result.hit_rate)} at ${tuned.result.false_alarms_per_hour.toFixed(2)} false alarms per hour on a ${tuned.result.hours.toFixed(2)} h validation stream (docs/detection.md)\n`
              : '') +
            `trained in ${report.minutes.toFixed(1)} min\n`,
        );
      }
    });
}
