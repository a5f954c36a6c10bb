/**
 * `node dist/bench/profile.js [module.wasm]` (after `npm run build`): the bench's wasm instructions
 * per 10 ms hop (bench/instruction-count.ts, same model, clips and hops) split by function, for the
 * front-end, the engine and detection: where an optimisation of the module should look first.
 * Function names come from the text file the release build writes beside the module
 * (build/hetsyn.wat); without one, functions are named by their index in the code section.
 */

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_WASM_PATH } from '../host/wasm/module.js';
import { measureHopCost, type HopProfile } from './instruction-count.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MODEL = 'models/gsc12-kws.hsm';
const SAMPLES = 'models/samples/gsc12';

/** The defined functions' names in code-section order, from a binaryen text file. */
function functionNames(watPath: string): string[] {
  if (!existsSync(watPath)) return [];
  return readFileSync(watPath, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith(' (func $'))
    .map((line) => line.slice(' (func $'.length).split(' ')[0] ?? '');
}

const wasmPath = process.argv[2] ?? DEFAULT_WASM_PATH;
const names = functionNames(wasmPath.replace(/\.wasm$/, '.wat'));
const profile: HopProfile = { frontend: [], engine: [], detect: [] };
const cost = measureHopCost(
  readFileSync(join(REPO_ROOT, MODEL)),
  join(REPO_ROOT, SAMPLES),
  wasmPath,
  profile,
);
const lines = [`wasm instructions per 10 ms hop by function (${MODEL}, ${cost.hops} hops of ${SAMPLES}):`];
for (const [part, mean] of [
  ['frontend', cost.frontendMean],
  ['engine', cost.engineMean],
  ['detect', cost.detectMean],
] as const) {
  lines.push(`${part}: ${Math.round(mean)}`);
  profile[part]
    .map((total, i) => ({ perHop: total / cost.hops, name: names[i] ?? `function ${i}` }))
    .filter(({ perHop }) => perHop >= 0.5)
    .sort((a, b) => b.perHop - a.perHop)
    .forEach(({ perHop, name }) => lines.push(`  ${Math.round(perHop).toString().padStart(9)}  ${name}`));
}
process.stdout.write(lines.join('\n') + '\n');
