/**
 * A float model as the nearest NIR graph (docs/nir.md, "Export"): Input -> Linear -> LIF (or
 * CubaLIF) per spiking layer, with a Linear back into the group for a recurrent layer, -> Linear ->
 * LI (or CubaLI) readout -> Output. Everything NIR cannot say is listed in the report.
 */

import { uniformNeuronRho, type FloatModel } from '../float/model.js';
import { decay, INSTANT_TAU_STEPS, median, tauOf, type Discretisation } from './discretise.js';
import { NIR_VERSION, nirArray, type NirDocument, type NirNode } from './graph.js';

export type ExportNeuron = 'lif' | 'cubalif';
export const EXPORT_NEURONS: readonly ExportNeuron[] = ['lif', 'cubalif'];

export interface NirExportOptions {
  /** Step length in the time unit to write taus in; default timestepUs / 1000, i.e. ms (NIR's unit). */
  dt?: number;
  discretisation?: Discretisation;
  neuron?: ExportNeuron;
}

export interface NirExportLayerReport {
  layer: number;
  kind: string;
  nodes: string[];
  /** How the layer's rho was given: one per layer, per neuron, or per synapse (then reduced). */
  rho: 'layer' | 'neuron' | 'synapse';
  /** The largest change of any present synapse's rho by the per-neuron reduction. */
  maxRhoChange: number;
}

export interface NirExportReport {
  dt: number;
  discretisation: Discretisation;
  neuron: ExportNeuron;
  nodes: number;
  edges: number;
  layers: NirExportLayerReport[];
  /** What NIR cannot hold, one sentence each. */
  losses: string[];
  /** What maps exactly, for the record. */
  kept: string[];
}

/** Keeps rho out of 0 and 1, where tau would be 0 or infinite. */
const RHO_CEILING = 1 - 1e-12;

export function floatModelToNir(
  model: FloatModel,
  options: NirExportOptions = {},
): { document: NirDocument; report: NirExportReport } {
  const dt = options.dt ?? model.timestepUs / 1000;
  const mode = options.discretisation ?? 'exact';
  const neuronKind = options.neuron ?? 'lif';
  const nodes: Record<string, NirNode> = {};
  const edges: [string, string][] = [];
  const losses: string[] = [];
  const layers: NirExportLayerReport[] = [];
  const node = (type: string, params: NirNode['params']): NirNode => ({ type, params, metadata: {} });
  nodes.input = node('Input', { shape: { ...nirArray([model.inputCount]), integer: true } });
  let previous = 'input';
  let clamped = 0;
  const tauFor = (rho: number): number => {
    if (rho >= RHO_CEILING) {
      clamped++;
      return tauOf(RHO_CEILING, dt, mode);
    }
    if (mode === 'exact' && rho <= Math.exp(-1 / INSTANT_TAU_STEPS)) return dt * INSTANT_TAU_STEPS;
    return tauOf(Math.max(0, rho), dt, mode);
  };

  model.layers.forEach((layer, l) => {
    const { size, inputCount, rows, weight, rho, mask } = layer;
    const readout = layer.kind === 'readout';
    const recurrent = layer.kind === 'recurrent';
    // Per neuron: the median tau of its present synapses (input and recurrent rows).
    const tau = new Float64Array(size);
    const uniform = uniformNeuronRho(layer);
    let maxRhoChange = 0;
    for (let j = 0; j < size; j++) {
      const taus: number[] = [];
      for (let r = 0; r < rows; r++) {
        const s = r * size + j;
        if (mask === undefined || mask[s] === 1) taus.push(tauFor(rho[s]));
      }
      tau[j] = taus.length > 0 ? median(taus) : tauFor(uniform?.[j] ?? 0);
    }
    // The rho each neuron's tau stands for, as a re-import reads it back.
    const neuronRho = Array.from(tau, (t, j) => decay(t, dt, mode, `layer ${l} neuron ${j}`));
    for (let j = 0; j < size; j++) {
      for (let r = 0; r < rows; r++) {
        const s = r * size + j;
        if (mask === undefined || mask[s] === 1)
          maxRhoChange = Math.max(maxRhoChange, Math.abs(neuronRho[j] - rho[s]));
      }
    }
    const form: NirExportLayerReport['rho'] =
      uniform === undefined ? 'synapse' : uniform.every((x) => x === uniform[0]) ? 'layer' : 'neuron';
    const names = {
      fc: `fc${l}`,
      neuron: readout ? (neuronKind === 'lif' ? 'li' : 'cubali') : `${neuronKind}${l}`,
    };
    const matrixOf = (rowOffset: number, cols: number): number[] => {
      const out: number[] = [];
      for (let j = 0; j < size; j++)
        for (let i = 0; i < cols; i++) out.push(weight[(rowOffset + i) * size + j]);
      return out;
    };
    nodes[names.fc] = node('Linear', { weight: nirArray(matrixOf(0, inputCount), [size, inputCount]) });
    const gainR = Array.from(tau, (t) => t / dt);
    const vLeak = nirArray(layer.drive);
    let params: NirNode['params'];
    if (neuronKind === 'lif') {
      params = { tau: nirArray(tau), r: nirArray(gainR), v_leak: vLeak };
    } else {
      const tauMem = mode === 'exact' ? dt * INSTANT_TAU_STEPS : dt;
      params = {
        tau_syn: nirArray(tau),
        tau_mem: nirArray(new Float64Array(size).fill(tauMem)),
        r: nirArray(new Float64Array(size).fill(1)),
        v_leak: vLeak,
        w_in: nirArray(gainR),
      };
    }
    if (!readout) {
      params.v_threshold = nirArray(layer.threshold ?? []);
      params.v_reset = nirArray(new Float64Array(size));
    }
    const type = `${neuronKind === 'lif' ? 'LI' : 'CubaLI'}${readout ? '' : 'F'}`;
    nodes[names.neuron] = node(type, params);
    edges.push([previous, names.fc], [names.fc, names.neuron]);
    const layerNodes = [names.fc, names.neuron];
    if (recurrent) {
      const rec = `rec${l}`;
      nodes[rec] = node('Linear', { weight: nirArray(matrixOf(inputCount, size), [size, size]) });
      edges.push([names.neuron, rec], [rec, names.neuron]);
      layerNodes.push(rec);
    }
    previous = names.neuron;
    layers.push({ layer: l, kind: layer.kind, nodes: layerNodes, rho: form, maxRhoChange });

    if (form === 'synapse') {
      losses.push(
        `layer ${l}: per-synapse rho has no NIR primitive: each neuron gets the median tau of its synapses (rho changes by up to ${maxRhoChange.toPrecision(3)})`,
      );
    }
    if (mask !== undefined) {
      const absent = mask.reduce((n, m) => n + (m === 0 ? 1 : 0), 0);
      losses.push(
        `layer ${l}: the mask (${absent} absent synapses) is written as zero weights; NIR has no sparsity, so a re-import is dense`,
      );
    }
    if (!readout) {
      losses.push(
        `layer ${l}: reset by subtraction is written as NIR's reset to v_reset = 0 (the overshoot above threshold is lost)`,
      );
      if (neuronKind === 'lif' && neuronRho.some((r) => Math.abs(r - layer.resetRho) > 1e-12)) {
        losses.push(
          `layer ${l}: the reset current decays with resetRho = ${layer.resetRho.toPrecision(4)}; a NIR LIF's reset decays with its membrane (rho ${Math.min(...neuronRho).toPrecision(4)}..${Math.max(...neuronRho).toPrecision(4)})`,
        );
      }
      if (neuronKind === 'cubalif') {
        losses.push(
          `layer ${l}: the CubaLIF membrane is instantaneous (tau_mem = ${mode === 'exact' ? 'dt/64' : 'dt'}), so NIR's reset lasts no step: the decaying reset current (resetRho = ${layer.resetRho.toPrecision(4)}) is lost`,
        );
      }
    }
  });
  nodes.output = node('Output', {
    shape: { ...nirArray([model.layers[model.layers.length - 1].size]), integer: true },
  });
  edges.push([previous, 'output']);
  if (clamped > 0)
    losses.push(`${clamped} synapses with rho = 1 (no decay) are written with rho = 1 - 1e-12`);
  losses.push(
    'the decision (sum of scores from step skipSteps on), the labels, the name and the timestep are only kept as hetsyn_* metadata: NIR has no decision rule',
  );
  const kept = [
    'weights: Linear weight [out, in], r (or w_in) = tau/dt so each spike adds exactly the weight',
    'thresholds: v_threshold',
    "drives: v_leak (the membrane's resting value)",
    `time constants: tau = ${mode === 'exact' ? '-dt / ln(rho)' : 'dt / (1 - rho)'} per neuron`,
  ];
  const document: NirDocument = {
    version: NIR_VERSION,
    graph: {
      type: 'NIRGraph',
      params: {},
      nodes,
      edges,
      metadata: {
        hetsyn_dt: dt,
        hetsyn_discretisation: mode,
        hetsyn_timestep_us: model.timestepUs,
        hetsyn_name: model.name,
        hetsyn_labels: [...model.labels],
        hetsyn_skip_steps: model.decision.skipSteps,
      },
    },
  };
  return {
    document,
    report: {
      dt,
      discretisation: mode,
      neuron: neuronKind,
      nodes: Object.keys(nodes).length,
      edges: edges.length,
      layers,
      losses,
      kept,
    },
  };
}

export function formatExportReport(report: NirExportReport): string {
  const lines = [
    `NIR graph: ${report.nodes} nodes, ${report.edges} edges; ${report.neuron === 'lif' ? 'LIF/LI' : 'CubaLIF/CubaLI'} neurons, tau in units where dt = ${report.dt} (${report.discretisation})`,
  ];
  for (const l of report.layers)
    lines.push(`layer ${l.layer} ${l.kind}: ${l.nodes.join(', ')} (rho per ${l.rho})`);
  for (const k of report.kept) lines.push(`kept: ${k}`);
  for (const loss of report.losses) lines.push(`lost: ${loss}`);
  return lines.join('\n');
}
