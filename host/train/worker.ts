/**
 * A training worker: runs BPTT on its share of a batch and returns the summed gradient. The
 * parameters are read from shared memory, which the main thread changes only between batches.
 */
import { parentPort } from 'node:worker_threads';
import { openEngine } from '../wasm/module.js';
import type { ClipResult, ClipSpikes } from './bptt.js';
import { FastBptt } from './fast-bptt.js';
import { effectiveLayers, paramLayout, type ParamLayout } from './network.js';
import { augmentAudio, clipSeed, maskSpikes } from './augment.js';
import { clipAudio, encodeSpikes } from './clip-store.js';
import { fakeQuantizeWeights } from './quantize-aware.js';
import { buildSequence, recordedNoise, runsAsClips, syntheticNoise, type NoiseSource } from './sequence.js';
import type { BatchReply, BatchRequest, WorkerInit } from './pool.js';

if (!parentPort) throw new Error('host/train/worker.js runs as a worker thread of the trainer');
const port = parentPort;
const engine = openEngine();

/** What init gives and what follows from it, derived once for every batch. */
interface Session extends WorkerInit {
  layout: ParamLayout;
  bptt: FastBptt;
  noises: Int16Array[];
  background: NoiseSource;
}
let session: Session | undefined;

function startSession(init: WorkerInit): Session {
  const { spec, store, noiseIndices } = init;
  const layout = paramLayout(spec);
  const options = { resetRho: spec.resetRho, skipSteps: spec.skipSteps };
  const noises = noiseIndices.map((i) => clipAudio(store, i));
  return {
    ...init,
    layout,
    bptt: new FastBptt(layout, options),
    noises,
    background: noises.length > 0 ? recordedNoise(noises) : syntheticNoise,
  };
}

function runBatch(request: BatchRequest): BatchReply {
  if (!session) throw new Error('training worker used before init');
  const { spec, frontend, augment, store, params, layout, bptt, noises } = session;
  const net = effectiveLayers(layout, params, request.quantize ? fakeQuantizeWeights : undefined);
  const grad = request.withGradient ? new Float64Array(layout.length) : undefined;
  const predictions = new Int32Array(request.items.length);
  const spikeCounts = new Float64Array(spec.layers.length - 1);
  let loss = 0;
  let counted = 0;
  let steps = 0;
  let windows = 0;
  let windowsCorrect = 0;
  const add = (clip: ClipSpikes, result: ClipResult): void => {
    if (!Number.isNaN(result.loss)) {
      loss += result.loss;
      counted++;
    }
    windows += result.windows;
    windowsCorrect += result.windowsCorrect;
    steps += clip.steps;
    result.spikeCounts.forEach((n, l) => (spikeCounts[l] += n));
  };
  const runClip = (index: number, k: number): void => {
    const samples = clipAudio(store, index);
    let clip: ClipSpikes;
    if (request.augment) {
      const seed = clipSeed(request.seed, request.epoch, index);
      const heard = augmentAudio(samples, store.sampleRateHz, augment, seed, noises);
      clip = maskSpikes(encodeSpikes(engine, frontend, heard), spec.inputCount, augment, seed);
    } else {
      clip = encodeSpikes(engine, frontend, samples);
    }
    const result = bptt.run(net, clip, store.labels[index], grad);
    predictions[k] = result.predicted;
    add(clip, result);
  };
  const { continuous } = session;
  if (request.sequences && continuous) {
    const per = continuous.options.wordsPerSequence;
    predictions.fill(-1);
    for (let at = 0; at < request.items.length; at += per) {
      const group = request.items.subarray(at, at + per);
      const seed = clipSeed(request.seed, request.epoch, group[0]);
      if (runsAsClips(seed, continuous.options)) {
        group.forEach((index, k) => runClip(index, at + k));
        continue;
      }
      const words = Array.from(group, (index) => ({
        samples: clipAudio(store, index),
        label: store.labels[index],
      }));
      const sequence = buildSequence(words, session.background, continuous.frame, continuous.options, seed);
      const clip = encodeSpikes(engine, frontend, sequence.samples);
      add(clip, bptt.run(net, clip, sequence.windows, grad));
    }
  } else {
    request.items.forEach(runClip);
  }
  return {
    id: request.id,
    ...(grad ? { grad } : {}),
    loss,
    counted,
    predictions,
    spikeCounts,
    steps,
    windows,
    windowsCorrect,
  };
}

port.on('message', (message: { init?: WorkerInit; batch?: BatchRequest }) => {
  if (message.init) {
    session = startSession(message.init);
    port.postMessage({ ready: true });
    return;
  }
  if (message.batch) {
    try {
      const reply = runBatch(message.batch);
      port.postMessage(reply, reply.grad ? [reply.grad.buffer as ArrayBuffer] : []);
    } catch (error) {
      port.postMessage({ id: message.batch.id, error: (error as Error).stack ?? String(error) });
    }
  }
});
