/**
 * `hetsyn monitor INPUT --port P`: streams a spike file, or audio (a WAV file, or `-` for stdin:
 * PCM in AUDIO frames for the board's own front-end, or with --host-encode spikes encoded here),
 * through a board and shows what happens, live: a spike raster of the reported layer, class-score bars, the board's detections
 * with their time, its step time, link and board counters. On a terminal the view is redrawn in
 * place, fitted to the terminal (ANSI escapes, at most REDRAW_HZ times a second, whole after a
 * resize); otherwise, or with --plain, it prints a status line per second and a line per
 * detection. When the port goes away it reconnects with growing pauses and continues with the rest
 * of the input (STREAM_START resets the network state; stdin goes on where it is). Ctrl-C stops cleanly: the board gets
 * STREAM_STOP. With --board-mic instead of INPUT the board listens to its own microphone.
 */

import { abortOnInterrupt } from '../cli/interrupt.js';
import { createWriteStream, openSync, type WriteStream } from 'node:fs';
import { outputError } from '../util/output.js';
import { Command } from 'commander';
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
import type { DeviceError } from '../protocol/device-errors.js';
import type { HelloInfo } from '../protocol/messages.js';
import { CliError, ExitCode } from '../cli/exit-codes.js';
import { loadModel } from '../wasm/load-model.js';
import { realTimeStepsPerSecond } from '../model/model-info.js';
import { openInput } from '../cli/read-input.js';
import { reportedFrontend } from '../cli/board-connection.js';
import { boardInput, boardMicInput, checkInputChoice } from '../cli/board-input.js';
import { STDIN_PATH } from '../audio/pcm-input.js';
import { summaryLine } from '../monitor/draw.js';
import { runMonitor, type MonitorEnd } from '../monitor/run.js';
import { plainView, SHOW_CURSOR, terminalView } from '../monitor/views.js';

interface MonitorOpts {
  port: string;
  log?: string;
  plain?: boolean;
  spikeLayer?: number;
  loop?: boolean;
  window: number;
  rate?: number;
  model?: string;
  force?: boolean;
  baud: number;
  trace?: boolean;
  hostEncode?: boolean;
  boardMic?: boolean;
}

export function monitorCommand(): Command {
  return new Command('monitor')
    .description(
      "stream a spike file or audio through a board, or watch it listen to its own microphone (--board-mic), with a live view: spike raster, scores, the board's detections and step time, link health",
    )
    .argument(
      '[input]',
      "spike file to stream (docs/spike-format.md), a .wav, or - for audio on stdin (a WAV stream or raw signed 16-bit little-endian mono PCM at the model's rate), through the front-end of the board's model, e.g. arecord -f S16_LE -r 16000 -c 1 | hetsyn monitor - --port P",
    )
    .addOption(portOption('serial port of the board'))
    .option('--log <file.jsonl>', 'write one JSON line per step: {t, step, scores, spikes?, decision}')
    .option('--plain', 'status lines instead of the live view (the default when stdout is not a terminal)')
    .addOption(spikeLayerOption('show the spikes of this spiking layer as a raster'))
    .option('--loop', 'stream the input (a file) again and again until Ctrl-C')
    .addOption(windowOption())
    .addOption(
      rateOption(
        "real time: 1e6 / the model's timestep in us with --model (100 for a 10 ms step), one step per front-end hop for audio; 0 for stdin (live already) and for spikes without --model",
      ),
    )
    .option(
      '--model <file>',
      'the .hsm the board runs: class labels, layer size, its front-end for audio input; a board that runs another model is an error',
    )
    .addOption(hostEncodeOption())
    .addOption(boardMicOption())
    .addOption(forceOption())
    .addOption(baudOption())
    .addOption(traceOption())
    .action(async (inputPath: string | undefined, opts: MonitorOpts) => {
      checkInputChoice(inputPath, opts.boardMic === true);
      const model = opts.model ? { path: opts.model, ...loadModel(opts.model) } : undefined;
      if (model) checkSpikeLayer(opts.spikeLayer, model);
      // stdin and the board's microphone are live: read once, at their own pace.
      const live = inputPath === undefined || inputPath === STDIN_PATH;
      if (live && opts.loop) {
        const what = inputPath === undefined ? "the board's microphone" : 'stdin (-)';
        throw new CliError(`--loop streams a file again; ${what} cannot be read twice`, ExitCode.usage);
      }
      // Without --model, audio goes through the front-end that the board's INFO reports.
      const source =
        model ?? (() => reportedFrontend(opts.port, { baud: opts.baud, trace: opts.trace === true }));
      const input =
        inputPath === undefined
          ? boardMicInput()
          : boardInput(await openInput(inputPath, source), { hostEncode: opts.hostEncode === true });
      const labels = model?.info.labels;
      const layerNeurons =
        opts.spikeLayer === undefined ? undefined : model?.info.layers[opts.spikeLayer]?.neuronCount;
      const readout = model?.info.layers[model.info.layers.length - 1];
      // A live view shows the input as it happens: real time when the model says how long a step is.
      const timestepUs = model?.info.timestepUs ?? (input.frontend ? input.frontend.hopMs * 1000 : undefined);
      const rate =
        opts.rate ?? (timestepUs !== undefined && !live ? realTimeStepsPerSecond({ timestepUs }) : 0);
      const controller = new AbortController();
      // A log that cannot be opened stops the command before it streams; one that fails later
      // (a full disk) stops the stream, and the command then fails naming the file.
      let logFailure: unknown;
      let log: WriteStream | undefined;
      if (opts.log !== undefined) {
        let fd: number;
        try {
          fd = openSync(opts.log, 'w');
        } catch (error) {
          throw outputError(opts.log, error);
        }
        log = createWriteStream('', { fd });
        log.on('error', (error) => {
          logFailure ??= error;
          controller.abort();
        });
      }
      const restoreSignals = abortOnInterrupt(controller);
      const redrawn = !opts.plain && process.stdout.isTTY;
      const view = redrawn ? terminalView() : plainView();
      let end: MonitorEnd | undefined;
      try {
        end = await runMonitor(
          {
            port: opts.port,
            input,
            baud: opts.baud,
            trace: opts.trace === true,
            window: opts.window,
            ...(opts.spikeLayer === undefined ? {} : { spikeLayer: opts.spikeLayer }),
            loop: opts.loop === true,
            ...(rate ? { stepsPerSecond: rate } : {}),
            ...(labels ? { labels } : {}),
            ...(layerNeurons ? { layerNeurons } : {}),
            ...(timestepUs === undefined ? {} : { timestepUs }),
            ...(readout ? { scoreLsb: 2 ** -readout.stateFracBits } : {}),
            ...(log ? { log } : {}),
            signal: controller.signal,
            ...(model
              ? {
                  checkBoard: (info: HelloInfo | undefined) =>
                    checkBoardModel(model, info, opts.port, opts.force === true, (line) =>
                      process.stderr.write(`${line}\n`),
                    ),
                }
              : { refusalHint: (error: DeviceError) => spikeLayerHint(error, opts.spikeLayer) }),
          },
          view,
        );
      } finally {
        if (end) {
          end.state.status = end.reason;
          view.close(end.state);
        } else if (redrawn) {
          process.stdout.write(SHOW_CURSOR);
        }
        restoreSignals();
        if (log && !log.destroyed) await new Promise<void>((resolve) => log.end(() => resolve()));
      }
      if (logFailure !== undefined && opts.log !== undefined) throw outputError(opts.log, logFailure);
      if (end.reason === 'refused') throw new CliError(end.message, ExitCode.refused);
      process.stderr.write(summaryLine(end.state) + '\n');
    });
}
