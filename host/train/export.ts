/** A trained network to the float model (docs/float-model.md) and on to a fixed-point .hsm. */
import type { FloatLayer, FloatModel } from '../float/model.js';
import type { FrontendConfig } from '../model/frontend-config.js';
import { quantize, type QuantizeReport } from '../quantize/quantize.js';
import { writeHsm } from '../model/hsm-writer.js';
import { effectiveLayers, paramLayout, type NetworkSpec } from './network.js';
import { fakeQuantizeWeights } from './quantize-aware.js';

export interface ExportInfo {
  name: string;
  labels: string[];
  frontend: FrontendConfig;
}

/** `onGrid`: the weights as the quantization-aware finish ran them (what the .hsm will hold). */
export function toFloatModel(
  spec: NetworkSpec,
  params: Float64Array,
  info: ExportInfo,
  onGrid: boolean,
): FloatModel {
  const net = effectiveLayers(paramLayout(spec), params, onGrid ? fakeQuantizeWeights : undefined);
  const layers: FloatLayer[] = net.map((l) => {
    const spiking = l.kind !== 'readout';
    return {
      kind: l.kind,
      inputCount: l.inputCount,
      size: l.size,
      rows: l.rows,
      weight: l.weight,
      rho: l.rho,
      mask: spiking && spec.density !== undefined ? prunedMask(l.weight, l.rho) : undefined,
      threshold: spiking ? l.threshold : undefined,
      drive: l.bias,
      resetRho: spiking ? spec.resetRho : 0,
    };
  });
  return {
    name: info.name,
    labels: info.labels,
    timestepUs: info.frontend.hopMs * 1000,
    inputCount: spec.inputCount,
    decision: { mode: 'sum', skipSteps: spec.skipSteps },
    layers,
  };
}

/**
 * A pruned layer's synapses: training holds a pruned weight at exactly 0 (trainer.ts), and so are
 * the recurrent self-synapses, which never carry current. Absent synapses get rho 0 as the float
 * model wants (docs/float-model.md), in place.
 */
function prunedMask(weight: Float64Array, rho: Float64Array): Uint8Array {
  const mask = new Uint8Array(weight.length);
  for (let s = 0; s < weight.length; s++) {
    mask[s] = weight[s] === 0 ? 0 : 1;
    if (mask[s] === 0) rho[s] = 0;
  }
  return mask;
}

/** The .hsm bytes (format 2, with the FRONTEND section the model was trained on) and the quantizer's report. */
export function toHsm(
  model: FloatModel,
  frontend: FrontendConfig,
  levels: number,
): { bytes: Uint8Array; report: QuantizeReport } {
  const { hsm, report } = quantize(model, { levels });
  hsm.frontend = { ...frontend, encoding: 'delta' };
  return { bytes: writeHsm(hsm), report };
}
