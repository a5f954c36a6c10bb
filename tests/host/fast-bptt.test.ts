/**
 * The fast BPTT (host/train/fast-bptt.ts, float32 SIMD kernels in build/hetsyn-train.wasm, no
 * current history) against the float64 reference Bptt (host/train/bptt.ts), on random networks and
 * on the shipped gsc12 model with real clips and a continuous sequence encoded by the board's
 * front-end: the same spikes and decision, the loss to 1e-5 relative, and every gradient tensor
 * (a layer's weights, its rho, the readout bias) within GRAD_TOLERANCE of the tensor's largest
 * reference value. The spikes must be equal, not close: a spike that flipped between float32 and
 * float64 would change the trajectory, and no tolerance on the gradients could then be honest.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readWav } from '../../host/audio/read-wav.js';
import { openEngine } from '../../host/wasm/module.js';
import { Bptt, type BpttOptions, type ClipSpikes, type ScoredWindow } from '../../host/train/bptt.js';
import { FastBptt } from '../../host/train/fast-bptt.js';
import { encodeSpikes, flatSpikes } from '../../host/train/clip-store.js';
import { paramsFromModel, readInitModel } from '../../host/train/init-model.js';
import { buildSequence, recordedNoise, type ContinuousOptions } from '../../host/train/sequence.js';
import {
  effectiveLayers,
  initParams,
  paramLayout,
  type NetworkSpec,
  type ParamLayout,
  type RhoGranularity,
} from '../../host/train/network.js';
import { randomSpikeTrain } from '../../host/float/random-network.js';
import { REPO_ROOT } from './fixtures.js';

/**
 * float32 has a 6e-8 unit roundoff; a gradient entry sums a few hundred steps of products whose
 * own rounding is of that order, so its error is about 1e-6 of the tensor's scale (measured: at
 * most 2.3e-6 over the cases below). 1e-4 leaves that a margin of 40, while a missed or doubled
 * path (tried: the rho sum not restarted at an event) is off by a large part of the scale.
 */
const GRAD_TOLERANCE = 1e-4;

function optionsOf(spec: NetworkSpec, smooth?: number): BpttOptions {
  return {
    resetRho: spec.resetRho,
    skipSteps: spec.skipSteps,
    ...(smooth === undefined ? {} : { smooth }),
  };
}

/** Every gradient tensor of the layout, named, as [start, length] in the flat vector. */
function tensors(layout: ParamLayout): [string, number, number][] {
  return layout.layers.flatMap((l, i) => [
    [`layer ${i} weights`, l.weight, l.rows * l.size] as [string, number, number],
    [`layer ${i} rho`, l.rho, l.rhoLength] as [string, number, number],
    ...(l.bias >= 0 ? [[`layer ${i} bias`, l.bias, l.size] as [string, number, number]] : []),
    ...(l.threshold >= 0 ? [[`layer ${i} thresholds`, l.threshold, l.size] as [string, number, number]] : []),
  ]);
}

/** Runs both on one clip and target, asserts they agree, and returns the worst relative gradient error. */
function compare(
  spec: NetworkSpec,
  params: Float64Array,
  clip: ClipSpikes,
  target: number | readonly ScoredWindow[],
  smooth?: number,
): number {
  const layout = paramLayout(spec);
  const net = effectiveLayers(layout, params);
  const reference = new Bptt(layout, optionsOf(spec, smooth));
  const fast = new FastBptt(layout, optionsOf(spec, smooth));
  const gRef = new Float64Array(layout.length);
  const gFast = new Float64Array(layout.length);
  const a = reference.run(net, clip, target, gRef);
  const b = fast.run(net, clip, target, gFast);
  if (smooth === undefined) assert.deepEqual(b.spikeCounts, a.spikeCounts, 'the same spikes');
  else a.spikeCounts.forEach((n, l) => assert.ok(Math.abs(b.spikeCounts[l] - n) <= 1e-4 * n));
  assert.equal(b.predicted, a.predicted);
  assert.equal(b.windows, a.windows);
  assert.equal(b.windowsCorrect, a.windowsCorrect);
  assert.ok(Math.abs(b.loss - a.loss) <= 1e-5 * Math.abs(a.loss), `loss ${b.loss} against ${a.loss}`);
  let worst = 0;
  for (const [name, start, length] of tensors(layout)) {
    let scale = 0;
    let error = 0;
    for (let k = start; k < start + length; k++) {
      scale = Math.max(scale, Math.abs(gRef[k]));
      error = Math.max(error, Math.abs(gFast[k] - gRef[k]));
    }
    assert.ok(scale > 0, `${name}: the reference gradient is not all zero`);
    assert.ok(error <= GRAD_TOLERANCE * scale, `${name}: error ${error} of scale ${scale}`);
    worst = Math.max(worst, error / scale);
  }
  // The same instance again gives the same answer (its memory is reset between clips).
  const again = new Float64Array(layout.length);
  assert.equal(fast.run(net, clip, target, again).loss, b.loss);
  assert.deepEqual(again, gFast);
  return worst;
}

function randomSpec(rho: RhoGranularity, hidden: NetworkSpec['layers'], classes: number): NetworkSpec {
  return {
    inputCount: 64,
    layers: [...hidden, { kind: 'readout', size: classes }],
    rho,
    threshold: 1,
    resetRho: Math.exp(-1 / 2),
    skipSteps: 2,
  };
}

const randomClip = (seed: number, steps: number, rate: number): ClipSpikes =>
  flatSpikes(randomSpikeTrain(seed, 64, steps, rate));

test('random networks: rho per synapse, neuron and layer, one and two hidden layers, sizes off the lanes', () => {
  const cases: [RhoGranularity, NetworkSpec['layers'], number][] = [
    ['synapse', [{ kind: 'recurrent', size: 128 }], 12],
    [
      'neuron',
      [
        { kind: 'recurrent', size: 64 },
        { kind: 'recurrent', size: 30 },
      ],
      11,
    ],
    [
      'layer',
      [
        { kind: 'feedforward', size: 37 },
        { kind: 'recurrent', size: 21 },
      ],
      5,
    ],
    ['synapse', [{ kind: 'recurrent', size: 9 }], 3],
  ];
  cases.forEach(([rho, hidden, classes], k) => {
    const spec = randomSpec(rho, hidden, classes);
    const clip = randomClip(40 + k, 98, 0.08);
    compare(spec, initParams(spec, 3 + k, 2), clip, k % classes);
  });
});

test('learned drives and thresholds per hidden neuron (external and intrinsic heterogeneity)', () => {
  const spec: NetworkSpec = {
    ...randomSpec('neuron', [{ kind: 'recurrent', size: 40 }], 6),
    learnDrive: true,
    learnThreshold: true,
  };
  const layout = paramLayout(spec);
  const params = initParams(spec, 12, 2);
  const hidden = layout.layers[0];
  for (let j = 0; j < hidden.size; j++) {
    params[hidden.bias + j] = 0.3 * Math.sin(j);
    params[hidden.threshold + j] = 0.6 + 0.02 * j;
  }
  compare(spec, params, randomClip(31, 98, 0.08), 4);
});

test('scored windows with weights, and a clip too short for any window', () => {
  const spec = randomSpec('synapse', [{ kind: 'recurrent', size: 64 }], 12);
  const params = initParams(spec, 5, 2);
  const windows: ScoredWindow[] = [
    { start: 0, end: 50, label: 11, weight: 2 },
    { start: 40, end: 90, label: 3 },
    { start: 150, end: 200, label: 7, weight: 0.5 },
    { start: 190, end: 260, label: 11 },
  ];
  compare(spec, params, randomClip(9, 250, 0.06), windows);

  const layout = paramLayout(spec);
  const grad = new Float64Array(layout.length);
  const none = new FastBptt(layout, optionsOf(spec)).run(
    effectiveLayers(layout, params),
    randomClip(9, 2, 0.06),
    1,
    grad,
  );
  assert.ok(Number.isNaN(none.loss));
  assert.equal(none.windows, 0);
  assert.ok(grad.every((g) => g === 0));
});

test('the smooth option (a sigmoid for the spike step), as the gradient check uses it', () => {
  const spec = randomSpec(
    'neuron',
    [
      { kind: 'recurrent', size: 32 },
      { kind: 'feedforward', size: 16 },
    ],
    4,
  );
  compare(spec, initParams(spec, 8, 2.5), randomClip(2, 60, 0.2), 2, 0.2);
});

const SAMPLES = join(REPO_ROOT, 'models/samples/gsc12');

function sampleClips(): { samples: Int16Array; label: number }[] {
  const { labels } = readInitModel(join(REPO_ROOT, 'models/gsc12-kws.hsm')).model;
  return labels.flatMap((label, index) =>
    readdirSync(join(SAMPLES, label))
      .filter((f) => f.endsWith('.wav'))
      .slice(0, 1)
      .map((f) => ({ samples: readWav(join(SAMPLES, label, f)).samples, label: index })),
  );
}

test('the shipped gsc12 model on real clips and on a continuous sequence, through the board front-end', () => {
  const path = join(REPO_ROOT, 'models/gsc12-kws.hsm');
  const { model, frontend } = readInitModel(path);
  assert.ok(frontend);
  const spec: NetworkSpec = {
    inputCount: 2 * frontend.bands,
    layers: [
      { kind: 'recurrent', size: 256 },
      { kind: 'readout', size: model.labels.length },
    ],
    rho: 'neuron',
    threshold: 1,
    learnThreshold: true,
    resetRho: Math.exp(-1 / 2),
    skipSteps: 2,
  };
  const params = paramsFromModel(spec, model.labels, model, path);
  const engine = openEngine();
  const clips = sampleClips();
  assert.equal(clips.length, model.labels.length, 'one sample clip per class');
  let worst = 0;
  for (const { samples, label } of clips) {
    worst = Math.max(worst, compare(spec, params, encodeSpikes(engine, frontend, samples), label));
  }
  const options: ContinuousOptions = {
    wordsPerSequence: 3,
    gapMs: [200, 1000],
    snrDb: [5, 30],
    windowSteps: 50,
    backgroundLabel: model.labels.indexOf('_silence_'),
    gapWeight: 1,
    gainDb: 6,
    wordWindow: 'middle',
    guardSteps: 0,
    clipFraction: 0,
  };
  const frame = {
    sampleRateHz: frontend.sampleRateHz,
    windowSamples: (frontend.windowMs * frontend.sampleRateHz) / 1000,
    hopSamples: (frontend.hopMs * frontend.sampleRateHz) / 1000,
  };
  const noise = recordedNoise(clips.filter((c) => c.label === options.backgroundLabel).map((c) => c.samples));
  const sequence = buildSequence(clips.slice(0, 3), noise, frame, options, 11);
  assert.ok(sequence.windows.length > 3, 'words and gaps are scored');
  worst = Math.max(
    worst,
    compare(spec, params, encodeSpikes(engine, frontend, sequence.samples), sequence.windows),
  );
  assert.ok(worst > 0, 'float32 is not float64: the comparison saw rounding');
});
