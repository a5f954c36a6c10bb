/**
 * `hetsyn monitor --port P --input FILE`: streams a spike file through a board and shows what
 * happens, live: a spike raster of the reported layer, class-score bars, detections (decision
 * changes) with their time, link and board counters. On a terminal the view is redrawn in place
 * (ANSI escapes, at most REDRAW_HZ times a second); otherwise, or with --plain, it prints a status
 * line per second and a line per detection. When the port goes away it reconnects with growing
 * pauses and continues with the rest of the input (STREAM_START resets the network state).
 * Ctrl-C stops cleanly: the board gets STREAM_STOP.
 */

import { createWriteStream } from 'node:fs';
import { Command, Option } from 'commander';
import { baudOption, traceOption, windowOption } from '../cli/board-options.js';
import { CliError, ExitCode } from '../cli/exit-codes.js';
import { loadModel } from '../wasm/load-model.js';
import { parseIntInRange } from '../cli/options.js';
import { readInputTrain } from '../cli/read-input.js';
import { summaryLine } from '../monitor/draw.js';
import { runMonitor, type MonitorEnd } from '../monitor/run.js';
import { plainView, SHOW_CURSOR, terminalView } from '../monitor/views.js';

interface MonitorOpts {
  port: string;
  input: string;
  log?: string;
  plain?: boolean;
  spikes?: number;
  loop?: boolean;
  window: number;
  rate?: number;
  model?: string;
  baud: number;
  trace?: boolean;
}

export function monitorCommand(): Command {
  return new Command('monitor')
    .description(
      'stream a spike file through a board with a live view: spike raster, scores, detections, link health',
    )
    .requiredOption('--port <path>', 'serial port of the board')
    .requiredOption('--input <file>', 'spike file to stream (docs/spike-format.md), or a .wav with --model')
    .option('--log <file.jsonl>', 'write one JSON line per step: {t, step, scores, spikes?, decision}')
    .option('--plain', 'status lines instead of the live view (the default when stdout is not a terminal)')
    .addOption(
      new Option('--spikes <layer>', 'show the spikes of this spiking layer').argParser(
        parseIntInRange(0, 255),
      ),
    )
    .option('--loop', 'stream the input again and again until Ctrl-C')
    .addOption(windowOption())
    .addOption(
      new Option('--rate <steps/s>', 'send at most this many steps per second').argParser(
        parseIntInRange(1, 1_000_000),
      ),
    )
    .option(
      '--model <file>',
      'the .hsm the board runs: class labels, layer size, and its front-end for a .wav input',
    )
    .addOption(baudOption())
    .addOption(traceOption())
    .action(async (opts: MonitorOpts) => {
      const model = opts.model ? { path: opts.model, info: loadModel(opts.model).info } : undefined;
      const input = readInputTrain(opts.input, model);
      let labels: string[] | undefined;
      let layerNeurons: number | undefined;
      if (model) {
        const { info } = model;
        labels = info.labels;
        if (opts.spikes !== undefined) layerNeurons = info.layers[opts.spikes]?.neuronCount;
      }
      const log = opts.log ? createWriteStream(opts.log) : undefined;
      const controller = new AbortController();
      let interrupts = 0;
      const onSignal = (): void => {
        if (++interrupts > 1) process.exit(130);
        controller.abort();
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      const live = !opts.plain && process.stdout.isTTY;
      const view = live ? terminalView() : plainView();
      let end: MonitorEnd | undefined;
      try {
        end = await runMonitor(
          {
            port: opts.port,
            input,
            baud: opts.baud,
            trace: opts.trace === true,
            window: opts.window,
            ...(opts.spikes === undefined ? {} : { spikeLayer: opts.spikes }),
            loop: opts.loop === true,
            ...(opts.rate ? { stepsPerSecond: opts.rate } : {}),
            ...(labels ? { labels } : {}),
            ...(layerNeurons ? { layerNeurons } : {}),
            ...(log ? { log } : {}),
            signal: controller.signal,
          },
          view,
        );
      } finally {
        if (end) {
          end.state.status = end.reason;
          view.close(end.state);
        } else if (live) {
          process.stdout.write(SHOW_CURSOR);
        }
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        if (log) await new Promise<void>((resolve) => log.end(() => resolve()));
      }
      if (end.reason === 'refused') throw new CliError(end.message, ExitCode.refused);
      process.stderr.write(summaryLine(end.state) + '\n');
    });
}
