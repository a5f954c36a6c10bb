/**
 * The shipped build/hetsyn.wasm as a board sees it: small enough for flash, importing nothing the
 * board ABI does not provide, exporting what the host wrapper calls, integer-only and MVP-only.
 * The disassembly and validation use wabt from npm (the `wabt` package, wabt built to WebAssembly),
 * so they need no system tool.
 */

import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import wabtModule from 'wabt';
import { BOARD_IMPORTS } from '../../host/wasm/board-imports.js';
import { DEFAULT_WASM_PATH } from '../../host/wasm/module.js';
import {
  DETECT_INFO_FIELD,
  DETECT_PARAM_FIELD,
  LAYER_INFO_FIELD,
  MODEL_INFO_FIELD,
} from '../../host/wasm/engine.js';
import { REPO_ROOT } from './fixtures.js';

// The always-on work (detection, audio and microphone streaming) may take the module to 20 KiB.
const MAX_WASM_BYTES = 20480;
const module = new WebAssembly.Module(readFileSync(DEFAULT_WASM_PATH));
/** The default module and the board-small build (asconfig.json), held to the same memory and feature rules. */
const MODULES = [DEFAULT_WASM_PATH, join(REPO_ROOT, 'build', 'hetsyn-board-small.wasm')];

function sourcesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return sourcesUnder(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** `module.name` of every @external declaration in assembly/: the imports the ABI allows. */
function declaredImports(): Set<string> {
  const declared = new Set<string>();
  const external = /@external\(\s*'([^']+)'\s*(?:,\s*'([^']+)'\s*)?\)/g;
  for (const file of sourcesUnder(join(REPO_ROOT, 'assembly'))) {
    for (const match of readFileSync(file, 'utf8').matchAll(external)) {
      // @external('name') keeps the default module, env.
      declared.add(match[2] === undefined ? `env.${match[1]}` : `${match[1]}.${match[2]}`);
    }
  }
  return declared;
}

/** The members of the EngineExports interface in host/wasm/engine.ts. */
function wrapperExports(): string[] {
  const source = readFileSync(join(REPO_ROOT, 'host/wasm/engine.ts'), 'utf8');
  const body = /interface EngineExports \{([^}]*)\}/.exec(source)?.[1];
  assert.ok(body, 'no EngineExports interface in host/wasm/engine.ts');
  return [...body.matchAll(/^\s*(\w+)\s*[(:]/gm)].map((m) => m[1]);
}

/**
 * wabt (the npm package: wabt compiled to WebAssembly), loaded once. Every post-MVP feature it
 * knows is turned off, so reading and validating accept exactly WebAssembly MVP.
 */
const wabt = await wabtModule();
const MVP_ONLY = {
  exceptions: false,
  mutable_globals: false,
  sat_float_to_int: false,
  sign_extension: false,
  simd: false,
  threads: false,
  function_references: false,
  multi_value: false,
  tail_call: false,
  bulk_memory: false,
  reference_types: false,
  annotations: false,
  code_metadata: false,
  gc: false,
  memory64: false,
  extended_const: false,
  relaxed_simd: false,
} as const;

/** Reads (which checks each opcode against the features) and validates a module as MVP-only. */
function validateMvp(bytes: Uint8Array): { ok: boolean; output: string } {
  let parsed: ReturnType<typeof wabt.readWasm> | undefined;
  try {
    parsed = wabt.readWasm(bytes, { ...MVP_ONLY, check: true });
    parsed.validate();
    return { ok: true, output: '' };
  } catch (error) {
    return { ok: false, output: (error as Error).message };
  } finally {
    parsed?.destroy();
  }
}

/** The module as WebAssembly text (wabt's disassembly, every type and instruction). */
function disassemble(bytes: Uint8Array): string {
  const parsed = wabt.readWasm(bytes, { ...MVP_ONLY, check: true });
  try {
    return parsed.toText({ foldExprs: false, inlineExport: false });
  } finally {
    parsed.destroy();
  }
}

/** name -> WAMR signature string, from the imports table of docs/board-abi.md. */
function boardAbiSignatures(): Map<string, string> {
  const doc = readFileSync(join(REPO_ROOT, 'docs/board-abi.md'), 'utf8');
  const imports = doc.slice(doc.indexOf('## Imports'), doc.indexOf('## Exports'));
  const rows = [...imports.matchAll(/^\| `(\w+)\([^`]*` \| `([^`]+)` \|/gm)];
  return new Map(rows.map((m) => [m[1], m[2]]));
}

/** "(ii*~)i" -> "(i32, i32, i32, i32) -> i32", as typeOfWat below prints a type. */
function wasmTypeOf(wamr: string): string {
  const match = /^\(([i*~]*)\)(i?)$/.exec(wamr);
  assert.ok(match, `unexpected WAMR signature ${wamr}`);
  const params = Array.from(match[1])
    .map(() => 'i32')
    .join(', ');
  return `(${params}) -> ${match[2] ? 'i32' : 'nil'}`;
}

/** "(func (param i32 i32) (result i32))" -> "(i32, i32) -> i32"; no result is "nil". */
function typeOfWat(func: string): string {
  const params = [...func.matchAll(/\(param ([^)]*)\)/g)].flatMap((m) => m[1].trim().split(/\s+/));
  const results = [...func.matchAll(/\(result ([^)]*)\)/g)].flatMap((m) => m[1].trim().split(/\s+/));
  return `(${params.join(', ')}) -> ${results.length ? results.join(', ') : 'nil'}`;
}

/** env.name -> its function type, from wabt's disassembly. */
function importedSignatures(): Map<string, string> {
  const text = disassemble(readFileSync(DEFAULT_WASM_PATH));
  const types = new Map(
    [...text.matchAll(/^ {2}\(type \(;(\d+);\) (\(func.*\))\)$/gm)].map((m) => [m[1], typeOfWat(m[2])]),
  );
  assert.ok(types.size > 0, 'no type section in the disassembly');
  const imports = [...text.matchAll(/^ {2}\(import "([^"]*)" "([^"]*)" \((\w+) .*\)\)$/gm)];
  assert.ok(imports.length > 0, 'no import in the disassembly');
  const signatures = new Map<string, string>();
  for (const m of imports) {
    assert.equal(`${m[1]}:${m[3]}`, 'env:func', `import ${m[1]}.${m[2]} is an env function`);
    const type = /\(type (\d+)\)/.exec(m[0])?.[1];
    signatures.set(m[2], types.get(String(type)) ?? '?');
  }
  return signatures;
}

/**
 * Lines of wabt's disassembly that mention a float type or instruction. Data segments are left
 * out: they are bytes, not code, and their text could spell "f32" by chance.
 */
function floatLines(bytes: Uint8Array): string[] {
  return disassemble(bytes)
    .split('\n')
    .filter((line) => !/^ {2}\(data /.test(line))
    .filter((line) => /(?<![a-z0-9])f(32|64)(?!\d)/.test(line));
}

// Hand-assembled controls, so a wabt whose output or flags changed cannot make the checks vacuous.
const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
/** (func (result f32) f32.const 0) */
const WITH_F32 = Uint8Array.from([
  ...HEADER,
  ...[0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7d],
  ...[0x03, 0x02, 0x01, 0x00],
  ...[0x0a, 0x09, 0x01, 0x07, 0x00, 0x43, 0x00, 0x00, 0x00, 0x00, 0x0b],
]);
/** (func (param i32) (result i32) local.get 0 f64.convert_i32_s i32.trunc_f64_s): f64 only in opcodes. */
const WITH_F64_TRUNC = Uint8Array.from([
  ...HEADER,
  ...[0x01, 0x06, 0x01, 0x60, 0x01, 0x7f, 0x01, 0x7f],
  ...[0x03, 0x02, 0x01, 0x00],
  ...[0x0a, 0x08, 0x01, 0x06, 0x00, 0x20, 0x00, 0xb7, 0xaa, 0x0b],
]);
/** (func (result i32) i32.const 0 i32.extend8_s): sign-extension, post-MVP. */
const WITH_SIGN_EXTENSION = Uint8Array.from([
  ...HEADER,
  ...[0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f],
  ...[0x03, 0x02, 0x01, 0x00],
  ...[0x0a, 0x07, 0x01, 0x05, 0x00, 0x41, 0x00, 0xc0, 0x0b],
]);

describe('build/hetsyn.wasm', () => {
  it(`is at most ${MAX_WASM_BYTES} bytes`, (t: TestContext) => {
    const size = statSync(DEFAULT_WASM_PATH).size;
    t.diagnostic(`hetsyn.wasm: ${size} bytes`);
    assert.ok(size <= MAX_WASM_BYTES, `${size} bytes > ${MAX_WASM_BYTES}`);
  });

  it('imports only from env, and only what assembly/ declares @external', () => {
    const declared = declaredImports();
    assert.ok(declared.has('env.hetsyn_abort'), [...declared].join(', '));
    for (const entry of WebAssembly.Module.imports(module)) {
      assert.equal(entry.module, 'env', `import ${entry.module}.${entry.name}`);
      assert.ok(
        declared.has(`env.${entry.name}`),
        `import env.${entry.name} is not declared @external in assembly/`,
      );
    }
  });

  it('imports each board ABI function with the signature docs/board-abi.md gives it', () => {
    const documented = boardAbiSignatures();
    assert.deepEqual(
      [...documented.keys()].sort(),
      [...BOARD_IMPORTS].sort(),
      'docs/board-abi.md and host/wasm/board-imports.ts list the same imports',
    );
    const imported = importedSignatures();
    for (const [name, signature] of imported) {
      const wamr = documented.get(name);
      assert.ok(wamr, `env.${name} is not in docs/board-abi.md`);
      assert.equal(signature, wasmTypeOf(wamr), `env.${name}: WAMR signature ${wamr}`);
    }
    for (const name of [
      'uart_read',
      'uart_write',
      'storage_bytes',
      'storage_erase',
      'storage_write',
      'storage_read',
    ]) {
      assert.ok(imported.has(name), `env.${name} is not imported`);
    }
  });

  it('exports the board entry points of docs/board-abi.md', () => {
    const exported = new Map(WebAssembly.Module.exports(module).map((e) => [e.name, e.kind]));
    for (const name of ['boardInit', 'boardPoll', 'boardSetMaxFrame'])
      assert.equal(exported.get(name), 'function', name);
  });

  it('exports everything the host wrapper calls, as functions and one memory', () => {
    const exported = new Map(WebAssembly.Module.exports(module).map((e) => [e.name, e.kind]));
    const needed = wrapperExports();
    assert.ok(needed.length > 10, `EngineExports parsed as ${needed.join(', ')}`);
    const kind = (name: string): string =>
      name === 'memory' ? 'memory' : name.startsWith('__') ? 'global' : 'function';
    for (const name of needed) assert.equal(exported.get(name), kind(name), `export ${name}`);
  });

  // docs/memory-budget.md, "Linear memory sized to need": WAMR shrinks linear memory to
  // __heap_base only for a module without memory.grow that exports both as constant i32 globals.
  for (const path of MODULES)
    it(`${basename(path)} never grows memory, and exports __heap_base and __data_end as WAMR shrinks memory to them`, () => {
      const text = disassemble(readFileSync(path));
      assert.doesNotMatch(text, /\bmemory\.grow\b/);
      // memory.size says whole pages even after WAMR's shrink: no bound may come from it.
      assert.doesNotMatch(text, /\bmemory\.size\b/);
      const globals = [
        ...text.matchAll(/^ {2}\(global \(;(\d+);\) (\(mut i32\)|i32) \(i32\.const (-?\d+)\)\)$/gm),
      ].map((m) => ({ index: Number(m[1]), mutable: m[2] !== 'i32', init: Number(m[3]) >>> 0 }));
      const exported = (name: string): { mutable: boolean; init: number } | undefined => {
        const index = new RegExp(`^ {2}\\(export "${name}" \\(global (\\d+)\\)\\)$`, 'm').exec(text)?.[1];
        return globals.find((g) => g.index === Number(index));
      };
      const heapBase = exported('__heap_base');
      const dataEnd = exported('__data_end');
      assert.ok(heapBase && !heapBase.mutable, 'a constant __heap_base');
      // WAMR rounds __data_end up to 16 and shrinks nothing unless that is still <= __heap_base.
      assert.ok(dataEnd && !dataEnd.mutable, 'a constant __data_end');
      assert.ok(Math.ceil(dataEnd.init / 16) * 16 <= heapBase.init, `${dataEnd.init} vs ${heapBase.init}`);
      // WAMR takes the first mutable i32 global starting at or below __heap_base for a C stack
      // pointer and checks every write to it against a stack of that many bytes: it must start at 0
      // (no stack, no check), or ordinary writes trap with "wasm auxiliary stack overflow".
      const auxStack = globals.find((g) => g.mutable && g.init <= heapBase.init);
      assert.equal(auxStack?.init ?? 0, 0, `global ${auxStack?.index} would be taken for an aux stack`);
    });

  it('numbers the modelInfo, layerInfo, detectInfo and detectParam fields as the host wrapper reads them', () => {
    const source = readFileSync(join(REPO_ROOT, 'assembly/model-info-fields.ts'), 'utf8');
    const device = new Map<string, Map<string, number>>();
    for (const m of source.matchAll(
      /^export const ((?:MODEL|LAYER|DETECT)_(?:INFO|PARAM))_([A-Z0-9_]+): i32 = (\d+);$/gm,
    )) {
      const fields = device.get(m[1]) ?? new Map<string, number>();
      fields.set(m[2], Number(m[3]));
      device.set(m[1], fields);
    }
    const snake = (name: string): string => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
    for (const [kind, host] of [
      ['MODEL_INFO', MODEL_INFO_FIELD],
      ['LAYER_INFO', LAYER_INFO_FIELD],
      ['DETECT_INFO', DETECT_INFO_FIELD],
      ['DETECT_PARAM', DETECT_PARAM_FIELD],
    ] as const) {
      assert.deepEqual(
        new Map(Object.entries(host).map(([name, field]) => [snake(name), field])),
        device.get(kind),
        `${kind} fields`,
      );
    }
  });

  it('contains no f32/f64 type or instruction (nor does the board-small build)', () => {
    assert.notDeepEqual(floatLines(WITH_F32), [], 'the float check must see f32.const');
    assert.notDeepEqual(floatLines(WITH_F64_TRUNC), [], 'the float check must see i32.trunc_f64_s');
    for (const path of MODULES) assert.deepEqual(floatLines(readFileSync(path)), [], path);
  });

  it('validates as WebAssembly MVP (no post-MVP feature), as does the board-small build', () => {
    assert.ok(validateMvp(WITH_F32).ok, 'an MVP control validates');
    const rejected = validateMvp(WITH_SIGN_EXTENSION);
    assert.equal(rejected.ok, false, 'wabt must reject sign-extension with these features off');
    assert.match(rejected.output, /unexpected opcode: 0xc0/);
    for (const path of MODULES) {
      const result = validateMvp(readFileSync(path));
      assert.ok(result.ok, `${path}: ${result.output}`);
    }
  });
});
