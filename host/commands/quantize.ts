/** `hetsyn quantize FLOAT.json -o MODEL.hsm`: a float HetSynLIF model to a fixed-point .hsm. */

import { writeOutputFile } from '../util/output.js';
import { Command, Option } from 'commander';
import { readFloatModel } from '../float/json.js';
import { quantize } from '../quantize/quantize.js';
import { formatReport } from '../quantize/report.js';
import { writeHsm } from '../model/hsm-writer.js';
import { openEngine } from '../wasm/module.js';
import { printJson } from '../cli/format.js';
import { parseIntInRange } from '../cli/options.js';

interface QuantizeOptions {
  output: string;
  levels: number;
  weightShift: number;
  sparse: 'auto' | 'always' | 'never';
  json?: boolean;
}

export function quantizeCommand(): Command {
  return new Command('quantize')
    .description('quantize a float model (JSON, docs/float-model.md) into a fixed-point .hsm model')
    .argument('<float-model>', 'float model JSON file')
    .requiredOption('-o, --output <file>', 'where to write the .hsm model')
    .addOption(
      new Option('-k, --levels <K>', 'time-constant levels per layer (K)')
        .default(16)
        .argParser(parseIntInRange(1, 64)),
    )
    .addOption(
      new Option('--weight-shift <bits>', 'state guard bits below the weight LSB')
        .default(8)
        .argParser(parseIntInRange(0, 16)),
    )
    .addOption(
      new Option('--sparse <mode>', 'store synapses as compressed rows')
        .choices(['auto', 'always', 'never'])
        .default('auto'),
    )
    .option('--json', 'print the quantization report as JSON on stdout')
    .action((floatPath: string, opts: QuantizeOptions) => {
      const model = readFloatModel(floatPath);
      const { hsm, report } = quantize(model, {
        levels: opts.levels,
        weightShift: opts.weightShift,
        sparse: opts.sparse,
      });
      const bytes = writeHsm(hsm);
      // The engine is the judge of what it will run: load the result before writing it out.
      openEngine().loadOrThrow(bytes);
      writeOutputFile(opts.output, bytes);
      if (opts.json) printJson({ output: opts.output, bytes: bytes.length, report });
      else process.stdout.write(`${formatReport(report)}\nwrote ${opts.output} (${bytes.length} bytes)\n`);
    });
}
