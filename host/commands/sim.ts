/** `hetsyn sim MODEL INPUT`: run the .wasm engine on the host, exactly as a board would. */

import { Command } from 'commander';
import { openModel } from '../cli/load-model.js';
import { readInputTrain } from '../cli/read-input.js';
import { printJson, table } from '../cli/format.js';
import { simulate, type StepRecord } from '../sim/simulate.js';

function argmax(values: number[]): number {
  return values.reduce((best, v, i) => (v > (values[best] ?? -Infinity) ? i : best), 0);
}

function stepTable(records: StepRecord[], labels: string[], withSpikes: boolean): string {
  const header = ['step', 'top', ...labels, ...(withSpikes ? ['spikes per layer'] : [])];
  const rows = records.map((r) => [
    r.t,
    labels[argmax(r.scores)] ?? '?',
    ...r.scores,
    ...(withSpikes ? [(r.spikes ?? []).map((l) => l.length).join('/')] : []),
  ]);
  return table(header, rows);
}

export function simCommand(): Command {
  return new Command('sim')
    .description('simulate a model on the host with the same .wasm engine a board runs (bit-identical)')
    .argument('<model>', '.hsm model file')
    .argument(
      '<input>',
      "spike file (text .spikes or binary .spk, docs/spike-format.md), or a .wav encoded with the model's front-end",
    )
    .option('--json', 'one JSON object on stdout: every step, the decision and its label')
    .option('--spikes', "include each spiking layer's spikes per step")
    .option('-q, --quiet', 'print only the decision')
    .action(
      (modelPath: string, inputPath: string, opts: { json?: boolean; spikes?: boolean; quiet?: boolean }) => {
        const { engine, info } = openModel(modelPath);
        const train = readInputTrain(inputPath, { path: modelPath, info, engine });
        const records = simulate(engine, train, { spikes: opts.spikes === true });
        const decision = engine.decision();
        const label = info.labels[decision] ?? null;
        if (opts.json) {
          printJson({ model: info.name, input: inputPath, steps: records, decision, label });
          return;
        }
        if (!opts.quiet) process.stdout.write(stepTable(records, info.labels, opts.spikes === true) + '\n\n');
        const window = `steps ${info.decisionSkipSteps}..${records.length - 1}`;
        process.stdout.write(
          decision < 0
            ? `decision: none (the ${records.length} steps end before the decision window starts at step ${info.decisionSkipSteps})\n`
            : `decision: ${label} (class ${decision}, summed over ${window})\n`,
        );
      },
    );
}
