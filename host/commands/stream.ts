/**
 * `hetsyn stream INPUT --port P`: a spike file, or audio (a WAV file, or `-` for stdin), through the
 * model on a board. Audio goes as PCM in AUDIO frames for the board's own front-end, or with
 * --host-encode as spikes encoded here. With --board-mic instead of INPUT the board listens to its
 * own microphone until Ctrl-C (or --seconds). Per-step results go to stdout as they arrive (`--json`: one
 * JSON line per step), the summary (decision, steps, lost results, retries, round-trip latency) to
 * stderr.
 */

import { abortOnInterrupt } from '../cli/interrupt.js';
import { Command } from 'commander';
import { connectBoard, reportedFrontend } from '../cli/board-connection.js';
import { asCliError, refusedError } from '../cli/board-errors.js';
import {
  baudOption,
  boardMicOption,
  forceOption,
  hostEncodeOption,
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
import type { StreamOptions, StreamStep, StreamSummary } from '../protocol/stream.js';
import { openInput } from '../cli/read-input.js';
import { boardInput, boardMicInput, checkInputChoice, type BoardInput } from '../cli/board-input.js';
import { CliError, ExitCode } from '../cli/exit-codes.js';
import { parsePositive } from '../cli/options.js';
import { decisionText, detectionText, stepJson } from '../cli/step-format.js';

function stepLine(step: StreamStep, labels: readonly string[] | undefined): string {
  const t = `step ${String(step.t).padStart(5)}`;
  if (step.lost) return `${t}  (result lost)`;
  const parts = [t, `decision ${decisionText(step.decision, labels)}`];
  if (step.scores) parts.push(`scores ${step.scores.join(' ')}`);
  if (step.spikes) parts.push(`spikes ${step.spikes.length ? step.spikes.join(' ') : '-'}`);
  if (step.detection) parts.push(detectionText(step.detection, labels));
  return parts.join('  ');
}

export function summaryText(
  summary: Extract<StreamSummary, { ok: true }>,
  frames: BoardInput['frames'],
  labels?: readonly string[],
): string {
  const s = summary.stats;
  return [
    `decision: ${decisionText(summary.stopped.decision, labels)} after ${summary.stopped.steps} steps` +
      (summary.aborted ? ' (stopped early)' : ''),
    frames === 'none'
      ? `${s.steps} steps from the board's microphone, ${s.resultsLost} results lost`
      : `${s.steps} steps, ${s.resultsLost} results lost, ${s.framesSent} ${frames} frames sent (${s.framesRetried} retried, ` +
        `${s.timeouts} timeouts), latency p50 ${formatMs(s.latencyMs.p50)}, p99 ${formatMs(s.latencyMs.p99)}`,
    `${s.detections} detections` +
      (s.detectionsLost > 0 ? ` (${s.detectionsLost} known only by their count)` : ''),
    ...(summary.lateDetection
      ? [`${detectionText(summary.lateDetection, labels)} (reported only at the stop)`]
      : []),
  ].join('\n');
}

/**
 * The command's core: streams `input` on a connected board, calling onStep per step in order.
 * Device refusals come back in the summary; link failures throw.
 */
export async function streamToBoard(
  client: BoardClient,
  input: BoardInput,
  options: StreamOptions,
  onStep: (step: StreamStep) => void,
): Promise<StreamSummary> {
  const stream = input.stream(client, 0, options);
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
  hostEncode?: boolean;
  boardMic?: boolean;
  seconds?: number;
}

export function streamCommand(): Command {
  return new Command('stream')
    .description(
      "stream a spike file, audio (a .wav or - for stdin, through the front-end of the board's model), or with --board-mic the board's own microphone, through the model on a board; per-step results on stdout, summary on stderr; Ctrl-C stops cleanly",
    )
    .argument(
      '[input]',
      "spike file (text .spikes or binary .spk, docs/spike-format.md), a .wav, or - for audio on stdin (a WAV stream or raw signed 16-bit little-endian mono PCM at the model's rate), sent as it arrives",
    )
    .addOption(portOption('serial port of the board'))
    .option(
      '--json',
      "one JSON line per step: {t, scores?, spikes?, decision, stepUs, detection?} (stepUs: the board's own step time in us; detection {step, label, score} on the step that brought a new one; {t, lost: true} for a lost result; a last {detection, reportedAtStop: true} for a detection only the stop reported)",
    )
    .option('--scores', "report each step's readout scores")
    .addOption(spikeLayerOption('report the spikes of this spiking layer'))
    .addOption(windowOption())
    .addOption(rateOption('0'))
    .option(
      '--model <file>',
      'the .hsm the board runs: class labels, its front-end for audio input; a board that runs another model is an error',
    )
    .addOption(hostEncodeOption())
    .addOption(boardMicOption())
    .option('--seconds <n>', 'with --board-mic: stop after this long (default: at Ctrl-C)', parsePositive)
    .addOption(forceOption())
    .addOption(baudOption())
    .addOption(traceOption())
    .action(async (inputPath: string | undefined, opts: StreamOpts) => {
      const boardMic = opts.boardMic === true;
      checkInputChoice(inputPath, boardMic);
      if (opts.seconds !== undefined && !boardMic) {
        throw new CliError('--seconds limits a --board-mic stream; an INPUT ends by itself', ExitCode.usage);
      }
      const model = opts.model ? { path: opts.model, ...loadModel(opts.model) } : undefined;
      if (model) checkSpikeLayer(opts.spikeLayer, model);
      // Without --model, audio goes through the front-end that the board's INFO reports.
      const source =
        model ?? (() => reportedFrontend(opts.port, { baud: opts.baud, trace: opts.trace === true }));
      const input =
        inputPath === undefined
          ? boardMicInput(opts.seconds === undefined ? {} : { durationMs: opts.seconds * 1000 })
          : boardInput(await openInput(inputPath, source), { hostEncode: opts.hostEncode === true });
      const what = inputPath ?? "the board's microphone";
      const controller = new AbortController();
      const restoreSignals = abortOnInterrupt(controller);
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
          input,
          {
            window: opts.window,
            scores: opts.scores === true,
            ...(opts.spikeLayer === undefined ? {} : { spikeLayer: opts.spikeLayer }),
            ...(opts.rate ? { stepsPerSecond: opts.rate } : {}),
            signal: controller.signal,
            onNote: (message) => process.stderr.write(`${message}\n`),
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
        // The one detection only STOPPED brought has no step line of its own: a last JSON line.
        if (opts.json && summary.lateDetection) {
          process.stdout.write(
            JSON.stringify({ detection: summary.lateDetection, reportedAtStop: true }) + '\n',
          );
        }
        process.stderr.write(summaryText(summary, input.frames, labels) + '\n');
      } catch (error) {
        throw asCliError(`stream ${what} on ${opts.port}`, error);
      } finally {
        restoreSignals();
        await client.close();
      }
    });
}
