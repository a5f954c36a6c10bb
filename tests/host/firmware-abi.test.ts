/**
 * The .wasm against the firmware that runs it: build/hetsyn.wasm imports exactly the natives that
 * firmware-bindings registers with WAMR, with the same function types, and exports what the runner
 * calls; the C table's WAMR signature strings are the ones docs/board-abi.md gives. The C table is
 * read from the real source, through a host program that prints it (make abi). That the module is
 * MVP-only, as the documented WAMR build needs, is tests/host/wasm-module.test.ts's check. Needs
 * make and gcc (Debian packages make, gcc): without them these tests are skipped (under CI they fail).
 */

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { DEFAULT_WASM_PATH } from '../../host/wasm/module.js';
import {
  formatType,
  readWasmInterface,
  signatureType,
  type WasmInterface,
} from '../../host/commands/firmware.js';
import { REPO_ROOT } from './fixtures.js';
import { GCC, MAKE, requireTools } from './tools.js';

interface NativeRow {
  name: string;
  signature: string;
}

interface CAbi {
  abiVersion: number;
  module: string;
  imports: NativeRow[];
  exports: NativeRow[];
}

/**
 * Natives the release module may leave unimported: hetsyn_abort is reached only through asserts,
 * which the release build compiles out (noAssert); a debug build imports it, so the firmware keeps it.
 */
const ONLY_WHEN_USED = new Set(['hetsyn_abort']);

/** name -> signature from a table of docs/board-abi.md between two headings. */
function docTable(from: string, to: string): Map<string, string> {
  const doc = readFileSync(join(REPO_ROOT, 'docs/board-abi.md'), 'utf8');
  const section = doc.slice(doc.indexOf(from), doc.indexOf(to));
  const rows = [...section.matchAll(/^\| `(\w+)\([^`]*` \| `([^`]+)` \|/gm)];
  return new Map(rows.map((m) => [m[1], m[2]]));
}

describe('build/hetsyn.wasm against firmware-bindings', () => {
  const build = mkdtempSync(join(tmpdir(), 'hetsyn-fw-abi-'));
  after(() => rmSync(build, { recursive: true, force: true }));
  let c: CAbi;
  let wasm: WasmInterface;
  /** Why the tests are skipped: a tool make abi needs is missing (under CI, before fails instead). */
  let skip: string | undefined;

  before(() => {
    skip = requireTools(MAKE, GCC);
    if (skip) return;
    const run = spawnSync(
      'make',
      ['-s', '-C', join(REPO_ROOT, 'firmware-bindings'), `BUILD=${build}`, 'abi'],
      {
        encoding: 'utf8',
      },
    );
    if (run.error) assert.fail(`make: ${run.error.message}`);
    assert.equal(run.status, 0, `make abi failed:\n${run.stdout}${run.stderr}`);
    const json = run.stdout.split('\n').find((line) => line.startsWith('{'));
    assert.ok(json, `no JSON from the native table printer:\n${run.stdout}`);
    c = JSON.parse(json) as CAbi;
    wasm = readWasmInterface(new Uint8Array(readFileSync(DEFAULT_WASM_PATH)));
  });

  it('imports exactly the natives the firmware registers, with the same types', (t: TestContext) => {
    if (skip) {
      t.skip(skip);
      return;
    }
    assert.equal(c.module, 'env');
    const table = new Map(c.imports.map((row) => [row.name, row.signature]));
    assert.equal(table.size, c.imports.length, 'native names are unique');
    for (const entry of wasm.imports) {
      assert.equal(entry.kind, 'function', `${entry.module}.${entry.name} is a function`);
      assert.equal(entry.module, 'env', `${entry.module}.${entry.name} comes from env`);
      const signature = table.get(entry.name);
      assert.ok(signature, `env.${entry.name} is imported but firmware-bindings registers no such native`);
      assert.equal(
        formatType(entry.type),
        formatType(signatureType(signature)),
        `env.${entry.name}: the module's type against the native's signature ${signature}`,
      );
    }
    const imported = new Set(wasm.imports.map((entry) => entry.name));
    const unused = c.imports.map((row) => row.name).filter((name) => !imported.has(name));
    assert.deepEqual(
      unused.filter((name) => !ONLY_WHEN_USED.has(name)),
      [],
      'every native except hetsyn_abort is imported by the release module',
    );
  });

  it("registers hetsyn_abort with AssemblyScript's four-argument signature, not env.abort", (t: TestContext) => {
    if (skip) {
      t.skip(skip);
      return;
    }
    const row = c.imports.find((r) => r.name === 'hetsyn_abort');
    assert.equal(row?.signature, '(iiii)');
    assert.ok(!c.imports.some((r) => r.name === 'abort'), 'env.abort would clash with libc-builtin');
    const source = readFileSync(join(REPO_ROOT, 'assembly/runtime/abort.ts'), 'utf8');
    assert.match(
      source,
      /@external\('env', 'hetsyn_abort'\)\s*declare function \w+\([^)]*,[^)]*,[^)]*,[^)]*\)/,
    );
  });

  it('exports the functions the runner calls, with their signatures', (t: TestContext) => {
    if (skip) {
      t.skip(skip);
      return;
    }
    assert.deepEqual(
      c.exports.map((e) => e.name),
      ['boardInit', 'boardPoll'],
    );
    for (const { name, signature } of c.exports) {
      const exported = wasm.exports.find((e) => e.name === name);
      assert.ok(exported, `the module does not export ${name}`);
      assert.equal(exported.kind, 'function');
      assert.equal(formatType(exported.type), formatType(signatureType(signature)), name);
    }
    assert.ok(
      wasm.exports.some((e) => e.name === 'memory' && e.kind === 'memory'),
      'memory is exported',
    );
  });

  it('uses the signature strings and ABI version of docs/board-abi.md', (t: TestContext) => {
    if (skip) {
      t.skip(skip);
      return;
    }
    const documented = docTable('## Imports', '## Exports');
    assert.deepEqual(
      c.imports.map((row) => [row.name, row.signature]),
      c.imports.map((row) => [row.name, documented.get(row.name)]),
    );
    assert.deepEqual([...documented.keys()].sort(), c.imports.map((r) => r.name).sort());
    const exports = docTable('## Exports', '## Memory');
    for (const { name, signature } of c.exports) assert.equal(exports.get(name), signature, name);
    const doc = readFileSync(join(REPO_ROOT, 'docs/board-abi.md'), 'utf8');
    assert.match(doc, new RegExp(`# The board ABI \\(version ${c.abiVersion}\\)`));
    const codes = readFileSync(join(REPO_ROOT, 'assembly/protocol/codes.ts'), 'utf8');
    assert.match(
      codes,
      new RegExp(`ABI_VERSION: u32 = ${c.abiVersion};`),
      'the module reports the same ABI version',
    );
  });
});
