/**
 * `hetsyn stream INPUT --port P`: a spike file through the model on a board. Per-step results go
 * to stdout as they arrive (`--json`: one JSON line per step), the summary (decision, steps, lost
 * results, retries, round-trip latency) to stderr.
 */

import { Command } from 'commander';
import { connectBoard } from '../cli/board-connection.js';
import { asCliError, refusedError } from '../cli/board-errors.js';
import {
  baudOption,
  forceOption,
  portOption,
  rateOption,
  spikeLayerOption,
  traceOption,
  windowOption,
} from '../cli/board-options.js';
import { checkBoardModel, checkSpikeLayer, spikeLayerHint } from '../cli/board-model.js';
import { boardStateNote } from '../cli/board-state.js';
import { formatMs } from '../cli/format.js';
import { loadModel } from '../wasm/load-model.js';
import type { BoardClient } from '../protocol/client.js';
import { streamSpikes, type StreamOptions, type StreamStep, type StreamSummary } from '../protocol/stream.js';
import type { SpikeTrain } from '../spikes/spike-file.js';
import { readInputTrain } from '../cli/read-input.js';
import { decisionText, stepJson } from '../cli/step-format.js';

function stepLine(step: StreamStep, labels: readonly string[] | undefined): string {
  const t = `step ${String(step.t).padStart(5)}`;
  if (step.lost) return `${t}  (result lost)`;
  const parts = [t, `decision ${decisionText(step.decision, labels)}`];
  if (step.scores) parts.push(`scores ${step.scores.join(' ')}`);
  if (step.spikes) parts.push(`spikes ${step.spikes.length ? step.spikes.join(' ') : '-'}`);
  return parts.join('  ');
}

export function summaryText(
  summary: Extract<StreamSummary, { ok: true }>,
  labels?: readonly string[],
): string {
  const s = summary.stats;
  return [
    `decision: ${decisionText(summary.stopped.decision, labels)} after ${summary.stopped.steps} steps` +
      (summary.aborted ? ' (stopped early)' : ''),
    `${s.steps} steps, ${s.resultsLost} results lost, ${s.framesSent} frames sent (${s.framesRetried} retried, ` +
      `${s.timeouts} timeouts), latency p50 ${formatMs(s.latencyMs.p50)}, p99 ${formatMs(s.latencyMs.p99)}`,
  ].join('\n');
}

/**
 * The command's core: streams `train` on a connected board, calling onStep per step in order.
 * Device refusals come back in the summary; link failures throw.
 */
export async function streamToBoard(
  client: BoardClient,
  train: SpikeTrain,
  options: StreamOptions,
  onStep: (step: StreamStep) => void,
): Promise<StreamSummary> {
  const stream = streamSpikes(client, train, options);
  for (;;) {
    const item = await stream.next();
    if (item.done) return item.value;
    onStep(item.value);
  }
}

interface StreamOpts {
  port: string;
  json?: boolean;
  scores?: boolean;
  spikeLayer?: number;
  window: number;
  rate?: number;
  model?: string;
  force?: boolean;
  baud: number;
  trace?: boolean;
}

export function streamCommand(): Command {
  return new Command('stream')
    .description(
      'stream a spike file (or a .wav, with --model) through the model on a board; per-step results on stdout, summary on stderr',
    )
    .argument('<input>', 'spike file: text .spikes or binary .spk (docs/spike-format.md)')
    .addOption(portOption('serial port of the board'))
    .option(
      '--json',
      "one JSON line per step: {t, scores?, spikes?, decision, stepUs} (stepUs: the board's own step time in us; {t, lost: true} for a lost result)",
    )
    .option('--scores', "report each step's readout scores")
    .addOption(spikeLayerOption('report the spikes of this spiking layer'))
    .addOption(windowOption())
    .addOption(rateOption('0'))
    .option(
      '--model <file>',
      'the .hsm the board runs: class labels, its front-end for a .wav input; a board that runs another model is an error',
    )
    .addOption(forceOption())
    .addOption(baudOption())
    .addOption(traceOption())
    .action(async (inputPath: string, opts: StreamOpts) => {
      const model = opts.model ? { path: opts.model, ...loadModel(opts.model) } : undefined;
      if (model) checkSpikeLayer(opts.spikeLayer, model);
      const train = readInputTrain(inputPath, model);
      const client = await connectBoard(opts.port, { baud: opts.baud, trace: opts.trace === true });
      try {
        if (model) {
          checkBoardModel(model, client.info, opts.port, opts.force === true, (line) =>
            process.stderr.write(`${line}\n`),
          );
        }
        const labels = model?.info.labels;
        const summary = await streamToBoard(
          client,
          train,
          {
            window: opts.window,
            scores: opts.scores === true,
            ...(opts.spikeLayer === undefined ? {} : { spikeLayer: opts.spikeLayer }),
            ...(opts.rate ? { stepsPerSecond: opts.rate } : {}),
          },
          (step) =>
            process.stdout.write(
              (opts.json ? JSON.stringify(stepJson(step)) : stepLine(step, labels)) + '\n',
            ),
        );
        if (!summary.ok) {
          const hint = model ? undefined : spikeLayerHint(summary.error, opts.spikeLayer);
          throw refusedError(
            `${summary.action} on ${opts.port}`,
            summary.error,
            (hint ? `${hint}\n` : '') + (await boardStateNote(client)),
          );
        }
        process.stderr.write(summaryText(summary, labels) + '\n');
      } catch (error) {
        throw asCliError(`stream ${inputPath} on ${opts.port}`, error);
      } finally {
        await client.close();
      }
    });
}
