/**
 * Docs and comments name files of the repository ("see host/wasm/engine.ts"); when a file moves,
 * every such name must move with it. A name counts when it starts at a top folder and is found
 * from the repository root or from any folder above the file that names it (firmware-bindings/
 * names its own tests/ that way). A `.js` name stands for the `.ts` it is built from.
 */

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from './fixtures.js';

const NAMED_PATH =
  /(?<![\w./-])((?:host|assembly-train|assembly|tests|bench|firmware-bindings|docs|models)\/[\w./-]*\w\.(?:ts|js|c|h|md|hsm|wav|json|spikes))\b/g;

function exists(path: string, from: string): boolean {
  const candidates = [path, path.replace(/\.js$/, '.ts')];
  for (let dir = dirname(from); ; dir = dirname(dir)) {
    if (candidates.some((p) => existsSync(join(REPO_ROOT, dir, p)))) return true;
    if (dir === '.' || dir === '/') return false;
  }
}

test('every repository path that docs and comments name exists', () => {
  const files = execFileSync('git', ['ls-files'], { cwd: REPO_ROOT, encoding: 'utf8' })
    .split('\n')
    .filter((f) => /\.(md|ts|c|h|js)$/.test(f) && !f.startsWith('models/samples/'));
  assert.ok(files.length > 100, `${files.length} files`);
  const missing: string[] = [];
  for (const file of files) {
    for (const match of readFileSync(join(REPO_ROOT, file), 'utf8').matchAll(NAMED_PATH)) {
      const path = match[1] ?? '';
      if (!exists(path, file)) missing.push(`${file} names ${path}`);
    }
  }
  assert.deepEqual(missing, []);
});
