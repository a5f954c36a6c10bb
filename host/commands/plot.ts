/**
 * `hetsyn plot MODEL INPUT -o out.svg`: one clip's input spikes, layer spikes and readout scores as
 * a picture, from the same host simulation as `hetsyn sim`. SVG is drawn here in TypeScript
 * (plot/svg-plot.ts); PNG is that SVG rendered by resvg (prebuilt binaries from npm, loaded only
 * when a PNG is asked for, so other commands never load the native addon).
 */

import { basename, extname } from 'node:path';
import { Command, Option } from 'commander';
import { CliError, ExitCode } from '../cli/exit-codes.js';
import { bytes, printJson } from '../cli/format.js';
import { writeOutputFile } from '../util/output.js';
import { loadModel } from '../wasm/load-model.js';
import { parseIntInRange } from '../cli/options.js';
import { readInputTrain } from '../cli/read-input.js';
import { minimumHeightPx, svgPlot } from '../plot/svg-plot.js';
import { simulate } from '../sim/simulate.js';

type Format = 'svg' | 'png';

function outputFormat(path: string): Format {
  const ext = extname(path).toLowerCase();
  if (ext === '.svg' || ext === '.png') return ext === '.svg' ? 'svg' : 'png';
  throw new CliError(
    `cannot tell the picture format of ${path}: name the output .svg or .png`,
    ExitCode.usage,
  );
}

async function renderPng(svg: string): Promise<Uint8Array> {
  const { Resvg } = await import('@resvg/resvg-js');
  return new Resvg(svg, { font: { loadSystemFonts: true } }).render().asPng();
}

interface PlotOptions {
  output: string;
  width: number;
  height?: number;
  json?: boolean;
}

export function plotCommand(): Command {
  return new Command('plot')
    .description(
      "plot one clip as SVG or PNG: input spike raster, each spiking layer's raster and the readout scores per step, on one time axis",
    )
    .argument('<model>', '.hsm model file')
    .argument(
      '<input>',
      "spike file (text .spikes or binary .spk, docs/spike-format.md), or a .wav encoded with the model's front-end",
    )
    .requiredOption('-o, --output <file>', 'picture to write; its extension picks the format: .svg or .png')
    .addOption(
      new Option('--width <px>', 'picture width: the time axis stretches to it')
        .default(900)
        .argParser(parseIntInRange(400, 10000)),
    )
    .addOption(
      new Option(
        '--height <px>',
        'picture height: the panels stretch or shrink to it (default: from the layers)',
      ).argParser(parseIntInRange(200, 10000)),
    )
    .option(
      '--json',
      'print {model, input, output, format, bytes, widthPx, heightPx, steps, decision, label} as one JSON object on stdout',
    )
    .action(async (modelPath: string, inputPath: string, opts: PlotOptions) => {
      const format = outputFormat(opts.output);
      const { engine, info } = loadModel(modelPath);
      const minimumHeight = minimumHeightPx(info);
      if (opts.height !== undefined && opts.height < minimumHeight) {
        throw new CliError(
          `--height ${opts.height} leaves no room for the ${info.layers.length} layers' panels: ${info.name} needs at least ${minimumHeight} px`,
          ExitCode.usage,
        );
      }
      const train = readInputTrain(inputPath, { path: modelPath, info, engine });
      if (train.steps.length === 0) {
        throw new CliError(`${inputPath} gives no steps: nothing to plot`, ExitCode.input);
      }
      const records = simulate(engine, train, { spikes: true });
      const svg = svgPlot({
        info,
        inputName: basename(inputPath),
        input: train.steps,
        records,
        widthPx: opts.width,
        ...(opts.height === undefined ? {} : { heightPx: opts.height }),
      });
      const data = format === 'svg' ? svg : await renderPng(svg);
      const size = writeOutputFile(opts.output, data);
      const decision = engine.decision();
      const label = decision < 0 ? null : (info.labels[decision] ?? `class ${decision}`);
      if (opts.json) {
        const [, w, h] = /<svg[^>]* width="([\d.]+)" height="([\d.]+)"/.exec(svg) ?? [];
        printJson({
          model: modelPath,
          input: inputPath,
          output: opts.output,
          format,
          bytes: size,
          widthPx: Number(w),
          heightPx: Number(h),
          steps: records.length,
          decision,
          label,
        });
        return;
      }
      process.stderr.write(
        `wrote ${opts.output} (${bytes(size)}, ${records.length} steps, decision: ${label ?? 'none'})\n`,
      );
    });
}
