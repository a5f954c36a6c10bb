/**
 * Starting parameters from a model (`hetsyn train --init`): a `.hsm` dequantized (its weights on the
 * grid, its rho the K level decays) or a float model JSON, mapped onto the trainer's flat vector.
 * Readout classes are matched by name; a class the model lacks (FSDD's added `_silence_`) starts
 * with zero weights, the mean rho of its layer and the lowest bias, so it wins nothing until trained.
 */
import { readFileSync } from 'node:fs';
import type { FloatModel } from '../float/model.js';
import { readFloatModel } from '../float/json.js';
import { readHsm } from '../model/hsm-reader.js';
import type { FrontendConfig } from '../model/frontend-config.js';
import { dequantize } from '../quantize/dequantize.js';
import { InputError } from '../util/input-error.js';
import { paramLayout, type NetworkSpec } from './network.js';

export interface InitModel {
  model: FloatModel;
  /** The `.hsm`'s FRONTEND section; a float JSON has none. */
  frontend?: FrontendConfig;
}

export function readInitModel(path: string): InitModel {
  if (!path.toLowerCase().endsWith('.hsm')) return { model: readFloatModel(path) };
  const hsm = readHsm(new Uint8Array(readFileSync(path)));
  const model = dequantize(hsm);
  if (!hsm.frontend) return { model };
  const { sampleRateHz, bands, windowMs, hopMs, thresholdQ8 } = hsm.frontend;
  return { model, frontend: { sampleRateHz, bands, windowMs, hopMs, thresholdQ8 } };
}

function mean(values: Float64Array): number {
  let sum = 0;
  for (const v of values) sum += v;
  return values.length === 0 ? 0 : sum / values.length;
}

/** The flat parameters of `spec` (whose readout classes are `labels`) taken from `model`. */
export function paramsFromModel(
  spec: NetworkSpec,
  labels: readonly string[],
  model: FloatModel,
  path: string,
): Float64Array {
  const layout = paramLayout(spec);
  const fail = (why: string): never => {
    throw new InputError(`--init ${path}: ${why}`);
  };
  if (model.inputCount !== spec.inputCount) {
    fail(`it takes ${model.inputCount} inputs; this run has ${spec.inputCount} (--bands)`);
  }
  if (model.layers.length !== layout.layers.length) {
    fail(`it has ${model.layers.length} layers; this run has ${layout.layers.length} (--hidden)`);
  }
  const params = new Float64Array(layout.length);
  layout.layers.forEach((slots, l) => {
    const layer = model.layers[l];
    const readout = slots.kind === 'readout';
    if (
      layer.kind !== slots.kind ||
      (!readout && layer.size !== slots.size) ||
      layer.inputCount !== slots.inputCount
    ) {
      fail(`layer ${l} is ${layer.kind} ${layer.size}; this run's is ${slots.kind} ${slots.size} (--hidden)`);
    }
    if (layer.mask) fail('sparse layers are not trained');
    if (!readout) {
      if (slots.threshold < 0 && layer.threshold?.some((t) => Math.abs(t - spec.threshold) > 1e-3))
        fail(`its thresholds are not ${spec.threshold} (--learn-thresholds trains on from them)`);
      if (slots.bias < 0 && layer.drive.some((d) => Math.abs(d) > 1e-6))
        fail('its hidden neurons have drives (--learn-drives trains on from them)');
      if (slots.threshold >= 0)
        params.set(layer.threshold ?? new Float64Array(slots.size).fill(spec.threshold), slots.threshold);
      if (slots.bias >= 0) params.set(layer.drive, slots.bias);
      if (Math.abs(layer.resetRho - spec.resetRho) > 1e-3)
        fail(
          `its reset decay ${layer.resetRho.toFixed(4)} is not this run's ${spec.resetRho.toFixed(4)} (--reset-tau)`,
        );
    }
    // Column of each of this run's neurons in the model (-1: a class the model lacks).
    const source = readout
      ? labels.map((label) => model.labels.indexOf(label))
      : Array.from({ length: slots.size }, (_, j) => j);
    const fillRho = mean(layer.rho);
    const rhoPerSynapse = new Float64Array(slots.rows * slots.size);
    for (let r = 0; r < slots.rows; r++) {
      for (let j = 0; j < slots.size; j++) {
        const from = source[j];
        const p = r * slots.size + j;
        params[slots.weight + p] = from < 0 ? 0 : layer.weight[r * layer.size + from];
        rhoPerSynapse[p] = from < 0 ? fillRho : layer.rho[r * layer.size + from];
      }
    }
    if (slots.rhoLength === rhoPerSynapse.length) params.set(rhoPerSynapse, slots.rho);
    else if (slots.rhoLength === slots.size) {
      for (let j = 0; j < slots.size; j++) {
        let sum = 0;
        for (let r = 0; r < slots.rows; r++) sum += rhoPerSynapse[r * slots.size + j];
        params[slots.rho + j] = sum / slots.rows;
      }
    } else params[slots.rho] = mean(rhoPerSynapse);
    if (readout) {
      const lowest = Math.min(...layer.drive);
      source.forEach((from, j) => (params[slots.bias + j] = from < 0 ? lowest : layer.drive[from]));
    }
  });
  return params;
}
