/** `hetsyn import MODEL.nir -o FLOAT.json`: a NIR graph (snnTorch, Norse, ...) as a float model. */

import { Command, Option } from 'commander';
import { floatModelToJson } from '../float/json.js';
import { readNirFile } from '../nir/hdf5.js';
import { formatImportReport, nirToFloatModel, type NirImportOptions } from '../nir/import.js';
import { DISCRETISATIONS, type Discretisation } from '../nir/discretise.js';
import { printJson } from '../cli/format.js';
import { writeOutputFile } from '../util/output.js';
import { parseIntInRange, parsePositive } from '../cli/options.js';

interface ImportOptions {
  output: string;
  dt?: number;
  discretisation?: Discretisation;
  timestepUs?: number;
  membraneReadout?: boolean;
  strict?: boolean;
  name?: string;
  labels?: string[];
  json?: boolean;
}

export function nirImportCommand(): Command {
  return new Command('import')
    .description(
      'import a NIR graph (HDF5 .nir, e.g. from snnTorch or Norse export_to_nir) as a float model JSON (docs/nir.md)',
    )
    .argument('<model.nir>', 'NIR file (HDF5)')
    .requiredOption('-o, --output <file>', 'float model JSON to write (input of `hetsyn quantize`)')
    .addOption(
      new Option(
        '--dt <t>',
        "timestep in the time unit of the file's taus (NIR: ms; snnTorch's export: 1e-4; Norse: s, so 0.001 for 1 ms); default the file's hetsyn_dt metadata, else 1",
      ).argParser(parsePositive),
    )
    .addOption(
      new Option(
        '--discretisation <mode>',
        "exact: rho = exp(-dt/tau); euler: rho = 1 - dt/tau (snnTorch, Norse); default the file's metadata, else exact",
      ).choices(DISCRETISATIONS),
    )
    .addOption(
      new Option(
        '--timestep-us <us>',
        'the step the float model records; default round(dt * 1000), dt read as ms',
      ).argParser(parseIntInRange(1, 0xffffffff)),
    )
    .option('--membrane-readout', 'accept a spiking last group as the readout, scored on its membrane')
    .option('--strict', 'refuse anything that maps only approximately')
    .option('--name <name>', 'model name (default the file metadata, else empty)')
    .addOption(
      new Option('--labels <names>', 'comma-separated class labels (default class0, class1, ...)').argParser(
        (v) => v.split(',').map((s) => s.trim()),
      ),
    )
    .option('--json', 'print the import report as JSON on stdout')
    .action(async (nirPath: string, opts: ImportOptions) => {
      const document = await readNirFile(nirPath);
      const options: NirImportOptions = {
        ...(opts.dt !== undefined ? { dt: opts.dt } : {}),
        ...(opts.discretisation !== undefined ? { discretisation: opts.discretisation } : {}),
        ...(opts.timestepUs !== undefined ? { timestepUs: opts.timestepUs } : {}),
        ...(opts.membraneReadout ? { membraneReadout: true } : {}),
        ...(opts.strict ? { strict: true } : {}),
        ...(opts.name !== undefined ? { name: opts.name } : {}),
        ...(opts.labels !== undefined ? { labels: opts.labels } : {}),
      };
      const { model, report } = nirToFloatModel(document, options);
      writeOutputFile(opts.output, JSON.stringify(floatModelToJson(model)) + '\n');
      if (opts.json) printJson({ output: opts.output, report });
      else process.stderr.write(`${formatImportReport(report)}\nwrote ${opts.output}\n`);
    });
}
