/**
 * NIR import and export (docs/nir.md). The NIR files here are written by the test itself with
 * h5wasm, in nir.write's layout (root `version`, `node/type`, `node/nodes/<name>/...`, `node/edges`),
 * not by host/nir's writer, so the reader is checked against the format and not against itself.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import h5wasm from 'h5wasm/node';
import type { Group } from 'h5wasm';
import { readNirFile, writeNirFile } from '../../host/nir/hdf5.js';
import { nirToFloatModel, type NirImportOptions } from '../../host/nir/import.js';
import { floatModelToNir, type NirExportOptions } from '../../host/nir/export.js';
import { NirError } from '../../host/nir/graph.js';
import { uniformNeuronRho, type FloatModel } from '../../host/float/model.js';
import { floatModelToJson, parseFloatModel } from '../../host/float/json.js';
import { randomNetwork, randomSpikeTrain } from '../../host/float/random-network.js';
import { quantize } from '../../host/quantize/quantize.js';
import { writeHsm } from '../../host/model/hsm-writer.js';
import { openEngine } from '../../host/wasm/module.js';
import { simulate } from '../../host/sim/simulate.js';
import { REPO_ROOT } from './fixtures.js';

const CLI = join(REPO_ROOT, 'dist/host/cli.js');
const dir = mkdtempSync(join(tmpdir(), 'hetsyn-nir-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

// ---- a NIR writer for the tests, straight on h5wasm -------------------------------------------

type Param = number | number[] | number[][];
interface TestNode {
  type: string;
  params?: Record<string, Param>;
  nodes?: Record<string, TestNode>;
  edges?: [string, string][];
}

function shapeOf(value: Param): number[] {
  if (typeof value === 'number') return [];
  if (Array.isArray(value[0])) return [value.length, value[0].length];
  return [value.length];
}

function writeTestNode(group: Group, node: TestNode): void {
  group.create_dataset({ name: 'type', data: node.type });
  for (const [name, value] of Object.entries(node.params ?? {})) {
    const shape = shapeOf(value);
    if (name === 'shape') {
      const data = BigInt64Array.from([value].flat(2), (v) => BigInt(v));
      group.create_dataset({ name, data, shape, dtype: '<q' });
    } else if (shape.length === 0) {
      group.create_dataset({ name, data: value as number, dtype: '<d' });
    } else {
      group.create_dataset({ name, data: Float64Array.from([value].flat(2)), shape, dtype: '<d' });
    }
  }
  if (node.nodes !== undefined) {
    const nodes = group.create_group('nodes');
    for (const [name, child] of Object.entries(node.nodes)) writeTestNode(nodes.create_group(name), child);
    const edges = node.edges ?? [];
    group.create_dataset({ name: 'edges', data: edges.flat(), shape: [edges.length, 2] });
  }
}

let fileCount = 0;
async function writeTestNir(graph: Omit<TestNode, 'type'>): Promise<string> {
  await h5wasm.ready;
  const path = join(dir, `t${fileCount++}.nir`);
  const file = new h5wasm.File(path, 'w');
  file.create_dataset({ name: 'version', data: '1.0.7' });
  writeTestNode(file.create_group('node'), { ...graph, type: 'NIRGraph' });
  file.close();
  return path;
}

async function importFile(path: string, options: NirImportOptions = {}) {
  return nirToFloatModel(await readNirFile(path), options);
}

const chain = (...names: string[]): [string, string][] => names.slice(1).map((n, i) => [names[i], n]);
const full = (n: number, v: number): number[] => new Array<number>(n).fill(v);

function close(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, tol = 1e-12): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) {
    assert.ok(
      Math.abs(actual[i] - expected[i]) <= tol * Math.max(1, Math.abs(expected[i])),
      `${what}[${i}]: ${actual[i]} vs ${expected[i]}`,
    );
  }
}

/** Quantize the model as `hetsyn quantize` does, load it in the .wasm engine and step it. */
function runOnEngine(model: FloatModel, steps = 60): { spikes: number; scores: number[][] } {
  const { hsm } = quantize(model, {});
  const engine = openEngine();
  engine.loadOrThrow(writeHsm(hsm));
  const train = randomSpikeTrain(7, model.inputCount, steps, 0.4);
  const records = simulate(engine, { steps: train }, { spikes: true });
  assert.equal(records.length, steps);
  for (const r of records) assert.ok(r.scores.every(Number.isFinite));
  const spikes = records.reduce((n, r) => n + (r.spikes ?? []).reduce((m, s) => m + s.length, 0), 0);
  return { spikes, scores: records.map((r) => r.scores) };
}

// Synapse i -> neuron j of a float layer, from its JSON-order [j][i].
const at = (layer: FloatModel['layers'][number], j: number, i: number, array: Float64Array): number =>
  array[i * layer.size + j];

// ---- import ------------------------------------------------------------------------------------

const W1 = [
  [0.5, -0.2, 0.8, 0.1],
  [0.3, 0.9, -0.4, 0.6],
  [-0.1, 0.4, 0.7, 0.2],
];
const W2 = [
  [0.6, -0.3, 0.2],
  [-0.5, 0.4, 0.9],
];

test('a feed-forward CubaLIF net with an instantaneous membrane imports exactly (exact discretisation)', async () => {
  const tauSyn = [2, 4, 8];
  const path = await writeTestNir({
    nodes: {
      input: { type: 'Input', params: { shape: [4] } },
      fc1: { type: 'Affine', params: { weight: W1, bias: full(3, 0) } },
      lif1: {
        type: 'CubaLIF',
        params: {
          tau_syn: tauSyn,
          tau_mem: full(3, 0.001),
          r: full(3, 1),
          v_leak: full(3, 0),
          v_threshold: [1, 1.5, 2],
          v_reset: full(3, 0),
          w_in: full(3, 2),
        },
      },
      fc2: { type: 'Linear', params: { weight: W2 } },
      out: {
        type: 'CubaLI',
        params: { tau_syn: [5, 10], tau_mem: [0.001, 0.001], r: [1, 1], v_leak: [0, 0] },
      },
      output: { type: 'Output', params: { shape: [2] } },
    },
    edges: chain('input', 'fc1', 'lif1', 'fc2', 'out', 'output'),
  });
  const { model, report } = await importFile(path, { dt: 1 });
  assert.equal(model.inputCount, 4);
  assert.deepEqual(
    model.layers.map((l) => [l.kind, l.size]),
    [
      ['feedforward', 3],
      ['readout', 2],
    ],
  );
  const [hidden, readout] = model.layers;
  for (let j = 0; j < 3; j++) {
    // rho = exp(-dt/tau_syn); each spike adds w * w_in * dt/tau_syn, the membrane passes r * I.
    for (let i = 0; i < 4; i++) {
      assert.ok(Math.abs(at(hidden, j, i, hidden.rho) - Math.exp(-1 / tauSyn[j])) < 1e-15);
      assert.ok(Math.abs(at(hidden, j, i, hidden.weight) - (W1[j][i] * 2) / tauSyn[j]) < 1e-12);
    }
  }
  assert.deepEqual(Array.from(hidden.threshold ?? []), [1, 1.5, 2]);
  assert.equal(hidden.resetRho, 0, 'an instantaneous membrane keeps no reset');
  close([at(readout, 1, 2, readout.rho)], [Math.exp(-1 / 10)], 'readout rho');
  close([at(readout, 1, 2, readout.weight)], [0.9 / 10], 'readout weight');
  assert.equal(report.dtSource, 'option');
  assert.equal(report.discretisation, 'exact');
  assert.equal(report.timestepUs, 1000);
  assert.equal(report.layers[1].exact, true, 'a CubaLI with an instantaneous membrane is exact');
  assert.deepEqual(
    report.approximations.map((a) => a.split(':')[0]),
    ['lif1'],
    'only the reset is approximate',
  );
  assert.match(report.approximations[0], /reset by subtraction/);
  const run = runOnEngine(model);
  assert.ok(run.spikes > 0, 'the imported network spikes on the engine');
});

test("snnTorch's convention (tau = dt/(1 - beta), r = tau/dt, w_in = tau_syn/dt) imports with euler to its own alpha and weights", async () => {
  const dt = 1e-4;
  const alpha = [0.8, 0.9, 0.95];
  const tauSyn = alpha.map((a) => dt / (1 - a));
  const path = await writeTestNir({
    nodes: {
      input: { type: 'Input', params: { shape: [4] } },
      fc1: { type: 'Linear', params: { weight: W1 } },
      // beta = 0: tau_mem = dt, a membrane that is the current (snnTorch Synaptic with beta=0).
      syn1: {
        type: 'CubaLIF',
        params: {
          tau_syn: tauSyn,
          tau_mem: full(3, dt),
          r: full(3, 1),
          v_leak: full(3, 0),
          v_threshold: full(3, 1),
          w_in: tauSyn.map((t) => t / dt),
        },
      },
      fc2: { type: 'Linear', params: { weight: W2 } },
      li: {
        type: 'LI',
        params: { tau: full(2, dt / (1 - 0.9)), r: full(2, 1 / (1 - 0.9)), v_leak: full(2, 0) },
      },
      output: { type: 'Output', params: { shape: [2] } },
    },
    edges: chain('input', 'fc1', 'syn1', 'fc2', 'li', 'output'),
  });
  const { model, report } = await importFile(path, { dt, discretisation: 'euler', timestepUs: 1000 });
  const [hidden, readout] = model.layers;
  for (let j = 0; j < 3; j++) {
    for (let i = 0; i < 4; i++) {
      close([at(hidden, j, i, hidden.rho)], [alpha[j]], 'rho = alpha');
      close([at(hidden, j, i, hidden.weight)], [W1[j][i]], 'weight unchanged');
    }
  }
  close([at(readout, 0, 0, readout.rho), at(readout, 0, 0, readout.weight)], [0.9, W2[0][0]], 'LI readout');
  assert.equal(model.timestepUs, 1000);
  assert.equal(report.discretisation, 'euler');
  assert.throws(
    () => nirToFloatModel({ version: '', graph: { type: 'NIRGraph', params: {}, metadata: {} } }, {}),
    NirError,
  );
});

test('a recurrent CubaLIF (snnTorch RSynaptic: a subgraph with a cycle through a Linear) becomes a recurrent layer', async () => {
  const rec = [
    [0, 0.3, -0.2],
    [0.1, 0, 0.4],
    [-0.3, 0.2, 0],
  ];
  const cuba = {
    type: 'CubaLIF',
    params: {
      tau_syn: [3, 6, 9],
      tau_mem: full(3, 1e-3),
      r: full(3, 1),
      v_leak: full(3, 0),
      v_threshold: full(3, 0.5),
      w_in: full(3, 1),
    },
  };
  const path = await writeTestNir({
    nodes: {
      input: { type: 'Input', params: { shape: [4] } },
      fc1: { type: 'Linear', params: { weight: W1 } },
      rsyn: {
        type: 'NIRGraph',
        nodes: {
          input: { type: 'Input', params: { shape: [3] } },
          lif: cuba,
          w_rec: { type: 'Linear', params: { weight: rec } },
          output: { type: 'Output', params: { shape: [3] } },
        },
        edges: [
          ['input', 'lif'],
          ['lif', 'w_rec'],
          ['w_rec', 'lif'],
          ['lif', 'output'],
        ],
      },
      fc2: { type: 'Linear', params: { weight: W2 } },
      li: { type: 'LI', params: { tau: [10, 10], r: [1, 1], v_leak: [0, 0] } },
      output: { type: 'Output', params: { shape: [2] } },
    },
    edges: chain('input', 'fc1', 'rsyn', 'fc2', 'li', 'output'),
  });
  const { model, report } = await importFile(path);
  assert.equal(report.dtSource, 'default');
  assert.equal(report.dt, 1);
  const hidden = model.layers[0];
  assert.equal(hidden.kind, 'recurrent');
  assert.equal(report.layers[0].neuron, 'rsyn.lif');
  assert.equal(report.layers[0].recurrent, 'rsyn.w_rec');
  for (let j = 0; j < 3; j++) {
    const tau = [3, 6, 9][j];
    for (let i = 0; i < 3; i++) {
      close([at(hidden, j, 4 + i, hidden.weight)], [rec[j][i] / tau], 'recurrent weight');
      close([at(hidden, j, 4 + i, hidden.rho)], [Math.exp(-1 / tau)], 'recurrent rho = the neuron tau_syn');
    }
  }
  runOnEngine(model);

  // The same net written flat, the cycle lif -> w_rec -> lif at the top level, imports the same.
  const flat = await writeTestNir({
    nodes: {
      input: { type: 'Input', params: { shape: [4] } },
      fc1: { type: 'Linear', params: { weight: W1 } },
      lif: cuba,
      w_rec: { type: 'Linear', params: { weight: rec } },
      fc2: { type: 'Linear', params: { weight: W2 } },
      li: { type: 'LI', params: { tau: [10, 10], r: [1, 1], v_leak: [0, 0] } },
      output: { type: 'Output', params: { shape: [2] } },
    },
    edges: [...chain('input', 'fc1', 'lif', 'fc2', 'li', 'output'), ['lif', 'w_rec'], ['w_rec', 'lif']],
  });
  assert.deepEqual(floatModelToJson((await importFile(flat)).model), floatModelToJson(model));
});

test('an LIF net: tau to rho, r folded into the weights, v_leak and the Affine bias to the drive; a CubaLIF with a real membrane is merged and reported', async () => {
  const tau = [5, 10, 20];
  const r = [2, 1, 0.5];
  const bias = [0.1, 0, -0.2];
  const lifNet = (last: TestNode) =>
    writeTestNir({
      nodes: {
        input: { type: 'Input', params: { shape: [1, 4] } },
        flat: { type: 'Flatten', params: { start_dim: 0, end_dim: -1 } },
        fc1: { type: 'Affine', params: { weight: W1, bias } },
        lif1: { type: 'LIF', params: { tau, r, v_leak: 0.05, v_threshold: [1] } },
        fc2: { type: 'Linear', params: { weight: W2 } },
        last,
        output: { type: 'Output', params: { shape: [2] } },
      },
      edges: chain('input', 'flat', 'fc1', 'lif1', 'fc2', 'last', 'output'),
    });
  const path = await lifNet({ type: 'LI', params: { tau: [8, 8], r: [1, 1], v_leak: [0, 0] } });
  const { model, report } = await importFile(path, { dt: 1 });
  const hidden = model.layers[0];
  for (let j = 0; j < 3; j++) {
    const rho = Math.exp(-1 / tau[j]);
    close([at(hidden, j, 0, hidden.rho)], [rho], 'rho = exp(-dt/tau)');
    close([at(hidden, j, 2, hidden.weight)], [(W1[j][2] * r[j]) / tau[j]], 'weight * r * dt/tau');
    close([hidden.drive[j]], [0.05 + r[j] * bias[j]], 'drive = v_leak + r * bias');
  }
  assert.deepEqual(Array.from(hidden.threshold ?? []), [1, 1, 1]);
  close([hidden.resetRho], [Math.exp(-1 / 10)], 'reset decays with the median membrane');
  assert.ok(report.approximations.some((a) => a.startsWith('fc1: the bias')));
  assert.ok(report.approximations.some((a) => /median/.test(a)));
  runOnEngine(model);

  // A spiking last group is refused unless scored on its membrane.
  const lifLast = await lifNet({
    type: 'LIF',
    params: { tau: [8, 8], r: [1, 1], v_leak: [0, 0], v_threshold: [1, 1] },
  });
  await assert.rejects(
    importFile(lifLast),
    /node 'last' \(LIF\) is the last neuron group and spikes.*--membrane-readout/,
  );
  const scored = await importFile(lifLast, { membraneReadout: true });
  assert.equal(scored.model.layers[1].kind, 'readout');
  assert.ok(scored.report.approximations.some((a) => /threshold and reset are dropped/.test(a)));

  // A CubaLIF whose membrane remembers: one decay with the same charge and mean delay, reported.
  const cuba = await writeTestNir({
    nodes: {
      input: { type: 'Input', params: { shape: [4] } },
      fc1: { type: 'Linear', params: { weight: W1 } },
      lif1: {
        type: 'CubaLIF',
        params: {
          tau_syn: full(3, 4),
          tau_mem: full(3, 6),
          r: full(3, 1),
          v_leak: full(3, 0),
          v_threshold: full(3, 1),
        },
      },
      fc2: { type: 'Linear', params: { weight: W2 } },
      li: { type: 'LI', params: { tau: [8, 8], r: [1, 1], v_leak: [0, 0] } },
      output: { type: 'Output', params: { shape: [2] } },
    },
    edges: chain('input', 'fc1', 'lif1', 'fc2', 'li', 'output'),
  });
  const merged = await importFile(cuba, { dt: 1 });
  const rhoS = Math.exp(-1 / 4);
  const rhoM = Math.exp(-1 / 6);
  const meanDelay = rhoS / (1 - rhoS) + rhoM / (1 - rhoM);
  close(
    [at(merged.model.layers[0], 0, 0, merged.model.layers[0].rho)],
    [meanDelay / (1 + meanDelay)],
    'merged rho',
  );
  assert.ok(merged.report.approximations.some((a) => /merged into one per-synapse decay/.test(a)));
  await assert.rejects(importFile(cuba, { strict: true }), /--strict: lif1: 3 of 3 neurons/);
});

test('a file written by the NIR reference implementation (h5py, gzip) imports: snnTorch RSynaptic to rho = alpha', async () => {
  const path = join(REPO_ROOT, 'tests/fixtures/nir/python-rsynaptic.nir');
  const { model, report } = await importFile(path, { dt: 1e-4, discretisation: 'euler', timestepUs: 1000 });
  assert.equal(report.nirVersion, '1.0.7');
  const [hidden, readout] = model.layers;
  assert.equal(hidden.kind, 'recurrent');
  close(
    [0, 1, 2].map((j) => at(hidden, j, 0, hidden.rho)),
    [0.8, 0.9, 0.95],
    'rho = alpha',
  );
  close([at(hidden, 0, 0, hidden.weight)], [1.764052345967664], 'W1[0][0] (numpy seed 0)');
  close([at(hidden, 0, 4, hidden.weight)], [0.16243453636632418], 'Wr[0][0] (numpy seed 1)');
  close([at(readout, 0, 0, readout.rho)], [0.9], 'LI beta');
  runOnEngine(model);
});

// ---- export, then import again ------------------------------------------------------------------

async function roundTrip(model: FloatModel, options: NirExportOptions = {}) {
  const { document, report } = floatModelToNir(model, options);
  const path = join(dir, `rt${fileCount++}.nir`);
  await writeNirFile(path, document);
  const back = await importFile(path);
  return { exportReport: report, back: back.model, importReport: back.report };
}

function sameModel(a: FloatModel, b: FloatModel, options: { resetRho: boolean }): void {
  assert.equal(b.inputCount, a.inputCount);
  assert.equal(b.timestepUs, a.timestepUs);
  assert.deepEqual(b.labels, a.labels);
  assert.equal(b.decision.skipSteps, a.decision.skipSteps);
  a.layers.forEach((la, l) => {
    const lb = b.layers[l];
    assert.equal(lb.kind, la.kind);
    close(lb.weight, la.weight, `layer ${l} weight`);
    close(lb.rho, la.rho, `layer ${l} rho`);
    close(lb.drive, la.drive, `layer ${l} drive`);
    close(lb.threshold ?? [], la.threshold ?? [], `layer ${l} threshold`);
    if (options.resetRho) close([lb.resetRho], [la.resetRho], `layer ${l} resetRho`);
  });
}

test('export then import: a per-neuron-rho model comes back the same, and the reset decay it loses is reported', async () => {
  const model = randomNetwork({
    seed: 3,
    inputCount: 6,
    layers: [
      { kind: 'recurrent', size: 8 },
      { kind: 'feedforward', size: 5 },
      { kind: 'readout', size: 3 },
    ],
    rhoMode: 'neuron',
    heterogeneous: true,
  });
  model.labels = ['yes', 'no', 'up'];
  model.decision.skipSteps = 4;
  for (const options of [{}, { discretisation: 'euler' as const }, { neuron: 'cubalif' as const, dt: 0.5 }]) {
    const { back, exportReport, importReport } = await roundTrip(model, options);
    sameModel(model, back, { resetRho: false });
    assert.equal(importReport.dtSource, 'file', 'the re-import takes dt from the hetsyn metadata');
    assert.ok(exportReport.losses.some((l) => /reset by subtraction/.test(l)));
    assert.ok(
      exportReport.losses.some((l) => /resetRho = 0.9512/.test(l)),
      `${JSON.stringify(options)}: the reset decay's loss is reported`,
    );
    assert.ok(!exportReport.losses.some((l) => /per-synapse/.test(l)));
  }
  runOnEngine((await roundTrip(model)).back);
});

test('export then import: a vanilla LIF model (one rho, resetRho = rho) comes back entirely', async () => {
  const model = randomNetwork({
    seed: 5,
    inputCount: 5,
    layers: [
      { kind: 'recurrent', size: 6 },
      { kind: 'readout', size: 2 },
    ],
    rhoMode: 'layer',
  });
  const rho = model.layers[0].rho[0];
  const json = floatModelToJson(model);
  json.layers[0].resetRho = rho;
  const vanilla = parseFloatModel(json);
  const { back, exportReport } = await roundTrip(vanilla);
  sameModel(vanilla, back, { resetRho: true });
  assert.ok(!exportReport.losses.some((l) => /resetRho/.test(l)));
});

test('export of a per-synapse model reports the per-neuron median tau; the re-import has per-neuron rho', async () => {
  const model = randomNetwork({
    seed: 9,
    inputCount: 6,
    layers: [
      { kind: 'feedforward', size: 4 },
      { kind: 'readout', size: 2 },
    ],
    rhoMode: 'synapse',
    density: 0.7,
  });
  const { back, exportReport } = await roundTrip(model);
  assert.ok(
    exportReport.losses.some((l) =>
      /layer 0: per-synapse rho has no NIR primitive: each neuron gets the median tau/.test(l),
    ),
  );
  assert.ok(exportReport.losses.some((l) => /mask .* zero weights/.test(l)));
  assert.equal(exportReport.layers[0].rho, 'synapse');
  assert.ok(exportReport.layers[0].maxRhoChange > 0);
  const neuronRho = uniformNeuronRho(back.layers[0]);
  assert.ok(neuronRho !== undefined, 'one rho per neuron after the round trip');
  // Weights survive (absent synapses as zeros).
  close(back.layers[0].weight, model.layers[0].weight, 'weights');
});

// ---- refusals -------------------------------------------------------------------------------------

function hetsyn(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: dir });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

const goodNodes = (): Record<string, TestNode> => ({
  input: { type: 'Input', params: { shape: [4] } },
  fc1: { type: 'Linear', params: { weight: W1 } },
  lif1: {
    type: 'LIF',
    params: { tau: full(3, 5), r: full(3, 1), v_leak: full(3, 0), v_threshold: full(3, 1) },
  },
  fc2: { type: 'Linear', params: { weight: W2 } },
  li: { type: 'LI', params: { tau: [8, 8], r: [1, 1], v_leak: [0, 0] } },
  output: { type: 'Output', params: { shape: [2] } },
});
const goodEdges = chain('input', 'fc1', 'lif1', 'fc2', 'li', 'output');

test('bad files are refused, naming the node and the reason', async () => {
  const cases: [string, (nodes: Record<string, TestNode>) => void, RegExp][] = [
    ['unknown type', (n) => (n.lif1.type = 'Spiky'), /node 'lif1' \(Spiky\): unknown node type/],
    [
      'missing parameter',
      (n) => delete n.lif1.params?.v_threshold,
      /node 'lif1' \(LIF\): missing parameter 'v_threshold'/,
    ],
    [
      'wrong shape',
      (n) => ((n.lif1.params as Record<string, Param>).tau = full(5, 5)),
      /node 'lif1' \(LIF\): shape mismatch: 'tau' has shape \[5\]/,
    ],
    [
      'weight shape',
      (n) => ((n.fc2.params as Record<string, Param>).weight = [[1, 2]]),
      /node 'fc2' \(Linear\): shape mismatch: weight \[1, 2\] takes 2 inputs; node 'lif1' \(LIF\) gives 3/,
    ],
    [
      'convolution',
      (n) => (n.fc1 = { type: 'Conv2d', params: { weight: W1, bias: full(3, 0) } }),
      /node 'fc1' \(Conv2d\): not supported: convolutions/,
    ],
    [
      'reset to another potential',
      (n) => ((n.lif1.params as Record<string, Param>).v_reset = full(3, 0.2)),
      /v_reset\[0\] = 0.2.*only v_reset = 0 maps/,
    ],
    [
      'negative threshold',
      (n) => ((n.lif1.params as Record<string, Param>).v_threshold = full(3, -1)),
      /v_threshold\[0\] = -1/,
    ],
  ];
  for (const [what, spoil, message] of cases) {
    const nodes = goodNodes();
    spoil(nodes);
    const path = await writeTestNir({ nodes, edges: goodEdges });
    await assert.rejects(importFile(path), (error: Error) => {
      assert.ok(error instanceof NirError, `${what}: a NirError (an InputError)`);
      assert.match(error.message, message, what);
      return true;
    });
  }
  const branch = await writeTestNir({ nodes: goodNodes(), edges: [...goodEdges, ['fc1', 'li']] });
  await assert.rejects(importFile(branch), /feeds 2 nodes/);
  const stray = goodNodes();
  stray.extra = { type: 'Linear', params: { weight: W2 } };
  await assert.rejects(
    importFile(await writeTestNir({ nodes: stray, edges: goodEdges })),
    /'extra'.*not on the chain/,
  );
  await assert.rejects(
    importFile(await writeTestNir({ nodes: goodNodes(), edges: [...goodEdges, ['li', 'nowhere']] })),
    /no node named 'nowhere'/,
  );
  await assert.rejects(
    importFile(await writeTestNir({ nodes: goodNodes(), edges: goodEdges }), {
      dt: 20,
      discretisation: 'euler',
    }),
    /dt\/tau = 4.000 > 1/,
  );
});

test('the CLI: import and export run, and bad files exit 3 with the reason', async () => {
  const good = await writeTestNir({ nodes: goodNodes(), edges: goodEdges });
  const floatPath = join(dir, 'cli.json');
  const ok = hetsyn('import', good, '-o', floatPath, '--json');
  assert.equal(ok.status, 0, ok.stderr);
  const out = JSON.parse(ok.stdout) as { report: { layers: unknown[]; approximations: string[] } };
  assert.equal(out.report.layers.length, 2);
  parseFloatModel(JSON.parse(readFileSync(floatPath, 'utf8')));
  const human = hetsyn('import', good, '-o', floatPath, '--dt', '0.5');
  assert.equal(human.status, 0, human.stderr);
  assert.match(human.stderr, /dt = 0.5 \(option\).*exact discretisation \(default\)/);
  assert.match(human.stderr, /approximate: lif1: NIR's reset/);

  const nirPath = join(dir, 'cli.nir');
  const exported = hetsyn('export', floatPath, '-o', nirPath);
  assert.equal(exported.status, 0, exported.stderr);
  assert.match(exported.stderr, /^lost: layer 0: reset by subtraction/m);
  const again = hetsyn('import', nirPath, '-o', join(dir, 'again.json'), '--json');
  assert.equal(again.status, 0, again.stderr);
  const quantized = hetsyn('quantize', join(dir, 'again.json'), '-o', join(dir, 'again.hsm'));
  assert.equal(quantized.status, 0, quantized.stderr);

  const text = join(dir, 'not.nir');
  writeFileSync(text, 'this is not HDF5\n');
  const notHdf5 = hetsyn('import', text, '-o', join(dir, 'x.json'));
  assert.equal(notHdf5.status, 3);
  assert.match(notHdf5.stderr, /^hetsyn: .*not.nir is not an HDF5 file/m);

  const nodes = goodNodes();
  nodes.lif1.type = 'Spiky';
  const unknown = hetsyn(
    'import',
    await writeTestNir({ nodes, edges: goodEdges }),
    '-o',
    join(dir, 'x.json'),
  );
  assert.equal(unknown.status, 3);
  assert.match(unknown.stderr, /node 'lif1' \(Spiky\): unknown node type/);

  const missing = hetsyn('import', join(dir, 'absent.nir'), '-o', join(dir, 'x.json'));
  assert.equal(missing.status, 3);
  assert.match(hetsyn('import', '--help').stdout, /--discretisation <mode>/);
  assert.match(hetsyn('export', '--help').stdout, /--neuron <type>/);
});
