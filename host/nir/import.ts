/**
 * A NIR graph onto a float model (docs/nir.md): a chain Input -> [Affine|Linear -> neuron group]... ->
 * readout -> Output, where a neuron group may also take its own spikes back through one Linear or
 * Affine (a recurrent layer). Anything else is refused with a NirError naming the node and why.
 * What maps exactly and what only approximately is worked out per node and returned as a report.
 */

import { type FloatModel } from '../float/model.js';
import { parseFloatModel, type FloatLayerJson, type FloatModelJson } from '../float/json.js';
import {
  decay,
  heldGain,
  INSTANT_RHO,
  mergeError,
  median,
  mergeStages,
  type Discretisation,
} from './discretise.js';
import { flattenGraph, NirError, type NirArray, type NirDocument, type NirNode } from './graph.js';

export interface NirImportOptions {
  /** Step length in the time unit of the file's taus; default the file's hetsyn_dt metadata, else 1. */
  dt?: number;
  /** Default the file's hetsyn_discretisation metadata, else exact. */
  discretisation?: Discretisation;
  /** What the float model records as timestepUs; default the file's metadata, else round(dt * 1000). */
  timestepUs?: number;
  /** Score on the membrane of a spiking last group (dropping its threshold and reset). */
  membraneReadout?: boolean;
  /** Refuse anything that maps only approximately. */
  strict?: boolean;
  name?: string;
  labels?: string[];
}

export type Source = 'option' | 'file' | 'default';

export interface NirLayerReport {
  layer: number;
  kind: FloatLayerJson['kind'];
  size: number;
  /** The NIR nodes the layer came from. */
  neuron: string;
  neuronType: string;
  weights: string;
  recurrent?: string;
  /** The time constants as read, in the file's unit (per neuron: min..max). */
  tau: { min: number; max: number };
  rho: { min: number; max: number };
  exact: boolean;
  /** What is approximate, one sentence each. */
  approximations: string[];
}

export interface NirImportReport {
  nirVersion: string;
  dt: number;
  dtSource: Source;
  discretisation: Discretisation;
  discretisationSource: Source;
  timestepUs: number;
  inputCount: number;
  layers: NirLayerReport[];
  /** Every approximation of every layer, each starting with the node's name. */
  approximations: string[];
  exact: boolean;
}

const CONNECTIONS = new Set(['Linear', 'Affine']);
const SPIKING = new Set(['LIF', 'CubaLIF', 'IF']);
const INTEGRATORS = new Set(['LI', 'CubaLI', 'I']);
const REFUSED: Record<string, string> = {
  Conv1d: 'convolutions have no counterpart: a hetsyn layer is a dense (or masked) matrix',
  Conv2d: 'convolutions have no counterpart: a hetsyn layer is a dense (or masked) matrix',
  SumPool2d: 'pooling has no counterpart in hetsyn layers',
  AvgPool2d: 'pooling has no counterpart in hetsyn layers',
  Delay: 'hetsyn has no delay lines',
  Scale: 'a Scale between nodes is not read: fold it into the weights before exporting',
  Threshold: 'a bare Threshold (without a neuron) is not a hetsyn layer',
};
const REQUIRED: Record<string, string[]> = {
  Linear: ['weight'],
  Affine: ['weight', 'bias'],
  LIF: ['tau', 'r', 'v_leak', 'v_threshold'],
  CubaLIF: ['tau_syn', 'tau_mem', 'r', 'v_leak', 'v_threshold'],
  IF: ['r', 'v_threshold'],
  LI: ['tau', 'r', 'v_leak'],
  CubaLI: ['tau_syn', 'tau_mem', 'r', 'v_leak'],
  I: ['r'],
  Input: ['shape'],
};

function describe(name: string, node: NirNode): string {
  return `node '${name}' (${node.type})`;
}

function checkNode(name: string, node: NirNode): void {
  const refused = REFUSED[node.type];
  if (refused !== undefined) throw new NirError(`${describe(name, node)}: not supported: ${refused}`);
  const required = REQUIRED[node.type];
  if (required === undefined && node.type !== 'Output') {
    const known = [...Object.keys(REQUIRED), 'Output', 'NIRGraph', 'Flatten', 'Identity'].join(', ');
    throw new NirError(`${describe(name, node)}: unknown node type (this reader maps ${known})`);
  }
  for (const param of required ?? []) {
    if (node.params[param] === undefined)
      throw new NirError(`${describe(name, node)}: missing parameter '${param}'`);
  }
  for (const [param, array] of Object.entries(node.params)) {
    const bad = array.values.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0)
      throw new NirError(`${describe(name, node)}: ${param}[${bad}] = ${array.values[bad]} is not finite`);
  }
}

/** A per-neuron parameter: a scalar or one value broadcasts, else exactly `size` values. */
function perNeuron(
  name: string,
  node: NirNode,
  param: string,
  size: number,
  fallback?: number,
): Float64Array {
  const array = node.params[param];
  if (array === undefined) {
    if (fallback === undefined) throw new NirError(`${describe(name, node)}: missing parameter '${param}'`);
    return new Float64Array(size).fill(fallback);
  }
  if (array.values.length === 1) return new Float64Array(size).fill(array.values[0]);
  if (array.values.length !== size) {
    throw new NirError(
      `${describe(name, node)}: shape mismatch: '${param}' has shape [${array.shape.join(', ')}] (${array.values.length} values); the group has ${size} neurons`,
    );
  }
  return Float64Array.from(array.values);
}

/** The neuron count a node's own parameters say, or undefined when all are scalars. */
function ownSize(node: NirNode): number | undefined {
  const lengths = Object.values(node.params)
    .map((a) => a.values.length)
    .filter((n) => n > 1);
  return lengths.length === 0 ? undefined : Math.max(...lengths);
}

function matrix(
  name: string,
  node: NirNode,
  inputs: number,
  from: string,
): { out: number; weight: NirArray } {
  const weight = node.params.weight;
  if (weight.shape.length !== 2) {
    throw new NirError(
      `${describe(name, node)}: shape mismatch: weight has shape [${weight.shape.join(', ')}], expected [out, in]`,
    );
  }
  const [out, cols] = weight.shape;
  if (cols !== inputs) {
    throw new NirError(
      `${describe(name, node)}: shape mismatch: weight [${out}, ${cols}] takes ${cols} inputs; ${from} gives ${inputs}`,
    );
  }
  if (node.type === 'Affine' && node.params.bias.values.length !== out) {
    throw new NirError(
      `${describe(name, node)}: shape mismatch: bias has ${node.params.bias.values.length} values for ${out} outputs`,
    );
  }
  return { out, weight };
}

function rows(weight: NirArray, gain: Float64Array): number[][] {
  const [out, cols] = weight.shape;
  return Array.from({ length: out }, (_, j) =>
    Array.from({ length: cols }, (_, i) => weight.values[j * cols + i] * gain[j]),
  );
}

interface Neuron {
  rho: Float64Array;
  gain: Float64Array;
  /** The steady-state gain from a constant input (an Affine bias) to the membrane. */
  dcGain: Float64Array;
  /** The membrane's own decay, which the reset shares. */
  membraneRho: Float64Array;
  vLeak: Float64Array;
  tau: Float64Array;
  approximations: string[];
}

/** The per-neuron discrete form of one NIR neuron node (docs/nir.md, "Mapping"). */
function discretiseNeuron(
  name: string,
  node: NirNode,
  size: number,
  dt: number,
  mode: Discretisation,
): Neuron {
  const where = describe(name, node);
  const p = (param: string, fallback?: number): Float64Array => perNeuron(name, node, param, size, fallback);
  const r = p('r');
  const out: Neuron = {
    rho: new Float64Array(size),
    gain: new Float64Array(size),
    dcGain: new Float64Array(size),
    membraneRho: new Float64Array(size),
    vLeak: node.type === 'IF' || node.type === 'I' ? new Float64Array(size) : p('v_leak'),
    tau: new Float64Array(size),
    approximations: [],
  };
  if (node.type === 'LIF' || node.type === 'LI') {
    const tau = p('tau');
    for (let j = 0; j < size; j++) {
      out.rho[j] = decay(tau[j], dt, mode, `${where} neuron ${j}`);
      out.gain[j] = (r[j] * dt) / tau[j];
      out.dcGain[j] = r[j];
      out.membraneRho[j] = out.rho[j];
    }
    out.tau = tau;
  } else if (node.type === 'IF' || node.type === 'I') {
    for (let j = 0; j < size; j++) {
      out.rho[j] = 1;
      out.gain[j] = r[j] * dt;
      out.dcGain[j] = Infinity;
      out.membraneRho[j] = 1;
    }
    out.tau.fill(Infinity);
  } else {
    const tauSyn = p('tau_syn');
    const tauMem = p('tau_mem');
    const wIn = p('w_in', 1);
    let instant = 0;
    let worst = 0;
    for (let j = 0; j < size; j++) {
      const rhoS = decay(tauSyn[j], dt, mode, `${where} neuron ${j} tau_syn`);
      const rhoM = decay(tauMem[j], dt, mode, `${where} neuron ${j} tau_mem`);
      const gS = (wIn[j] * dt) / tauSyn[j];
      const gM = heldGain(r[j], tauMem[j], dt, mode);
      out.dcGain[j] = wIn[j] * r[j];
      if (rhoM <= INSTANT_RHO) {
        instant++;
        out.rho[j] = rhoS;
        out.gain[j] = gS * gM;
        out.membraneRho[j] = 0;
        out.tau[j] = tauSyn[j];
      } else {
        const merged = mergeStages(rhoS, gS, rhoM, gM);
        worst = Math.max(worst, mergeError(rhoS, gS, rhoM, gM));
        out.rho[j] = merged.rho;
        out.gain[j] = merged.gain;
        out.membraneRho[j] = rhoM;
        out.tau[j] = -dt / Math.log(merged.rho);
      }
    }
    if (instant < size) {
      out.approximations.push(
        `${name}: ${size - instant} of ${size} neurons have a membrane that remembers across steps (tau_mem not << dt); their synapse and membrane filters are merged into one per-synapse decay with the same charge and mean delay (impulse-response error up to ${(100 * worst).toFixed(1)}%)`,
      );
    }
  }
  return out;
}

function range(values: ArrayLike<number>): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let j = 0; j < values.length; j++) {
    min = Math.min(min, values[j]);
    max = Math.max(max, values[j]);
  }
  return { min, max };
}

function stringMeta(doc: NirDocument, key: string): string | undefined {
  const value = doc.graph.metadata[key];
  return typeof value === 'string' ? value : undefined;
}

function numberMeta(doc: NirDocument, key: string): number | undefined {
  const value = doc.graph.metadata[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** The float model a NIR graph maps onto, and what was exact and what not. */
export function nirToFloatModel(
  doc: NirDocument,
  options: NirImportOptions = {},
): { model: FloatModel; json: FloatModelJson; report: NirImportReport } {
  const fileDt = numberMeta(doc, 'hetsyn_dt');
  const dt = options.dt ?? fileDt ?? 1;
  const dtSource: Source = options.dt !== undefined ? 'option' : fileDt !== undefined ? 'file' : 'default';
  if (!(dt > 0) || !Number.isFinite(dt)) throw new NirError(`dt = ${dt}: the timestep must be > 0`);
  const fileMode = stringMeta(doc, 'hetsyn_discretisation');
  const discretisation: Discretisation =
    options.discretisation ?? (fileMode === 'euler' || fileMode === 'exact' ? fileMode : 'exact');
  const discretisationSource: Source =
    options.discretisation !== undefined ? 'option' : discretisation === fileMode ? 'file' : 'default';
  const fileTimestep = dtSource === 'file' ? numberMeta(doc, 'hetsyn_timestep_us') : undefined;
  const timestepUs = options.timestepUs ?? fileTimestep ?? Math.round(dt * 1000);
  if (!Number.isInteger(timestepUs) || timestepUs < 1) {
    throw new NirError(
      `dt = ${dt} read as ms is ${dt * 1000} us, below the float model's 1 us step: pass --timestep-us with the step the network was trained at`,
    );
  }

  const { nodes, edges } = flattenGraph(doc.graph);
  for (const [name, node] of nodes) checkNode(name, node);
  const seen = new Set<string>();
  for (const [s, d] of edges) {
    const key = `${s}\u0000${d}`;
    if (seen.has(key)) throw new NirError(`edge ${s} -> ${d} appears twice`);
    seen.add(key);
  }
  const succ = (n: string): string[] => edges.filter(([s]) => s === n).map(([, d]) => d);
  const pred = (n: string): string[] => edges.filter(([, d]) => d === n).map(([s]) => s);
  const typed = (type: string): string[] => [...nodes].filter(([, n]) => n.type === type).map(([k]) => k);
  const node = (name: string): NirNode => nodes.get(name) as NirNode;
  const inputs = typed('Input');
  const outputs = typed('Output');
  if (inputs.length !== 1)
    throw new NirError(`the graph has ${inputs.length} Input nodes; hetsyn takes exactly 1`);
  if (outputs.length !== 1)
    throw new NirError(`the graph has ${outputs.length} Output nodes; hetsyn's readout is exactly 1`);
  const input = inputs[0];
  const inputCount = node(input).params.shape.values.reduce((a, b) => a * b, 1);
  if (!Number.isInteger(inputCount) || inputCount < 1)
    throw new NirError(`${describe(input, node(input))}: shape gives ${inputCount} inputs`);

  const visited = new Set([input]);
  const layers: FloatLayerJson[] = [];
  const layerReports: NirLayerReport[] = [];
  let current = input;
  let width = inputCount;
  let recurrentOfCurrent: string | undefined;
  for (;;) {
    const next = succ(current).filter((n) => n !== recurrentOfCurrent);
    if (next.length !== 1) {
      throw new NirError(
        `${describe(current, node(current))} feeds ${next.length} nodes${next.length ? ` (${next.join(', ')})` : ''}; hetsyn needs a chain of layers from Input to Output, each feeding only the next`,
      );
    }
    const target = next[0];
    visited.add(target);
    const targetNode = node(target);
    if (targetNode.type === 'Output') {
      if (current === input) throw new NirError('the graph has no neuron layers between Input and Output');
      const shape = targetNode.params.shape;
      if (shape !== undefined && shape.values.reduce((a, b) => a * b, 1) !== width) {
        throw new NirError(
          `${describe(target, targetNode)}: shape mismatch: shape [${shape.shape.length ? Array.from(shape.values).join(', ') : ''}] for ${width} readout neurons`,
        );
      }
      if (pred(target).length !== 1)
        throw new NirError(`${describe(target, targetNode)} has more than one source`);
      break;
    }
    let connection: string | undefined;
    let neuronName = target;
    if (CONNECTIONS.has(targetNode.type)) {
      connection = target;
      if (pred(target).length !== 1)
        throw new NirError(`${describe(target, targetNode)} has ${pred(target).length} sources; expected 1`);
      const after = succ(target);
      if (after.length !== 1)
        throw new NirError(
          `${describe(target, targetNode)} feeds ${after.length} nodes; expected 1 neuron group`,
        );
      neuronName = after[0];
      visited.add(neuronName);
    }
    const neuronNode = node(neuronName);
    const isSpiking = SPIKING.has(neuronNode.type);
    if (!isSpiking && !INTEGRATORS.has(neuronNode.type)) {
      throw new NirError(
        `${describe(neuronName, neuronNode)}: expected a neuron group (LIF, CubaLIF, IF, LI, CubaLI, I) after ${connection ?? current}`,
      );
    }
    const from =
      connection === undefined ? describe(current, node(current)) : describe(connection, node(connection));
    const ff =
      connection === undefined
        ? undefined
        : matrix(connection, node(connection), width, describe(current, node(current)));
    const size = ff?.out ?? ownSize(neuronNode) ?? width;
    if (ff === undefined && size !== width) {
      throw new NirError(
        `${describe(neuronName, neuronNode)}: shape mismatch: ${size} neurons fed one-to-one by ${from} with ${width} outputs`,
      );
    }
    // The neuron's sources: the feed-forward one, and at most one recurrence through a Linear/Affine.
    let recurrent: string | undefined;
    for (const source of pred(neuronName)) {
      if (source === (connection ?? current)) continue;
      const sourceNode = node(source);
      if (source === neuronName)
        throw new NirError(
          `${describe(neuronName, neuronNode)} feeds itself directly; a recurrence goes through a Linear or Affine`,
        );
      const loops =
        CONNECTIONS.has(sourceNode.type) &&
        pred(source).length === 1 &&
        pred(source)[0] === neuronName &&
        succ(source).length === 1;
      if (!loops || recurrent !== undefined) {
        throw new NirError(
          `${describe(neuronName, neuronNode)} has a second source ${describe(source, sourceNode)}; a hetsyn layer takes one input and at most one recurrence from itself through a Linear or Affine`,
        );
      }
      recurrent = source;
      visited.add(source);
    }
    const rec =
      recurrent === undefined
        ? undefined
        : matrix(recurrent, node(recurrent), size, describe(neuronName, neuronNode));
    if (rec !== undefined && rec.out !== size) {
      throw new NirError(
        `${describe(recurrent as string, node(recurrent as string))}: shape mismatch: ${rec.out} outputs feed back into ${size} neurons`,
      );
    }

    const last = succ(neuronName)
      .filter((n) => n !== recurrent)
      .every((n) => node(n).type === 'Output');
    const asReadout = last && (!isSpiking || options.membraneReadout === true);
    if (last && isSpiking && !asReadout) {
      throw new NirError(
        `${describe(neuronName, neuronNode)} is the last neuron group and spikes; hetsyn ends in a non-spiking readout (LI or CubaLI): export with a leaky-integrator output layer, or pass --membrane-readout to score on its membrane (dropping its threshold and reset)`,
      );
    }
    if (!last && !isSpiking) {
      throw new NirError(
        `${describe(neuronName, neuronNode)} does not spike, so it cannot feed another layer; only the last group may be a leaky integrator`,
      );
    }
    if (asReadout && recurrent !== undefined) {
      throw new NirError(
        `${describe(neuronName, neuronNode)}: hetsyn's readout cannot be recurrent (it has ${recurrent})`,
      );
    }

    const neuron = discretiseNeuron(neuronName, neuronNode, size, dt, discretisation);
    const approximations = [...neuron.approximations];
    const bias = new Float64Array(size);
    for (const c of [connection, recurrent]) {
      if (c !== undefined && node(c).type === 'Affine')
        node(c).params.bias.values.forEach((b, j) => (bias[j] += b));
    }
    const drive = Float64Array.from(neuron.vLeak);
    if (bias.some((b) => b !== 0)) {
      for (let j = 0; j < size; j++) {
        if (!Number.isFinite(neuron.dcGain[j])) {
          throw new NirError(
            `${describe(neuronName, neuronNode)}: a bias into an integrator (no leak) grows without bound`,
          );
        }
        drive[j] += neuron.dcGain[j] * bias[j];
      }
      approximations.push(
        `${connection ?? recurrent}: the bias becomes a constant drive on the membrane: exact once the filters have settled, but without their rise from rest`,
      );
    }
    const weights = ff === undefined ? identity(size, neuron.gain) : rows(ff.weight, neuron.gain);
    const layerJson: FloatLayerJson = {
      kind: asReadout ? 'readout' : recurrent !== undefined ? 'recurrent' : 'feedforward',
      size,
      weights,
      rho: Array.from(neuron.rho),
      drive: Array.from(drive),
    };
    if (ff === undefined) layerJson.mask = weights.map((row, j) => row.map((_, i) => (i === j ? 1 : 0)));
    if (rec !== undefined) layerJson.recurrentWeights = rows(rec.weight, neuron.gain);
    if (asReadout && isSpiking) {
      approximations.push(`${neuronName}: scored on its membrane; its threshold and reset are dropped`);
    }
    if (!asReadout) {
      const threshold = perNeuron(neuronName, neuronNode, 'v_threshold', size);
      const bad = threshold.findIndex((t) => !(t > 0));
      if (bad >= 0) {
        throw new NirError(
          `${describe(neuronName, neuronNode)}: v_threshold[${bad}] = ${threshold[bad]}; hetsyn's threshold must be > 0 (it is also the amount the reset subtracts)`,
        );
      }
      const vReset = perNeuron(neuronName, neuronNode, 'v_reset', size, 0);
      const badReset = vReset.findIndex((v) => v !== 0);
      if (badReset >= 0) {
        throw new NirError(
          `${describe(neuronName, neuronNode)}: v_reset[${badReset}] = ${vReset[badReset]}; hetsyn's reset subtracts the threshold (landing near 0), so only v_reset = 0 maps`,
        );
      }
      layerJson.threshold = Array.from(threshold);
      const resetRho = median(Array.from(neuron.membraneRho));
      layerJson.resetRho = resetRho;
      approximations.push(
        `${neuronName}: NIR's reset to v_reset = 0 becomes reset by subtraction (a reset current of the threshold, decaying with the membrane; the overshoot above threshold is kept)`,
      );
      if (neuron.membraneRho.some((r) => r !== resetRho)) {
        const { min, max } = range(neuron.membraneRho);
        approximations.push(
          `${neuronName}: the membrane decays at ${min.toPrecision(4)}..${max.toPrecision(4)} per step; the layer's one reset-current decay is their median, ${resetRho.toPrecision(4)}`,
        );
      }
    }
    layers.push(layerJson);
    layerReports.push({
      layer: layers.length - 1,
      kind: layerJson.kind,
      size,
      neuron: neuronName,
      neuronType: neuronNode.type,
      weights: connection ?? '(one-to-one)',
      ...(recurrent !== undefined ? { recurrent } : {}),
      tau: range(neuron.tau),
      rho: range(neuron.rho),
      exact: approximations.length === 0,
      approximations,
    });
    current = neuronName;
    recurrentOfCurrent = recurrent;
    width = size;
  }
  const unvisited = [...nodes.keys()].filter((n) => !visited.has(n));
  if (unvisited.length > 0) {
    throw new NirError(
      `${describe(unvisited[0], node(unvisited[0]))} is not on the chain from ${input} to ${outputs[0]}; hetsyn maps a chain of layers only`,
    );
  }

  const approximations = layerReports.flatMap((l) => l.approximations);
  if (options.strict && approximations.length > 0) {
    throw new NirError(
      `--strict: ${approximations[0]}${approximations.length > 1 ? ` (and ${approximations.length - 1} more approximations)` : ''}`,
    );
  }
  const readoutSize = width;
  const metaLabels = doc.graph.metadata.hetsyn_labels;
  const labels =
    options.labels ??
    (Array.isArray(metaLabels) &&
    metaLabels.length === readoutSize &&
    metaLabels.every((l) => typeof l === 'string' && l !== '')
      ? (metaLabels as string[])
      : Array.from({ length: readoutSize }, (_, c) => `class${c}`));
  const json: FloatModelJson = {
    format: 'hetsyn-float',
    version: 1,
    name: options.name ?? stringMeta(doc, 'hetsyn_name') ?? '',
    labels,
    timestepUs,
    inputCount,
    decision: { mode: 'sum', skipSteps: Math.max(0, Math.round(numberMeta(doc, 'hetsyn_skip_steps') ?? 0)) },
    layers,
    meta: { importedFrom: 'nir', nirVersion: doc.version, dt, discretisation },
  };
  const model = parseFloatModel(json);
  return {
    model,
    json,
    report: {
      nirVersion: doc.version,
      dt,
      dtSource,
      discretisation,
      discretisationSource,
      timestepUs,
      inputCount,
      layers: layerReports,
      approximations,
      exact: approximations.length === 0,
    },
  };
}

function identity(size: number, gain: Float64Array): number[][] {
  return Array.from({ length: size }, (_, j) =>
    Array.from({ length: size }, (_, i) => (i === j ? gain[j] : 0)),
  );
}

export function formatImportReport(report: NirImportReport): string {
  const lines = [
    `NIR ${report.nirVersion || '(no version)'}: dt = ${report.dt} (${report.dtSource}) in the file's time unit, ${report.discretisation} discretisation (${report.discretisationSource}), timestep ${report.timestepUs} us, ${report.inputCount} inputs`,
  ];
  for (const l of report.layers) {
    const tau =
      l.tau.min === l.tau.max
        ? l.tau.min.toPrecision(4)
        : `${l.tau.min.toPrecision(4)}..${l.tau.max.toPrecision(4)}`;
    const rho =
      l.rho.min === l.rho.max ? l.rho.min.toFixed(4) : `${l.rho.min.toFixed(4)}..${l.rho.max.toFixed(4)}`;
    lines.push(
      `layer ${l.layer} ${l.kind} ${l.size}: ${l.weights} -> ${l.neuron} (${l.neuronType})${l.recurrent ? `, recurrent through ${l.recurrent}` : ''}; tau ${tau}, rho ${rho}; ${l.exact ? 'exact' : 'approximate'}`,
    );
    for (const a of l.approximations) lines.push(`  approximate: ${a}`);
  }
  lines.push(
    report.exact ? 'every node mapped exactly' : `${report.approximations.length} approximations (see above)`,
  );
  return lines.join('\n');
}
