/**
 * `hetsyn sim MODEL INPUT`: run the .wasm engine on the host, exactly as a board would.
 * `hetsyn sim MODEL --data DIR`: the same, on every clip of a data set split, for its accuracy.
 */

import { printable } from '../util/printable.js';
import { Command, Option } from 'commander';
import cliProgress from 'cli-progress';
import { CliError, ExitCode } from '../cli/exit-codes.js';
import { loadModel } from '../wasm/load-model.js';
import { openInput, type Input } from '../cli/read-input.js';
import { printJson, table, tableRow } from '../cli/format.js';
import { simulate, Simulation, type StepRecord } from '../sim/simulate.js';
import { encodeSampleChunks } from '../audio/encode.js';
import { STDIN_PATH } from '../audio/pcm-input.js';
import type { Engine } from '../wasm/engine.js';
import type { ModelInfo } from '../model/model-info.js';
import { GSC12_LABELS, openDataset, SPLITS, type Split } from '../data/dataset.js';
import { evaluate, type Evaluation } from '../data/evaluate.js';
import { decisionText } from '../cli/step-format.js';
import { evaluateStream, STREAM_EVAL_DEFAULTS } from '../data/stream-eval.js';
import { parseIntInRange, parseNonNegative, parseNumber, parsePositive } from '../cli/options.js';
import type { Detection } from '../model/detection.js';

/** Progress lines when stderr is not a terminal: at most one per this interval, none for a short run. */
const PLAIN_PROGRESS_INTERVAL_MS = 5000;

interface SimOptions {
  json?: boolean;
  spikes?: boolean;
  quiet?: boolean;
  data?: string;
  split?: Split;
  stream?: boolean;
  hours?: number;
  seed?: number;
  snr?: number;
  toleranceMs?: number;
}

function argmax(values: number[]): number {
  return values.reduce((best, v, i) => (v > (values[best] ?? -Infinity) ? i : best), 0);
}

function stepHeader(labels: string[], withSpikes: boolean): string[] {
  return ['step', 'top', ...labels.map(printable), ...(withSpikes ? ['spikes per layer'] : [])];
}

function stepCells(r: StepRecord, labels: string[], withSpikes: boolean): (string | number)[] {
  return [
    r.t,
    printable(labels[argmax(r.scores)] ?? '?'),
    ...r.scores,
    ...(withSpikes ? [(r.spikes ?? []).map((l) => l.length).join('/')] : []),
  ];
}

/** Score columns of a live table are at least this wide: its rows go out before the widest score is known. */
const LIVE_COLUMN_WIDTH = 8;

/**
 * Where the steps go. A file's steps are gathered for one table or JSON document, as wide as its
 * cells need; live input (stdin) prints each step as it is made: a table row at fixed widths and a
 * line per detection as it happens (also with -q), or with --json one JSON line per step, then a
 * last line with the decision and the detections.
 */
function stepOutput(
  info: ModelInfo,
  inputPath: string,
  opts: SimOptions,
): { step: (record: StepRecord) => void; end: (decision: number) => void } {
  const withSpikes = opts.spikes === true;
  const records: StepRecord[] = [];
  const detections: Detection[] = [];
  const live = inputPath === STDIN_PATH;
  const header = stepHeader(info.labels, withSpikes);
  const widths = header.map((cell, c) =>
    c === 1
      ? Math.max(3, ...info.labels.map((l) => printable(l).length))
      : Math.max(cell.length, LIVE_COLUMN_WIDTH),
  );
  if (live && !opts.json && !opts.quiet) process.stdout.write(tableRow(header, widths) + '\n');
  const label = (decision: number): string | null => info.labels[decision] ?? null;
  let steps = 0;
  return {
    step(record) {
      steps++;
      if (record.detection) detections.push(record.detection);
      if (!live) records.push(record);
      else if (opts.json) process.stdout.write(JSON.stringify(record) + '\n');
      else {
        if (!opts.quiet) {
          process.stdout.write(tableRow(stepCells(record, info.labels, withSpikes), widths) + '\n');
        }
        if (record.detection) {
          process.stdout.write(
            `detection: ${detectionText(record.detection, info.labels, info.timestepUs)}\n`,
          );
        }
      }
    },
    end(decision) {
      const summary = { model: info.name, input: inputPath };
      if (opts.json) {
        if (live) {
          const end = { ...summary, stepCount: steps, decision, label: label(decision), detections };
          process.stdout.write(JSON.stringify(end) + '\n');
        } else {
          printJson({ ...summary, steps: records, decision, label: label(decision), detections });
        }
        return;
      }
      if (!opts.quiet) {
        if (!live) {
          const rows = records.map((r) => stepCells(r, info.labels, withSpikes));
          process.stdout.write(table(header, rows) + '\n');
        }
        process.stdout.write('\n' + detectionLines(detections, info.labels, info.timestepUs));
      }
      process.stdout.write(
        decision < 0
          ? `decision: none (the ${steps} steps end before the decision window starts at step ${info.decisionSkipSteps})\n`
          : `decision: ${printable(label(decision) ?? '?')} (class ${decision}, summed over steps ${info.decisionSkipSteps}..${steps - 1})\n`,
      );
    },
  };
}

/** Each step's record, as soon as its input is there: a spike file's steps, or audio's as it arrives. */
async function* runSteps(engine: Engine, input: Input, spikes: boolean): AsyncGenerator<StepRecord> {
  if (input.kind === 'spikes') {
    yield* simulate(engine, input.train, { spikes });
    return;
  }
  const simulation = new Simulation(engine, { spikes });
  for await (const steps of encodeSampleChunks(input.audio.chunks, input.frontend, engine)) {
    for (const channels of steps) yield simulation.step(channels);
  }
}

async function runInput(modelPath: string, inputPath: string, opts: SimOptions): Promise<void> {
  const { engine, info } = loadModel(modelPath);
  const input = await openInput(inputPath, { path: modelPath, info, engine });
  const output = stepOutput(info, inputPath, opts);
  for await (const record of runSteps(engine, input, opts.spikes === true)) output.step(record);
  output.end(engine.decision());
}

/** A detection for people: the class, its step and time, its margin. */
function detectionText(d: Detection, labels: string[], timestepUs: number): string {
  return `${decisionText(d.label, labels)} at step ${d.step} (${((d.step * timestepUs) / 1e6).toFixed(2)} s), margin ${d.score}`;
}

/** "detections: none", or a line per detection. */
function detectionLines(detections: Detection[], labels: string[], timestepUs: number): string {
  if (detections.length === 0) return 'detections: none\n';
  const lines = detections.map((d) => `  ${detectionText(d, labels, timestepUs)}`);
  return `detections: ${detections.length}\n${lines.join('\n')}\n`;
}

/** Clips done on stderr: a bar on a terminal, else an occasional plain line. */
function clipProgress(): { update: (done: number, total: number) => void; stop: () => void } {
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        format: 'clips |{bar}| {value} of {total}, ETA {eta_formatted}',
        stream: process.stderr,
        hideCursor: true,
        clearOnComplete: true,
      },
      cliProgress.Presets.shades_classic,
    );
    return {
      update(done, total) {
        if (done === 1) bar.start(total, 0);
        bar.update(done);
      },
      stop: () => bar.stop(),
    };
  }
  let last = performance.now();
  return {
    update(done, total) {
      const now = performance.now();
      if (now - last < PLAIN_PROGRESS_INTERVAL_MS) return;
      last = now;
      process.stderr.write(`${done} of ${total} clips\n`);
    },
    stop: () => undefined,
  };
}

const percent = (fraction: number): string => `${(100 * fraction).toFixed(2)}%`;

function confusionTable(e: Evaluation): string {
  const header = ['true \\ predicted', ...e.labels.map(printable), 'none', 'recall'];
  const rows = e.labels.map((name, label) => {
    const recall = e.recall[label];
    return [printable(name), ...e.confusion[label], recall === null ? '-' : percent(recall)];
  });
  return table(header, rows);
}

function runDataset(modelPath: string, dataDir: string, split: Split, opts: SimOptions): void {
  const dataset = openDataset(dataDir);
  const { engine, info } = loadModel(modelPath);
  const progress = clipProgress();
  let result: Evaluation;
  try {
    result = evaluate({ path: modelPath, info, engine }, dataset, split, progress.update);
  } finally {
    progress.stop();
  }
  if (opts.json) {
    printJson({ model: info.name, data: dataDir, kind: dataset.kind, split, ...result });
    return;
  }
  const accuracy = `accuracy: ${percent(result.accuracy)} (${result.correct} of ${result.count})`;
  if (opts.quiet) {
    process.stdout.write(`${accuracy}\n`);
    return;
  }
  const title = `${printable(info.name)} on ${dataset.kind} ${dataDir}, ${split} split: ${result.count} clips`;
  const none =
    result.none > 0
      ? ['', `${result.none} of the clips ended before the decision window (column none): counted as wrong.`]
      : [];
  const { activity } = result;
  const rates = `activity: input ${percent(activity.inputRate)} of channels per step, spiking layers ${activity.layerRates.map(percent).join(' / ')} of neurons per step (${activity.steps} steps; hetsyn inspect --input-rate ${activity.inputRate.toFixed(3)} --hidden-rate ${activity.hiddenRate.toFixed(3)} for the operations)`;
  const { speakers, low, high } = result.speakerInterval;
  const spread = `another ${speakers} speakers from the same population: ${percent(low)} to ${percent(high)} (95%, speakers resampled)`;
  process.stdout.write(
    [title, accuracy, spread, '', confusionTable(result), ...none, '', rates].join('\n') + '\n',
  );
}

function runStreamEval(modelPath: string, dataDir: string, opts: SimOptions): void {
  const dataset = openDataset(dataDir);
  const { engine, info } = loadModel(modelPath);
  const D = STREAM_EVAL_DEFAULTS;
  const hours = opts.hours ?? D.hours;
  let reported = 0;
  const result = evaluateStream(engine, info, dataset, {
    split: opts.split ?? D.split,
    hours,
    seed: opts.seed ?? D.seed,
    snrDb: opts.snr ?? D.snrDb,
    gapMs: D.gapMs,
    toleranceMs: opts.toleranceMs ?? D.toleranceMs,
    onProgress: (done) => {
      // A line per tenth of the stream: an hour takes a minute or more.
      if (done - reported < hours / 10 && done < hours) return;
      reported = done;
      if (!opts.json && !opts.quiet) process.stderr.write(`stream: ${done.toFixed(2)} of ${hours} h\n`);
    },
  });
  if (opts.json) {
    printJson(result);
    return;
  }
  const headline = `hits ${percent(result.hit_rate)}, false alarms ${result.false_alarms_per_hour.toFixed(2)} per hour`;
  if (opts.quiet) {
    process.stdout.write(`${headline}\n`);
    return;
  }
  const latency =
    result.latency_ms_p50 === null
      ? 'none'
      : `p50 ${result.latency_ms_p50} ms, p90 ${result.latency_ms_p90} ms`;
  const rows = Object.entries(result.per_class).map(([name, c]) => [
    printable(name),
    c.words,
    c.hits,
    c.words > 0 ? percent(c.hits / c.words) : '-',
  ]);
  process.stdout.write(
    [
      `${printable(info.name)} on a ${result.hours.toFixed(2)} h stream from the ${result.split} split of ${dataset.kind} ${dataDir} (seed ${result.seed}, SNR ${result.snr_db} dB)`,
      headline,
      `${result.keywords} keywords: ${result.hits} hits, ${result.wrong_class} wrong class, ${result.misses} missed (a detection counts up to ${result.tolerance_ms} ms after its word); ${result.other_words} other words`,
      `${result.false_alarms} false alarms (${result.false_alarms_in_noise} in the noise between words, ${result.false_alarms_on_other_words} on other words, ${result.repeat_detections} repeated on a keyword); latency from the start of the word: ${latency}`,
      '',
      table(['class', 'words', 'hits', 'hit rate'], rows),
    ].join('\n') + '\n',
  );
}

const DATA_HELP = `
Data sets (--data DIR):
  FSDD   DIR/recordings/{digit}_{speaker}_{index}.wav; test: takes 0-4, train: takes 5-49,
         validation: takes 5-9 (a part of train)
  gsc12  DIR/<class>/*.wav for ${GSC12_LABELS.join(' ')};
         test or train by the sha1 of the speaker id (its SOURCE.md), validation a part of train
With --data, --json prints {model, data, kind, split, count, correct, accuracy (0..1), labels,
confusion (rows: true label, columns: predicted label then "none"), recall (per label, or null), none, activity {steps, inputRate, layerRates, hiddenRate},
speakers [{speaker, clips, correct}], speakerInterval {speakers, low, median, high, resamples}: the accuracy's
95% range for a fresh group of as many speakers, by resampling whole speakers}.

Streaming evaluation (--data DIR --stream, docs/detection.md): the split's words spliced at random
gaps of ${STREAM_EVAL_DEFAULTS.gapMs[0]}-${STREAM_EVAL_DEFAULTS.gapMs[1]} ms into background noise (the _silence_ recordings, or synthetic noise), run
without a reset through the front-end, network and detector. --json prints {model, dataset, split,
hours, seed, snr_db, tolerance_ms, keywords, other_words, hits, wrong_class, misses, false_alarms,
false_alarms_in_noise, false_alarms_on_other_words, repeat_detections, hit_rate, wrong_class_rate, miss_rate, false_alarms_per_hour, latency_ms_p50, latency_ms_p90,
per_class}.`;

export function simCommand(): Command {
  return new Command('sim')
    .description(
      'simulate a model on the host with the same .wasm engine a board runs (bit-identical), on one input or on a data set',
    )
    .argument('<model>', '.hsm model file')
    .argument(
      '[input]',
      "spike file (text .spikes or binary .spk, docs/spike-format.md), a .wav encoded with the model's front-end, or - for audio on stdin (a WAV stream or raw signed 16-bit little-endian mono PCM at the front-end's rate), run as it arrives",
    )
    .option(
      '--data <dir>',
      "instead of an input: every clip of a data set (FSDD or gsc12 folder), encoded with the model's front-end; prints accuracy, confusion matrix and recall per class",
    )
    .addOption(new Option('--split <split>', 'with --data: which clips (default test)').choices(SPLITS))
    .option('--stream', "with --data: a continuous stream of the split's words in noise, scored by detection")
    .addOption(
      new Option(
        '--hours <h>',
        `with --stream: hours of audio (default ${STREAM_EVAL_DEFAULTS.hours})`,
      ).argParser(parsePositive),
    )
    .addOption(
      new Option(
        '--seed <s>',
        `with --stream: the stream's seed (default ${STREAM_EVAL_DEFAULTS.seed})`,
      ).argParser(parseIntInRange(0, 0xffffffff)),
    )
    .addOption(
      new Option(
        '--snr <db>',
        `with --stream: speech-to-noise ratio in dB (default ${STREAM_EVAL_DEFAULTS.snrDb})`,
      ).argParser(parseNumber),
    )
    .addOption(
      new Option(
        '--tolerance-ms <ms>',
        `with --stream: how long after its word a detection still counts (default ${STREAM_EVAL_DEFAULTS.toleranceMs})`,
      ).argParser(parseNonNegative),
    )
    .option(
      '--json',
      'one JSON object on stdout: every step, the decision, its label and the detections (with -: one JSON line per step as it is made, then {model, input, stepCount, decision, label}; --data: below)',
    )
    .option('--spikes', "include each spiking layer's spikes per step")
    .option('-q, --quiet', 'print only the decision (with --data: only the accuracy)')
    .addHelpText('after', DATA_HELP)
    .action(async (modelPath: string, inputPath: string | undefined, opts: SimOptions) => {
      const streamOnly = (['hours', 'seed', 'snr', 'toleranceMs'] as const).filter(
        (k) => opts[k] !== undefined,
      );
      if (!opts.stream && streamOnly.length > 0) {
        throw new CliError(
          `--${streamOnly[0] === 'toleranceMs' ? 'tolerance-ms' : streamOnly[0]} goes with --data DIR --stream`,
          ExitCode.usage,
        );
      }
      if (opts.stream && opts.data === undefined) {
        throw new CliError('--stream builds its stream from a data set: give --data DIR', ExitCode.usage);
      }
      if (opts.data !== undefined) {
        if (inputPath !== undefined) {
          throw new CliError('sim takes an INPUT file or --data DIR, not both', ExitCode.usage);
        }
        if (opts.spikes)
          throw new CliError('--spikes shows one input: it does not go with --data', ExitCode.usage);
        if (opts.stream) runStreamEval(modelPath, opts.data, opts);
        else runDataset(modelPath, opts.data, opts.split ?? 'test', opts);
      } else if (inputPath === undefined) {
        throw new CliError('sim needs an INPUT file (spikes or .wav) or --data DIR', ExitCode.usage);
      } else if (opts.split !== undefined) {
        throw new CliError(
          '--split picks clips of --data DIR; it does not go with an INPUT file',
          ExitCode.usage,
        );
      } else {
        await runInput(modelPath, inputPath, opts);
      }
    });
}
