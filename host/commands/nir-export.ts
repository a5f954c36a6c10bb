/** `hetsyn export FLOAT.json -o MODEL.nir`: a float model as the nearest NIR graph, saying what it loses. */

import { Command, Option } from 'commander';
import { readFloatModel } from '../float/json.js';
import { writeNirFile } from '../nir/hdf5.js';
import { EXPORT_NEURONS, floatModelToNir, formatExportReport, type ExportNeuron } from '../nir/export.js';
import { DISCRETISATIONS, type Discretisation } from '../nir/discretise.js';
import { printJson } from '../cli/format.js';
import { parsePositive } from '../cli/options.js';

interface ExportOptions {
  output: string;
  dt?: number;
  discretisation: Discretisation;
  neuron: ExportNeuron;
  json?: boolean;
}

export function nirExportCommand(): Command {
  return new Command('export')
    .description(
      'export a float model JSON as a NIR graph (HDF5 .nir), printing what NIR cannot hold (docs/nir.md)',
    )
    .argument('<float-model>', 'float model JSON file')
    .requiredOption('-o, --output <file>', 'NIR file to write')
    .addOption(
      new Option(
        '--dt <t>',
        "timestep in the time unit to write taus in; default the model's timestep in ms",
      ).argParser(parsePositive),
    )
    .addOption(
      new Option('--discretisation <mode>', 'exact: tau = -dt/ln(rho); euler: tau = dt/(1 - rho)')
        .choices(DISCRETISATIONS)
        .default('exact'),
    )
    .addOption(
      new Option(
        '--neuron <type>',
        'lif: LIF/LI nodes (the nearer); cubalif: CubaLIF/CubaLI with an instantaneous membrane',
      )
        .choices(EXPORT_NEURONS)
        .default('lif'),
    )
    .option('--json', 'print the export report as JSON on stdout')
    .action(async (floatPath: string, opts: ExportOptions) => {
      const model = readFloatModel(floatPath);
      const { document, report } = floatModelToNir(model, {
        ...(opts.dt !== undefined ? { dt: opts.dt } : {}),
        discretisation: opts.discretisation,
        neuron: opts.neuron,
      });
      await writeNirFile(opts.output, document);
      if (opts.json) printJson({ output: opts.output, report });
      else process.stderr.write(`${formatExportReport(report)}\nwrote ${opts.output}\n`);
    });
}
