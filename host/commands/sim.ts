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

/** Progress lines when stderr is not a terminal: at most one per this interval, none for a short run. */
const PLAIN_PROGRESS_INTERVAL_MS = 5000;

interface SimOptions {
  json?: boolean;
  spikes?: boolean;
  quiet?: boolean;
  data?: string;
  split?: Split;
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
 * cells need; live input (stdin) prints each step as it is made: a table row at fixed widths, or
 * with --json one JSON line per step, then a last line with the decision.
 */
function stepOutput(
  info: ModelInfo,
  inputPath: string,
  opts: SimOptions,
): { step: (record: StepRecord) => void; end: (decision: number) => void } {
  const withSpikes = opts.spikes === true;
  const records: StepRecord[] = [];
  const live = inputPath === STDIN_PATH;
  const header = stepHeader(info.labels, withSpikes);
  const widths = header.map((cell, c) =>
    c === 1
      ? Math.max(3, ...info.labels.map((l) => printable(l).length))
      : Math.max(cell.length, LIVE_COLUMN_WIDTH),
  );
  if (live && !opts.json && !opts.quiet) process.stdout.write(tableRow(header, widths) + '\n');
  const label = (decision: number): string | null => info.labels[decision] ?? null;
  const decisionLine = (decision: number, steps: number): string =>
    decision < 0
      ? `decision: none (the ${steps} steps end before the decision window starts at step ${info.decisionSkipSteps})\n`
      : `decision: ${printable(label(decision) ?? '?')} (class ${decision}, summed over steps ${info.decisionSkipSteps}..${steps - 1})\n`;
  let steps = 0;
  return {
    step(record) {
      steps++;
      if (!live) records.push(record);
      else if (opts.json) process.stdout.write(JSON.stringify(record) + '\n');
      else if (!opts.quiet)
        process.stdout.write(tableRow(stepCells(record, info.labels, withSpikes), widths) + '\n');
    },
    end(decision) {
      if (opts.json) {
        if (live) {
          process.stdout.write(
            JSON.stringify({
              model: info.name,
              input: inputPath,
              stepCount: steps,
              decision,
              label: label(decision),
            }) + '\n',
          );
        } else {
          printJson({ model: info.name, input: inputPath, steps: records, decision, label: label(decision) });
        }
        return;
      }
      if (!live && !opts.quiet) {
        const rows = records.map((r) => stepCells(r, info.labels, withSpikes));
        process.stdout.write(table(header, rows) + '\n\n');
      } else if (live && !opts.quiet) process.stdout.write('\n');
      process.stdout.write(decisionLine(decision, steps));
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
  process.stdout.write([title, accuracy, '', confusionTable(result), ...none, '', rates].join('\n') + '\n');
}

const DATA_HELP = `
Data sets (--data DIR):
  FSDD   DIR/recordings/{digit}_{speaker}_{index}.wav; test: takes 0-4, train: takes 5-49,
         validation: takes 5-9 (a part of train)
  gsc12  DIR/<class>/*.wav for ${GSC12_LABELS.join(' ')};
         test or train by the sha1 of the speaker id (its SOURCE.md), validation a part of train
With --data, --json prints {model, data, kind, split, count, correct, accuracy (0..1), labels,
confusion (rows: true label, columns: predicted label then "none"), recall (per label, or null), none, activity {steps, inputRate, layerRates, hiddenRate}}.`;

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
    .option(
      '--json',
      'one JSON object on stdout: every step, the decision and its label (with -: one JSON line per step as it is made, then {model, input, stepCount, decision, label}; --data: below)',
    )
    .option('--spikes', "include each spiking layer's spikes per step")
    .option('-q, --quiet', 'print only the decision (with --data: only the accuracy)')
    .addHelpText('after', DATA_HELP)
    .action(async (modelPath: string, inputPath: string | undefined, opts: SimOptions) => {
      if (opts.data !== undefined) {
        if (inputPath !== undefined) {
          throw new CliError('sim takes an INPUT file or --data DIR, not both', ExitCode.usage);
        }
        if (opts.spikes)
          throw new CliError('--spikes shows one input: it does not go with --data', ExitCode.usage);
        runDataset(modelPath, opts.data, opts.split ?? 'test', opts);
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
