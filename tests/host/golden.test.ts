/**
 * The .wasm engine against checked-in output (tests/fixtures/golden/): the same model and input
 * spikes must give the same scores, spikes and decisions, step by step, on every build. A change
 * here is a change of the arithmetic; see tests/fixtures/golden/README.md before regenerating.
 *
 * HETSYN_REGENERATE_GOLDEN=1 rewrites expected.jsonl from the current build instead of comparing.
 */

import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Engine } from '../../host/wasm/engine.js';
import { openEngine } from '../../host/wasm/module.js';
import { readSpikeFile } from '../../host/spikes/spike-file.js';
import { REPO_ROOT } from './fixtures.js';

const DIR = join(REPO_ROOT, 'tests/fixtures/golden');
const MODEL = join(DIR, 'golden.hsm');
const INPUT = join(DIR, 'input.spikes');
const EXPECTED = join(DIR, 'expected.jsonl');
const REGENERATE = process.env.HETSYN_REGENERATE_GOLDEN === '1';

interface StepRecord {
  t: number;
  scores: number[];
  /** The spike list of each spiking layer, in layer order. */
  spikes: number[][];
  decision: number;
}

function run(engine: Engine, steps: readonly number[][]): StepRecord[] {
  const spiking = engine.info().layers.length - 1;
  return steps.map((active, t) => {
    engine.step(active);
    return {
      t,
      scores: Array.from(engine.scores()),
      spikes: Array.from({ length: spiking }, (_, l) => Array.from(engine.spikeList(l))),
      decision: engine.decision(),
    };
  });
}

describe('golden run', () => {
  const engine = openEngine();
  const info = engine.loadOrThrow(readFileSync(MODEL));
  const input = readSpikeFile(INPUT);

  it('covers what it claims: per-synapse nibbles (K = 4), per-neuron levels, sparse bytes', () => {
    const shape = info.layers.map((l) => [l.kind, l.bucketBits, l.levelCount, l.sparse]);
    assert.deepEqual(shape, [
      ['recurrent', 4, 4, false],
      ['feedforward', 0, 3, false],
      ['feedforward', 8, 6, true],
      ['readout', 4, 2, false],
    ]);
    assert.equal(info.inputCount, 20);
    assert.equal(input.channelCount, 20);
    assert.ok(input.steps.length >= 60);
  });

  it('matches expected.jsonl step by step', () => {
    const actual = run(engine, input.steps);
    if (REGENERATE) {
      writeFileSync(EXPECTED, actual.map((r) => JSON.stringify(r)).join('\n') + '\n');
      return;
    }
    const expected = readFileSync(EXPECTED, 'utf8').trimEnd().split('\n');
    assert.equal(actual.length, expected.length, 'steps in input.spikes vs lines in expected.jsonl');
    actual.forEach((record, t) => assert.equal(JSON.stringify(record), expected[t], `step ${t}`));
  });

  it('is not a trivial run: every spiking layer fires and the decision changes', () => {
    const records = readFileSync(EXPECTED, 'utf8')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as StepRecord);
    for (let l = 0; l < info.layers.length - 1; l++) {
      assert.ok(
        records.some((r) => (r.spikes[l]?.length ?? 0) > 0),
        `layer ${l} never spikes`,
      );
    }
    const decisions = new Set(records.map((r) => r.decision));
    assert.ok(decisions.has(-1) && decisions.size >= 3, `decisions ${[...decisions].join(', ')}`);
  });
});
