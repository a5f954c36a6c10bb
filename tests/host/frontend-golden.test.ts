/**
 * The .wasm front-end's spikes on every shipped sample clip, hashed, against the hashes the module
 * gave before its FFT was restructured for interpreters (issue 11: fused first stages, i32 sums).
 * At the models' own thresholds and at the smallest one (Q8 = 1, where a level that moves by
 * 1/256 of a log2 unit flips a spike). Then synthetic full-scale signals, which drive the FFT to
 * its bounds as speech does not, against the hashes of the module before its FFT computed only
 * the symmetric halves (issue 11's second pass). A change here is a change of docs/frontend.md's
 * arithmetic: version it, then update the hashes.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openEngine } from '../../host/wasm/module.js';
import { openDataset } from '../../host/data/dataset.js';
import { readWav } from '../../host/audio/read-wav.js';
import { REPO_ROOT } from './fixtures.js';

const GOLDEN = [
  { model: 'gsc12-kws', samples: 'gsc12', thresholdQ8: 765, sha256: '5989097390f28d9a' },
  { model: 'gsc12-kws', samples: 'gsc12', thresholdQ8: 1, sha256: '5ca265e56f798ac3' },
  { model: 'fsdd-digits', samples: 'fsdd', thresholdQ8: 765, sha256: '006d7eab3bc15097' },
  { model: 'fsdd-digits', samples: 'fsdd', thresholdQ8: 1, sha256: '1e8467d31c28f26b' },
] as const;

for (const { model, samples, thresholdQ8, sha256 } of GOLDEN) {
  test(`front-end spikes of models/samples/${samples} with ${model}'s front-end at threshold Q8 ${thresholdQ8}`, () => {
    const engine = openEngine();
    const frontend = engine.loadOrThrow(readFileSync(join(REPO_ROOT, 'models', `${model}.hsm`))).frontend;
    assert.ok(frontend);
    const hash = createHash('sha256');
    let spikes = 0;
    for (const clip of openDataset(join(REPO_ROOT, 'models/samples', samples)).clips('all')) {
      engine.frontendConfigure({ ...frontend, thresholdQ8 });
      const steps = engine.encodeAudio(readWav(clip.path).samples);
      spikes += steps.reduce((sum, step) => sum + step.length, 0);
      hash.update(JSON.stringify(steps) + '\n');
    }
    assert.ok(spikes > 100, `${spikes} spikes`);
    assert.equal(hash.digest('hex').slice(0, 16), sha256);
  });
}

/** Integer-only signals (the same on every machine), one second each at `rate`. */
function syntheticSignals(rate: number): Int16Array[] {
  let seed = 12345;
  const next = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
  const make = (sample: (i: number) => number): Int16Array =>
    Int16Array.from({ length: rate }, (_, i) => sample(i));
  let phase = 0;
  return [
    make(() => (next() >>> 16) - 32768), // full-scale white noise
    make(() => ((next() >>> 16) >> 8) - 128), // quiet noise, +-128
    make((i) => (Math.floor(i / 7) % 2 === 1 ? 32767 : -32768)), // square wave, 14-sample period
    make((i) => (i % 37 === 0 ? (i % 74 === 0 ? 32767 : -32768) : 0)), // impulses of both signs
    make((i) => {
      phase = (phase + 16 + (i >> 3)) % 65536; // a sweep: the step grows with i
      return phase < 32768 ? phase * 2 - 32768 : 98303 - phase * 2; // triangle, full scale
    }),
  ];
}

const SYNTHETIC = [
  { model: 'gsc12-kws', sha256: '8d17e03a6edd56c1' },
  { model: 'fsdd-digits', sha256: '6919ba7c10af64e8' },
] as const;

for (const { model, sha256 } of SYNTHETIC) {
  test(`front-end spikes of full-scale synthetic signals with ${model}'s front-end at threshold Q8 1`, () => {
    const engine = openEngine();
    const frontend = engine.loadOrThrow(readFileSync(join(REPO_ROOT, 'models', `${model}.hsm`))).frontend;
    assert.ok(frontend);
    const hash = createHash('sha256');
    let spikes = 0;
    for (const signal of syntheticSignals(frontend.sampleRateHz)) {
      engine.frontendConfigure({ ...frontend, thresholdQ8: 1 });
      const steps = engine.encodeAudio(signal);
      spikes += steps.reduce((sum, step) => sum + step.length, 0);
      hash.update(JSON.stringify(steps) + '\n');
    }
    assert.ok(spikes > 100, `${spikes} spikes`);
    assert.equal(hash.digest('hex').slice(0, 16), sha256);
  });
}
