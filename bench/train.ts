/**
 * Training throughput on the KWS shape (64 -> recurrent 128 -> readout 12, rho per synapse): one
 * BPTT step of the TypeScript reference (forward and backward, host/train/bptt.ts) and its forward
 * pass alone, against the float per-synapse reference's step, the same per-synapse dynamics with
 * no gradient to keep; and the trainer's fast BPTT (host/train/fast-bptt.ts) against that
 * TypeScript BPTT on the same clip, in interleaved rounds (the speedup is the median of the
 * rounds' ratios, so load that comes and goes hits both alike).
 */
import { randomNetwork, randomSpikeTrain } from '../host/float/random-network.js';
import { FloatReference } from '../host/float/reference.js';
import { Bptt } from '../host/train/bptt.js';
import { FastBptt } from '../host/train/fast-bptt.js';
import { batchMs, median, ROUNDS, warmUp } from './timing.js';
import { flatSpikes } from '../host/train/clip-store.js';
import { effectiveLayers, initParams, paramLayout, type NetworkSpec } from '../host/train/network.js';

export interface TrainBench {
  bpttNsPerStep: number;
  forwardNsPerStep: number;
  referenceNsPerStep: number;
  fastNsPerStep: number;
  /** TypeScript BPTT time / fast BPTT time, forward and backward, same clip. */
  fastSpeedup: number;
}

/** A gsc12 clip is 98 steps at the reference front-end. */
export const CLIP_STEPS = 98;

export function benchTraining(
  timePasses: (pass: () => void, budgetMs: number, minPasses: number) => number,
  inputRate: number,
): TrainBench {
  const spec: NetworkSpec = {
    inputCount: 64,
    layers: [
      { kind: 'recurrent', size: 128 },
      { kind: 'readout', size: 12 },
    ],
    rho: 'synapse',
    threshold: 1,
    resetRho: Math.exp(-1 / 2),
    skipSteps: 2,
  };
  const steps = randomSpikeTrain(98, spec.inputCount, CLIP_STEPS, inputRate);
  const clip = flatSpikes(steps);
  const layout = paramLayout(spec);
  const net = effectiveLayers(layout, initParams(spec, 1, 2));
  const bptt = new Bptt(layout, {
    resetRho: spec.resetRho,
    skipSteps: spec.skipSteps,
  });
  const grad = new Float64Array(layout.length);
  const bpttMs = timePasses(() => bptt.run(net, clip, 0, grad), 1500, 3);
  const forwardMs = timePasses(() => bptt.run(net, clip, 0), 1500, 3);
  const reference = new FloatReference(
    randomNetwork({ seed: 12, inputCount: spec.inputCount, layers: spec.layers, levels: 16, inputRate }),
  );
  const referenceMs = timePasses(
    () => {
      reference.reset();
      for (const channels of steps) reference.step(channels);
    },
    1500,
    3,
  );
  const fast = new FastBptt(layout, {
    resetRho: spec.resetRho,
    skipSteps: spec.skipSteps,
  });
  const fastPass = (): void => void fast.run(net, clip, 0, grad);
  const slowPass = (): void => void bptt.run(net, clip, 0, grad);
  warmUp(fastPass);
  const fastRounds: number[] = [];
  const ratios: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const slow = batchMs(slowPass, 200, 3);
    const quick = batchMs(fastPass, 200, 3);
    fastRounds.push(quick);
    ratios.push(slow / quick);
  }
  const perStep = (ms: number): number => (ms * 1e6) / CLIP_STEPS;
  return {
    bpttNsPerStep: perStep(bpttMs),
    forwardNsPerStep: perStep(forwardMs),
    referenceNsPerStep: perStep(referenceMs),
    fastNsPerStep: perStep(median(fastRounds)),
    fastSpeedup: median(ratios),
  };
}
