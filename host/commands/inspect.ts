/** `hetsyn inspect MODEL`: what a .hsm holds and what it will cost on a board. */

import { statSync } from 'node:fs';
import { Command, Option } from 'commander';
import { DEFAULT_WASM_PATH } from '../wasm/module.js';
import type { ModelInfo } from '../model/model-info.js';
import type { DetectParams } from '../model/detection.js';
import { DEFAULT_ACTIVITY, estimateCost, type ModelCost } from '../model/cost.js';
import { loadModel } from '../wasm/load-model.js';
import { bytes, count, printJson, table } from '../cli/format.js';
import { parseFraction } from '../cli/options.js';
import { printable, printableName } from '../util/printable.js';

function packing(layer: ModelInfo['layers'][number]): string {
  const levels = layer.bucketBits === 0 ? 'per neuron' : `per synapse, ${layer.bucketBits}-bit`;
  return layer.sparse ? `${levels}, sparse` : levels;
}

function tauSteps(decayQ16: number): string {
  if (decayQ16 >= 65536) return 'inf';
  if (decayQ16 === 0) return '0';
  return (-1 / Math.log(decayQ16 / 65536)).toFixed(1);
}

/** Labels shown in the text report; the rest are counted ("... N more"); --json has them all. */
const LABELS_SHOWN = 20;

/** The labels as lines of at most `width` characters, the first LABELS_SHOWN of them. */
function labelLines(labels: readonly string[], width = 100, indent = 10): string[] {
  const shown = labels.slice(0, LABELS_SHOWN).map((l) => {
    const text = printable(l);
    return text.length > 40 ? `${text.slice(0, 40)}...` : text;
  });
  const rest = labels.length - shown.length;
  const items = shown.map((l, i) => (i < shown.length - 1 || rest > 0 ? `${l},` : l));
  if (rest > 0) items.push(`... ${count(rest)} more (hetsyn inspect --json lists them all)`);
  const lines: string[] = [];
  let line = '';
  for (const item of items) {
    if (line !== '' && indent + line.length + 1 + item.length > width) {
      lines.push(line);
      line = item;
    } else line = line === '' ? item : `${line} ${item}`;
  }
  if (line !== '') lines.push(line);
  return lines;
}

/** The detector's settings in one line: window, suppression, and the thresholds (equal ones once). */
function detectorLine(detect: DetectParams, info: ModelInfo, fromSection: boolean): string {
  const ms = (steps: number): string => `${(steps * info.timestepUs) / 1000} ms`;
  const window = 2 ** detect.smoothingShift;
  const on = detect.thresholds.flatMap((t, j) =>
    t >= 0 ? [[printable(info.labels[j] ?? String(j)), t] as const] : [],
  );
  const same = on.every(([, t]) => t === on[0]?.[1]);
  const thresholds =
    on.length === 0
      ? 'no class detected'
      : same
        ? `margin ${on[0]?.[1]} for ${on.length === detect.thresholds.length ? 'every class' : on.map(([l]) => l).join(', ')}`
        : on.map(([l, t]) => `${l} ${t}`).join(', ');
  const source = fromSection ? 'DETECT section' : 'defaults: the model has no DETECT section';
  return `detector  mean over ${window} steps (${ms(window)}), ${thresholds}, then ${detect.suppressSteps} steps (${ms(detect.suppressSteps)}) suppressed (${source}; docs/detection.md)`;
}

function describe(info: ModelInfo, cost: ModelCost, wasmBytes: number, detector: string): string {
  const out: string[] = [];
  out.push(
    `model     ${printableName(info.name)}  (.hsm format ${info.formatVersion}, engine ${info.engineVersion})`,
  );
  out.push(`inputs    ${info.inputCount} channels, timestep ${info.timestepUs / 1000} ms`);
  const [first = '', ...more] = labelLines(info.labels);
  out.push(`classes   ${info.classCount}: ${first}`, ...more.map((line) => `          ${line}`));
  out.push(`decision  sum of readout scores, ignoring the first ${info.decisionSkipSteps} steps`);
  const fe = info.frontend;
  out.push(
    fe
      ? `front-end ${fe.sampleRateHz} Hz audio, ${fe.bands} mel bands, ${fe.windowMs} ms window, ${fe.hopMs} ms hop, ` +
          `up/down delta at ${((fe.thresholdQ8 / 256) * 10 * Math.log10(2)).toFixed(1)} dB (docs/frontend.md)`
      : 'front-end none: the model takes spike files (.hsm format 1)',
  );
  out.push(detector);
  out.push('');
  out.push(
    table(
      ['layer', 'kind', 'inputs', 'neurons', 'K', 'levels', 'synapses', 'state B'],
      info.layers.map((l, i) => [
        i,
        l.kind,
        l.inputCount,
        l.neuronCount,
        l.levelCount,
        packing(l),
        count(l.synapseCount),
        count(cost.layers[i]?.dynamicStateBytes ?? 0),
      ]),
    ),
  );
  out.push('');
  info.layers.forEach((l, i) => {
    out.push(`layer ${i} tau (steps): ${l.levelDecayQ16.map(tauSteps).join(' ')}`);
  });
  out.push('');
  const ops = cost.opsPerStep;
  const ratio = cost.perSynapseStateBytes / Math.max(1, cost.dynamicStateBytes);
  out.push(`flash     ${bytes(cost.flashBytes)} model (the engine .wasm adds ${bytes(wasmBytes)})`);
  out.push(
    `RAM       ${bytes(cost.stateBytes)} of state, in the engine's ${bytes(cost.stateArenaBytes)} state arena (the model is read in place)`,
  );
  out.push(
    `          ${bytes(cost.linearMemoryBytes)} of linear memory on a board: static buffers and the state arena, for any model`,
  );
  out.push(
    `state     ${bytes(cost.dynamicStateBytes)} dynamic (per-synapse form: ${bytes(cost.perSynapseStateBytes)}, ${ratio.toFixed(1)}x more)`,
  );
  out.push(
    `ops/step  ~${count(ops.total)}: decay ${count(ops.decay)} + synaptic ~${count(ops.synaptic)} + membrane ${count(ops.membrane)}` +
      ` (at ${+(cost.activity.inputRate * 100).toFixed(2)}% input, ${+(cost.activity.hiddenRate * 100).toFixed(2)}% hidden activity)`,
  );
  return out.join('\n');
}

export function inspectCommand(): Command {
  return new Command('inspect')
    .description(
      'print what a .hsm model holds and what it costs on a board (flash, RAM, operations per step)',
    )
    .argument('<model>', '.hsm model file')
    .option('--json', 'one JSON object on stdout')
    .addOption(
      new Option('--input-rate <fraction>', 'input activity assumed for the operation estimate')
        .default(DEFAULT_ACTIVITY.inputRate)
        .argParser(parseFraction),
    )
    .addOption(
      new Option('--hidden-rate <fraction>', 'hidden-layer activity assumed for the operation estimate')
        .default(DEFAULT_ACTIVITY.hiddenRate)
        .argParser(parseFraction),
    )
    .action((modelPath: string, opts: { json?: boolean; inputRate: number; hiddenRate: number }) => {
      const { engine, info } = loadModel(modelPath);
      const cost = estimateCost(info, { inputRate: opts.inputRate, hiddenRate: opts.hiddenRate });
      const wasmBytes = statSync(DEFAULT_WASM_PATH).size;
      const detect = engine.detectParams();
      if (opts.json) printJson({ model: info, detect, cost, wasmBytes });
      else
        process.stdout.write(
          describe(info, cost, wasmBytes, detectorLine(detect, info, engine.hasDetectSection())) + '\n',
        );
    });
}
