/**
 * The shipped models score what their model cards say on the in-repo sample clips, in fixed point
 * through the .wasm (no retraining here). The engine is bit-exact, so the counts are exact: a change
 * to the engine, the front-end, the parser or a model file that moves one decision fails this test.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openEngine } from '../../host/wasm/module.js';
import { openDataset } from '../../host/data/dataset.js';
import { evaluate } from '../../host/data/evaluate.js';
import { WASM_PAGE_BYTES, estimateCost } from '../../host/model/cost.js';
import { REPO_ROOT } from './fixtures.js';

const SHIPPED = [
  { model: 'fsdd-digits', samples: 'fsdd', correct: 20, count: 20 },
  { model: 'gsc12-kws', samples: 'gsc12', correct: 19, count: 24 },
] as const;

for (const { model, samples, correct, count } of SHIPPED) {
  test(`${model} scores ${correct} of ${count} on models/samples/${samples}, as its card says`, () => {
    const path = join(REPO_ROOT, 'models', `${model}.hsm`);
    const engine = openEngine();
    const info = engine.loadOrThrow(readFileSync(path));
    assert.equal(info.name, model);
    const result = evaluate(
      { path, info, engine },
      openDataset(join(REPO_ROOT, 'models/samples', samples)),
      'test',
    );
    assert.equal(result.count, count);
    assert.equal(result.correct, correct);
    const card = readFileSync(join(REPO_ROOT, 'models', `${model}.md`), 'utf8');
    assert.ok(card.includes(`${correct} of ${count}`), `the card of ${model} states ${correct} of ${count}`);
  });

  // The board reads the model in place (its flash slot) and gives the module only its static
  // buffers and the state arena, under one 64 KiB page (docs/memory-budget.md).
  test(`${model} runs in place: its state fits the state arena, linear memory under one page`, () => {
    const engine = openEngine();
    const info = engine.loadOrThrow(readFileSync(join(REPO_ROOT, 'models', `${model}.hsm`)));
    const cost = estimateCost(info);
    assert.ok(
      info.stateBytes > 0 && info.stateBytes <= info.stateArenaBytes,
      `${info.stateBytes} B of state`,
    );
    assert.ok(cost.linearMemoryBytes > info.stateArenaBytes);
    assert.ok(cost.linearMemoryBytes < WASM_PAGE_BYTES, `${cost.linearMemoryBytes} B of linear memory`);
  });
}
