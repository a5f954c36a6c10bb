/**
 * `hetsyn tune MODEL`: the continuous detector's parameters (docs/detection.md), chosen on a data
 * set's validation stream for a target false-alarm rate (`--data DIR`) or set by hand, and written
 * into the model's DETECT section (`-o OUT.hsm`) without retraining or touching the network.
 */

import { Command, Option } from 'commander';
import { CliError, ExitCode } from '../cli/exit-codes.js';
import { printJson, table } from '../cli/format.js';
import { parseIntInRange, parseNonNegative, parseNumber, parsePositive } from '../cli/options.js';
import { loadModel } from '../wasm/load-model.js';
import { readHsm } from '../model/hsm-reader.js';
import { writeHsm } from '../model/hsm-writer.js';
import { MAX_SMOOTHING_SHIFT, type DetectParams } from '../model/detection.js';
import type { ModelInfo } from '../model/model-info.js';
import { openDataset, SPLITS, type Split } from '../data/dataset.js';
import { STREAM_EVAL_DEFAULTS } from '../data/stream-eval.js';
import { TUNE_DEFAULTS, tuneDetector, type TuneResult } from '../data/detector-tune.js';
import { writeOutputFile } from '../util/output.js';
import { printable } from '../util/printable.js';

interface TuneCommandOptions {
  output?: string;
  data?: string;
  split?: Split;
  targetFa: number;
  hours: number;
  seed: number;
  snr: number;
  smoothingShift?: number;
  suppressSteps?: number;
  threshold: string[];
  json?: boolean;
}

/** `LABEL=VALUE` (a class name or number; VALUE a margin in state LSB, or "off"). */
function parseThreshold(spec: string, info: ModelInfo): [number, number] {
  const at = spec.lastIndexOf('=');
  if (at <= 0) throw new CliError(`--threshold ${printable(spec)}: expected LABEL=VALUE`, ExitCode.usage);
  const name = spec.slice(0, at);
  const value = spec.slice(at + 1);
  const byName = info.labels.indexOf(name);
  const label = byName >= 0 ? byName : /^\d+$/.test(name) ? Number(name) : -1;
  if (label < 0 || label >= info.classCount) {
    throw new CliError(
      `--threshold: the model has no class ${printable(name)} (its classes: ${info.labels.map(printable).join(', ')})`,
      ExitCode.usage,
    );
  }
  const threshold = value === 'off' ? -1 : Number(value);
  if (!Number.isInteger(threshold) || threshold < -0x80000000 || threshold > 0x7fffffff) {
    throw new CliError(`--threshold ${printable(spec)}: VALUE is a 32-bit integer or "off"`, ExitCode.usage);
  }
  return [label, threshold];
}

function paramsText(params: DetectParams, info: ModelInfo): string {
  const ms = (steps: number): string => `${(steps * info.timestepUs) / 1000} ms`;
  const W = 2 ** params.smoothingShift;
  const rows = params.thresholds.map((t, j) => [printable(info.labels[j] ?? String(j)), t < 0 ? 'never' : t]);
  return [
    `smoothing ${W} steps (${ms(W)}; shift ${params.smoothingShift}), suppression ${params.suppressSteps} steps (${ms(params.suppressSteps)})`,
    table(['class', 'threshold'], rows),
  ].join('\n');
}

function tunedText(tuned: TuneResult, target: number): string {
  const r = tuned.result;
  const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;
  const verdict = tuned.metTarget
    ? `within the target of ${target} false alarms per hour`
    : `no setting tried met the target of ${target} per hour; this one has the fewest false alarms`;
  return `on a ${r.hours.toFixed(2)} h stream of the ${r.split} split (SNR ${r.snr_db} dB): hits ${pct(r.hit_rate)}, wrong class ${pct(r.wrong_class_rate)}, ${r.false_alarms_per_hour.toFixed(2)} false alarms per hour (${verdict}); ${tuned.tried.length} settings tried`;
}

export function tuneCommand(): Command {
  return new Command('tune')
    .description(
      "set a model's continuous-detection parameters (DETECT section): chosen on a data set's validation stream for a target false-alarm rate, or given by hand",
    )
    .argument('<model>', '.hsm model file')
    .option(
      '-o, --output <file>',
      'write the model with these detector settings here (without it: only report)',
    )
    .option('--data <dir>', 'choose the settings on a stream built from this data set (FSDD or gsc12 folder)')
    .addOption(
      new Option('--split <split>', `with --data: the clips (default ${TUNE_DEFAULTS.split})`).choices(
        SPLITS,
      ),
    )
    .addOption(
      new Option('--target-fa <n>', 'with --data: false alarms per hour the settings may make at most')
        .argParser(parseNonNegative)
        .default(TUNE_DEFAULTS.targetFalseAlarmsPerHour),
    )
    .addOption(
      new Option('--hours <h>', 'with --data: hours of the tuning stream')
        .argParser(parsePositive)
        .default(1),
    )
    .addOption(
      new Option('--seed <s>', "with --data: the stream's seed")
        .argParser(parseIntInRange(0, 0xffffffff))
        .default(STREAM_EVAL_DEFAULTS.seed),
    )
    .addOption(
      new Option('--snr <db>', 'with --data: speech-to-noise ratio in dB')
        .argParser(parseNumber)
        .default(STREAM_EVAL_DEFAULTS.snrDb),
    )
    .addOption(
      new Option(
        '--smoothing-shift <k>',
        `smoothing window 2^k steps (0..${MAX_SMOOTHING_SHIFT}); with --data: the only one tried`,
      ).argParser(parseIntInRange(0, MAX_SMOOTHING_SHIFT)),
    )
    .addOption(
      new Option(
        '--suppress-steps <n>',
        'steps after a detection with no other; with --data: the only one tried',
      ).argParser(parseIntInRange(0, 0xffff)),
    )
    .option(
      '--threshold <label=value>',
      'a class threshold (margin in state LSB, or "off"), applied after any tuning; repeatable',
      (spec: string, all: string[]) => [...all, spec],
      [] as string[],
    )
    .option('--json', 'one JSON object: the settings, and with --data the tuning figures')
    .action((modelPath: string, opts: TuneCommandOptions) => {
      const { engine, info, bytes } = loadModel(modelPath);
      if (opts.data === undefined && opts.split !== undefined) {
        throw new CliError('--split picks the clips of --data DIR', ExitCode.usage);
      }
      let tuned: TuneResult | undefined;
      if (opts.data !== undefined) {
        let reported = 0;
        tuned = tuneDetector(engine, info, openDataset(opts.data), {
          split: opts.split ?? TUNE_DEFAULTS.split,
          hours: opts.hours,
          seed: opts.seed,
          snrDb: opts.snr,
          gapMs: STREAM_EVAL_DEFAULTS.gapMs,
          toleranceMs: STREAM_EVAL_DEFAULTS.toleranceMs,
          targetFalseAlarmsPerHour: opts.targetFa,
          smoothingShifts:
            opts.smoothingShift !== undefined ? [opts.smoothingShift] : TUNE_DEFAULTS.smoothingShifts,
          suppressSteps:
            opts.suppressSteps !== undefined ? [opts.suppressSteps] : TUNE_DEFAULTS.suppressSteps,
          onProgress: (done) => {
            if (opts.json || done - reported < opts.hours / 10) return;
            reported = done;
            process.stderr.write(`stream: ${done.toFixed(2)} of ${opts.hours} h\n`);
          },
        });
      } else {
        engine.setDetectParams({
          ...(opts.smoothingShift !== undefined ? { smoothingShift: opts.smoothingShift } : {}),
          ...(opts.suppressSteps !== undefined ? { suppressSteps: opts.suppressSteps } : {}),
        });
      }
      const params = engine.detectParams();
      for (const spec of opts.threshold) {
        const [label, value] = parseThreshold(spec, info);
        params.thresholds[label] = value;
      }
      if (opts.output !== undefined)
        writeOutputFile(opts.output, writeHsm({ ...readHsm(bytes), detect: params }));
      if (opts.json) {
        printJson({
          model: info.name,
          ...(opts.output !== undefined ? { output: opts.output } : {}),
          detect: params,
          ...(tuned ? { metTarget: tuned.metTarget, tuning: tuned.result } : {}),
        });
        return;
      }
      const lines = [paramsText(params, info)];
      if (tuned) lines.push('', tunedText(tuned, opts.targetFa));
      lines.push(
        '',
        opts.output !== undefined
          ? `wrote ${opts.output}`
          : 'not written (give -o OUT.hsm to write the model with these settings)',
      );
      process.stdout.write(lines.join('\n') + '\n');
    });
}
