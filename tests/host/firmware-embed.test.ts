/**
 * `hetsyn firmware embed`: the generated C holds the module's bytes exactly (compiled with gcc and
 * dumped back), its header lists the imports and the runner's exports, AOT files are recognised,
 * anything else is refused with the input exit code. Also the helpers the ABI test relies on: the
 * wasm import/export reader (against the engine's own WebAssembly.Module) and WAMR signatures.
 * Compiling the C needs gcc (Debian package gcc): without it that half of the first test is
 * skipped, naming it (under CI it fails).
 */

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it, type TestContext } from 'node:test';
import { DEFAULT_WASM_PATH } from '../../host/wasm/module.js';
import {
  embedC,
  formatType,
  moduleFormat,
  ModuleFormatError,
  readWasmInterface,
  signatureType,
} from '../../host/commands/firmware.js';
import { REPO_ROOT } from './fixtures.js';
import { requireTool } from './tools.js';

const CLI = join(REPO_ROOT, 'dist/host/cli.js');
const WASM = new Uint8Array(readFileSync(DEFAULT_WASM_PATH));

/** Prints hetsyn_module as raw bytes on stdout. */
const DUMP_MAIN = `#include <stdio.h>
#include "hetsyn/hs_module.h"
int main(void) { return fwrite(hetsyn_module, 1, hetsyn_module_bytes, stdout) == hetsyn_module_bytes ? 0 : 1; }
`;

describe('hetsyn firmware embed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hetsyn-embed-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes C that compiles warning-free and holds the module byte for byte', (t: TestContext) => {
    const out = join(dir, 'module.c');
    const run = spawnSync(process.execPath, [CLI, 'firmware', 'embed', '-o', out], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stderr, new RegExp(`${WASM.length} bytes of bytecode`));
    const text = readFileSync(out, 'utf8');
    assert.match(
      text,
      /Exports the runner calls:\n \* {3}boardInit \(\) -> i32\n \* {3}boardPoll \(\) -> i32/,
    );
    assert.match(text, / \* {3}env\.uart_read \(i32, i32\) -> i32/);
    const skip = requireTool('gcc', 'gcc');
    if (skip) {
      t.skip(`compiling and dumping the C: ${skip}`);
      return;
    }
    writeFileSync(join(dir, 'dump.c'), DUMP_MAIN);
    const exe = join(dir, 'dump');
    const cc = spawnSync(
      'gcc',
      [
        '-std=c11',
        '-Wall',
        '-Wextra',
        '-Werror',
        '-I',
        join(REPO_ROOT, 'firmware-bindings/include'),
        out,
        join(dir, 'dump.c'),
        '-o',
        exe,
      ],
      { encoding: 'utf8' },
    );
    if (cc.error) assert.fail(`gcc: ${cc.error.message}`);
    assert.equal(cc.status, 0, cc.stderr);
    const dumped = spawnSync(exe, [], { maxBuffer: 1 << 24 });
    assert.equal(dumped.status, 0);
    assert.deepEqual(new Uint8Array(dumped.stdout), WASM);
  });

  it("creates the output folder, as the walk-through's build/firmware/ on a fresh clone needs", () => {
    const out = join(dir, 'fresh', 'firmware', 'hetsyn_module.c');
    const run = spawnSync(process.execPath, [CLI, 'firmware', 'embed', '-o', out], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    assert.match(readFileSync(out, 'utf8'), /hetsyn_module_bytes/);
  });

  it('puts an XIP AOT file in flash with --xip, and refuses --xip for bytecode with exit code 3', () => {
    const aot = Uint8Array.from([0x00, 0x61, 0x6f, 0x74, 0x05, 0x00, 0x00, 0x00, 9, 8, 7, 6]);
    assert.match(
      embedC(aot, 'x.aot', true),
      /aligned\(4\), section\("\.rodata\.hetsyn_module"\)\)\) uint8_t hetsyn_module\[12\]/,
    );
    assert.doesNotMatch(embedC(aot, 'x.aot'), /section\(/);
    assert.throws(() => embedC(WASM, 'hetsyn.wasm', true), ModuleFormatError);
    const run = spawnSync(process.execPath, [CLI, 'firmware', 'embed', '--xip', '-o', join(dir, 'x.c')], {
      encoding: 'utf8',
    });
    assert.equal(run.status, 3, run.stderr);
    assert.match(run.stderr, /cannot stay in flash/);
  });

  it('recognises a WAMR AOT file and refuses anything else with exit code 3', () => {
    const aot = Uint8Array.from([0x00, 0x61, 0x6f, 0x74, 0x03, 0x00, 0x00, 0x00, 1, 2, 3, 4]);
    assert.equal(moduleFormat(aot), 'aot');
    assert.match(embedC(aot, 'x.aot'), /12 bytes of WAMR AOT code/);
    const junk = join(dir, 'junk.bin');
    writeFileSync(junk, 'not a module at all');
    const run = spawnSync(
      process.execPath,
      [CLI, 'firmware', 'embed', '--wasm', junk, '-o', join(dir, 'j.c')],
      {
        encoding: 'utf8',
      },
    );
    assert.equal(run.status, 3, run.stderr);
    assert.match(run.stderr, /neither a WebAssembly binary/);
    const v2 = WASM.slice();
    v2[4] = 2;
    assert.throws(() => moduleFormat(v2), ModuleFormatError);
    assert.throws(() => readWasmInterface(WASM.subarray(0, WASM.length - 3)), ModuleFormatError);
  });
});

describe('wasm interface reader and WAMR signatures', () => {
  it('reads the same imports and exports as the WebAssembly API, with function types', () => {
    const module = new WebAssembly.Module(WASM);
    const { imports, exports } = readWasmInterface(WASM);
    assert.deepEqual(
      imports.map((i) => [i.module, i.name, i.kind]),
      WebAssembly.Module.imports(module).map((i) => [i.module, i.name, i.kind]),
    );
    assert.deepEqual(
      exports.map((e) => [e.name, e.kind]),
      WebAssembly.Module.exports(module).map((e) => [e.name, e.kind]),
    );
    const step = exports.find((e) => e.name === 'step');
    assert.equal(formatType(step?.type), '(i32) -> i32');
  });

  it('maps WAMR signature strings to function types', () => {
    assert.equal(formatType(signatureType('(ii*~)i')), '(i32, i32, i32, i32) -> i32');
    assert.equal(formatType(signatureType('(*~)')), '(i32, i32) -> ()');
    assert.equal(formatType(signatureType('()i')), '() -> i32');
    assert.equal(formatType(signatureType('(IfF$)F')), '(i64, f32, f64, i32) -> f64');
    for (const bad of ['ii', '(x)', '()ii', '(i'])
      assert.throws(() => signatureType(bad), ModuleFormatError, bad);
  });
});
