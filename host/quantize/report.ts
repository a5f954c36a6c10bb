/** The quantizer's report for a person: one block per layer. */

import type { QuantizeReport } from './quantize.js';

function formatTau(tau: number): string {
  if (tau === Infinity) return 'inf';
  return tau < 10 ? tau.toFixed(1) : tau.toFixed(0);
}

export function formatReport(report: QuantizeReport): string {
  const lines = [
    `quantized with at most ${report.levels} levels per layer, weightShift ${report.weightShift}`,
  ];
  report.layers.forEach((r, l) => {
    const levelKind = r.bucketBits === 0 ? 'per neuron' : `per synapse, ${r.bucketBits}-bit index`;
    lines.push(
      `layer ${l} ${r.kind}: ${r.inputCount} -> ${r.neuronCount}, ${r.synapseCount} synapses ${r.sparse ? 'sparse' : 'dense'}`,
      `  levels: ${r.levelCount} ${levelKind}; tau (steps): ${r.levelTau.map(formatTau).join(' ')}`,
      `  rho error: max ${r.rhoMaxError.toExponential(2)}, mean ${r.rhoMeanError.toExponential(2)}`,
      `  weights: LSB 2^${-r.weightExponent}, rms error ${(100 * r.weightRmsError).toFixed(2)}% of rms weight, ` +
        `${r.weightsZeroed} rounded to 0, ${r.weightsClipped} clipped`,
    );
    if (r.thresholdMin !== undefined) {
      const range =
        r.thresholdMin === r.thresholdMax ? `${r.thresholdMin}` : `${r.thresholdMin}..${r.thresholdMax}`;
      lines.push(`  threshold: ${range} state LSB (stateFracBits ${r.stateFracBits})`);
    }
  });
  return lines.join('\n');
}
