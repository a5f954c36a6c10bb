/**
 * `hetsyn synth`: a synthetic, untrained float model of a given shape (and optionally an input spike
 * train), with realistic time constants and firing rates. For sizing a network with `inspect`
 * before training one, for benchmarks, and for trying the tools without a data set.
 */

import { Command, InvalidArgumentError, Option } from 'commander';
import { randomNetwork, randomSpikeTrain, type RhoMode } from '../float/random-network.js';
import { floatModelToJson } from '../float/json.js';
import { formatSpikeText } from '../spikes/spike-file.js';
import type { LayerKind } from '../model/hsm.js';
import { parseFraction, parseIntInRange } from '../cli/options.js';
import { CliError, ExitCode } from '../cli/exit-codes.js';
import { printJson } from '../cli/format.js';
import { writeOutputFile } from '../util/output.js';

interface SynthOptions {
  output: string;
  inputs: number;
  layers: { kind: LayerKind; size: number }[];
  levels: number;
  rho: RhoMode;
  density: number;
  seed: number;
  labels?: string[];
  name?: string;
  spikesOut?: string;
  steps: number;
  inputRate: number;
  json?: boolean;
}

/** "r128,f64,12": recurrent 128, feed-forward 64, readout 12 (the last entry is the readout). */
export function parseLayerSpec(spec: string): { kind: LayerKind; size: number }[] {
  const parts = spec.split(',').map((p) => p.trim());
  return parts.map((part, i) => {
    const last = i === parts.length - 1;
    const match = /^([rf]?)(\d+)$/.exec(part);
    const size = Number(match?.[2]);
    if (!match || size < 1 || size > 0xffff || (last && match[1] !== '')) {
      throw new InvalidArgumentError(
        `"${part}": expected r<N> (recurrent) or f<N> (feed-forward), and a plain <N> readout last, e.g. r128,12`,
      );
    }
    const kind: LayerKind = last ? 'readout' : match[1] === 'r' ? 'recurrent' : 'feedforward';
    return { kind, size };
  });
}

export function synthCommand(): Command {
  return new Command('synth')
    .description(
      'write a synthetic, untrained float model of a given shape (for sizing and trying the tools)',
    )
    .requiredOption('-o, --output <file>', 'float model JSON to write (input of `hetsyn quantize`)')
    .addOption(new Option('--inputs <n>', 'input channels').default(64).argParser(parseIntInRange(1, 0xffff)))
    .addOption(
      new Option('--layers <spec>', 'layers, e.g. r128,12 = recurrent 128 then readout 12; f = feed-forward')
        .default(parseLayerSpec('r128,12'), 'r128,12')
        .argParser(parseLayerSpec),
    )
    .addOption(
      new Option('-k, --levels <K>', 'distinct time constants per layer')
        .default(16)
        .argParser(parseIntInRange(1, 64)),
    )
    .addOption(
      new Option('--rho <mode>', 'whose time constant: each synapse, each neuron or one per layer')
        .choices(['synapse', 'neuron', 'layer'])
        .default('synapse'),
    )
    .addOption(
      new Option('--density <fraction>', 'share of synapses present (1 = dense)')
        .default(1)
        .argParser(parseFraction),
    )
    .addOption(new Option('--seed <n>', 'random seed').default(1).argParser(parseIntInRange(0, 2 ** 31 - 1)))
    .addOption(
      new Option('--labels <names>', 'comma-separated class labels (default class0, class1, ...)').argParser(
        (v) => v.split(',').map((s) => s.trim()),
      ),
    )
    .option('--name <name>', 'model name')
    .option('--spikes-out <file>', 'also write a random input spike train (text .spikes)')
    .addOption(
      new Option('--steps <n>', 'timesteps of the spike train')
        .default(100)
        .argParser(parseIntInRange(1, 1e7)),
    )
    .addOption(
      new Option('--input-rate <fraction>', 'input spike probability per channel and step')
        .default(0.05)
        .argParser(parseFraction),
    )
    .option(
      '--json',
      'print {output, bytes, name, inputs, layers, classes, synapses, spikesOut?} as one JSON object on stdout',
    )
    .action((opts: SynthOptions) => {
      const model = randomNetwork({
        seed: opts.seed,
        inputCount: opts.inputs,
        layers: opts.layers,
        levels: opts.levels,
        rhoMode: opts.rho,
        density: opts.density,
        inputRate: opts.inputRate,
      });
      const classes = opts.layers[opts.layers.length - 1]?.size ?? 0;
      const labels = opts.labels ?? Array.from({ length: classes }, (_, c) => `class${c}`);
      if (labels.length !== classes) {
        throw new CliError(
          `--labels names ${labels.length} classes; the readout has ${classes}`,
          ExitCode.usage,
        );
      }
      model.labels = labels;
      if (opts.name !== undefined) model.name = opts.name;
      const size = writeOutputFile(opts.output, JSON.stringify(floatModelToJson(model)) + '\n');
      if (!opts.json) process.stderr.write(`wrote ${opts.output}\n`);
      let spikesOut: { path: string; bytes: number; steps: number; spikes: number } | undefined;
      if (opts.spikesOut) {
        const steps = randomSpikeTrain(opts.seed + 1, opts.inputs, opts.steps, opts.inputRate);
        const text = formatSpikeText({ steps }, opts.inputs);
        spikesOut = {
          path: opts.spikesOut,
          bytes: writeOutputFile(opts.spikesOut, text),
          steps: opts.steps,
          spikes: steps.reduce((n, s) => n + s.length, 0),
        };
        if (!opts.json) process.stderr.write(`wrote ${opts.spikesOut} (${opts.steps} steps)\n`);
      }
      if (opts.json) {
        printJson({
          output: opts.output,
          bytes: size,
          name: model.name,
          inputs: opts.inputs,
          layers: opts.layers,
          classes,
          labels,
          synapses: model.layers.reduce(
            (n, layer) => n + (layer.mask ? layer.mask.reduce((m, b) => m + b, 0) : layer.weight.length),
            0,
          ),
          ...(spikesOut ? { spikesOut } : {}),
        });
      }
    });
}
