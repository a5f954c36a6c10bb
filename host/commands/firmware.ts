/**
 * `hetsyn firmware embed [--wasm FILE] -o FILE.c`: the module as a C array for a firmware built
 * with firmware-bindings/ (it declares the array in include/hetsyn/hs_module.h). The input is
 * build/hetsyn.wasm or an AOT file the user compiled from it with WAMR's wamrc; WAMR tells the two
 * apart when loading, and so does this command, which lists a bytecode module's imports and the
 * exports the runner calls in the file's header comment.
 *
 * Also exported for the tests: a reader of a module's imports and exports with their function
 * types, and the function type a WAMR signature string stands for.
 */

import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { outputError, writeOutputFile } from '../util/output.js';
import { basename, dirname } from 'node:path';
import { Command } from 'commander';
import { DEFAULT_WASM_PATH } from '../wasm/module.js';
import { CliError, ExitCode } from '../cli/exit-codes.js';
import { readInputFile } from '../util/read-file.js';
import { printJson } from '../cli/format.js';

/** The exports firmware-bindings' runner calls (include/hetsyn/hs_abi.h). */
export const RUNNER_EXPORTS = ['boardInit', 'boardPoll'] as const;

export type ValueType = 'i32' | 'i64' | 'f32' | 'f64';

export interface FunctionType {
  params: ValueType[];
  results: ValueType[];
}

export interface WasmImport {
  module: string;
  name: string;
  kind: 'function' | 'table' | 'memory' | 'global';
  /** For functions. */
  type?: FunctionType;
}

export interface WasmExport {
  name: string;
  kind: 'function' | 'table' | 'memory' | 'global';
  /** For functions. */
  type?: FunctionType;
}

export interface WasmInterface {
  imports: WasmImport[];
  exports: WasmExport[];
}

export type ModuleFormat = 'bytecode' | 'aot';

const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d];
const AOT_MAGIC = [0x00, 0x61, 0x6f, 0x74];
const KINDS = ['function', 'table', 'memory', 'global'] as const;
const VALUE_TYPES: Record<number, ValueType> = { 0x7f: 'i32', 0x7e: 'i64', 0x7d: 'f32', 0x7c: 'f64' };

export class ModuleFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModuleFormatError';
  }
}

/** 'bytecode' for a WebAssembly binary, 'aot' for a wamrc output; throws for anything else. */
export function moduleFormat(bytes: Uint8Array): ModuleFormat {
  const starts = (magic: number[]): boolean => bytes.length >= 8 && magic.every((b, i) => bytes[i] === b);
  if (starts(WASM_MAGIC)) {
    if (bytes[4] !== 1 || bytes[5] !== 0 || bytes[6] !== 0 || bytes[7] !== 0) {
      throw new ModuleFormatError('a WebAssembly binary of a version other than 1');
    }
    return 'bytecode';
  }
  if (starts(AOT_MAGIC)) return 'aot';
  throw new ModuleFormatError('neither a WebAssembly binary (\\0asm) nor a WAMR AOT file (\\0aot)');
}

/** A cursor over a module's bytes: unsigned LEB128, names, bytes; every read bounds-checked. */
class Reader {
  constructor(
    private readonly bytes: Uint8Array,
    public at: number,
    private readonly end: number,
  ) {}

  byte(): number {
    if (this.at >= this.end) throw new ModuleFormatError(`truncated at byte ${this.at}`);
    return this.bytes[this.at++];
  }

  u32(): number {
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = this.byte();
      value += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return value;
    }
    throw new ModuleFormatError(`LEB128 longer than 5 bytes at byte ${this.at}`);
  }

  name(): string {
    const length = this.u32();
    if (this.at + length > this.end) throw new ModuleFormatError(`name past the end at byte ${this.at}`);
    const text = new TextDecoder('utf-8', { fatal: true }).decode(
      this.bytes.subarray(this.at, this.at + length),
    );
    this.at += length;
    return text;
  }

  valueType(): ValueType {
    const b = this.byte();
    const type = VALUE_TYPES[b];
    if (type === undefined) throw new ModuleFormatError(`value type 0x${b.toString(16)} is not MVP`);
    return type;
  }

  limits(): void {
    const flags = this.byte();
    this.u32();
    if (flags & 1) this.u32();
  }
}

/** The imports and exports of a WebAssembly binary, with the types of functions. */
export function readWasmInterface(bytes: Uint8Array): WasmInterface {
  if (moduleFormat(bytes) !== 'bytecode')
    throw new ModuleFormatError('an AOT file has no wasm sections to read');
  const types: FunctionType[] = [];
  const functionTypes: FunctionType[] = [];
  const imports: WasmImport[] = [];
  const rawExports: { name: string; kind: WasmExport['kind']; index: number }[] = [];
  const top = new Reader(bytes, 8, bytes.length);
  while (top.at < bytes.length) {
    const id = top.byte();
    const size = top.u32();
    const end = top.at + size;
    if (end > bytes.length) throw new ModuleFormatError(`section ${id} runs past the end`);
    const r = new Reader(bytes, top.at, end);
    const count = id >= 1 && id <= 7 ? r.u32() : 0;
    for (let i = 0; i < count; i++) {
      if (id === 1) {
        if (r.byte() !== 0x60) throw new ModuleFormatError('a type that is not a function type');
        const params = Array.from({ length: r.u32() }, () => r.valueType());
        const results = Array.from({ length: r.u32() }, () => r.valueType());
        types.push({ params, results });
      } else if (id === 2) {
        const module = r.name();
        const name = r.name();
        const kind = KINDS[r.byte()];
        if (kind === undefined) throw new ModuleFormatError(`import ${module}.${name} of an unknown kind`);
        if (kind === 'function') {
          const type = types[r.u32()];
          if (type === undefined) throw new ModuleFormatError(`import ${module}.${name}: no such type`);
          imports.push({ module, name, kind, type });
          functionTypes.push(type);
        } else {
          if (kind === 'table') r.byte();
          if (kind === 'table' || kind === 'memory') r.limits();
          if (kind === 'global') {
            r.valueType();
            r.byte();
          }
          imports.push({ module, name, kind });
        }
      } else if (id === 3) {
        const type = types[r.u32()];
        if (type === undefined) throw new ModuleFormatError('a function of no such type');
        functionTypes.push(type);
      } else if (id === 7) {
        const name = r.name();
        const kind = KINDS[r.byte()];
        if (kind === undefined) throw new ModuleFormatError(`export ${name} of an unknown kind`);
        rawExports.push({ name, kind, index: r.u32() });
      }
    }
    top.at = end;
  }
  const exports = rawExports.map(({ name, kind, index }): WasmExport => {
    if (kind !== 'function') return { name, kind };
    const type = functionTypes[index];
    if (type === undefined) throw new ModuleFormatError(`export ${name}: no such function`);
    return { name, kind, type };
  });
  return { imports, exports };
}

/**
 * The function type a WAMR native signature string stands for: "(ii*~)i" is (i32 x 4) -> i32.
 * i/I/f/F are i32/i64/f32/f64; '*', '~' and '$' (pointer, its length, a C string) are i32.
 */
export function signatureType(signature: string): FunctionType {
  const match = /^\(([iIfF*~$]*)\)([iIfF]?)$/.exec(signature);
  if (!match) throw new ModuleFormatError(`"${signature}" is not a WAMR signature`);
  const letter = (c: string): ValueType =>
    c === 'I' ? 'i64' : c === 'f' ? 'f32' : c === 'F' ? 'f64' : 'i32';
  const params = Array.from(match[1] ?? '', letter);
  const results = match[2] ? [letter(match[2])] : [];
  return { params, results };
}

export function formatType(type: FunctionType | undefined): string {
  if (type === undefined) return '?';
  return `(${type.params.join(', ')}) -> ${type.results.length ? type.results.join(', ') : '()'}`;
}

/**
 * The C source holding these module bytes (declared by firmware-bindings' hs_module.h). With
 * `inFlash` (an AOT file from `wamrc --xip`) the array goes to flash instead of RAM.
 */
export function embedC(bytes: Uint8Array, source: string, inFlash = false): string {
  const format = moduleFormat(bytes);
  if (inFlash && format !== 'aot') {
    throw new ModuleFormatError(
      "not an AOT file: the classic interpreter rewrites the bytecode while loading, so it cannot stay in flash (only a 'wamrc --xip' AOT file runs in place)",
    );
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const header = [
    `Generated by \`hetsyn firmware embed\` from ${source}: do not edit, regenerate.`,
    `${bytes.length} bytes of ${format === 'aot' ? 'WAMR AOT code' : 'WebAssembly bytecode'}, sha256 ${sha256}.`,
  ];
  if (format === 'bytecode') {
    const { imports, exports } = readWasmInterface(bytes);
    header.push('', 'Imports:');
    for (const i of imports)
      header.push(`  ${i.module}.${i.name} ${i.kind === 'function' ? formatType(i.type) : i.kind}`);
    if (imports.length === 0) header.push('  (none)');
    header.push('Exports the runner calls:');
    for (const name of RUNNER_EXPORTS) {
      const e = exports.find((x) => x.name === name && x.kind === 'function');
      header.push(`  ${name} ${e ? formatType(e.type) : 'MISSING'}`);
    }
  }
  header.push(
    '',
    ...(inFlash
      ? [
          'In flash (.rodata.hetsyn_module, which the linker scripts place in FLASH) and 4-byte aligned:',
          "an XIP AOT file runs in place and WAMR's loader does not write it. Not declared const, as",
          "WAMR's load call takes a writable buffer.",
        ]
      : [
          "Writable and 4-byte aligned: WAMR's classic interpreter rewrites opcodes in the buffer while",
          'loading, and an AOT file must be 4-byte aligned.',
        ]),
  );
  const rows: string[] = [];
  for (let at = 0; at < bytes.length; at += 16) {
    const row = Array.from(bytes.subarray(at, at + 16), (b) => `0x${b.toString(16).padStart(2, '0')}`);
    rows.push(`    ${row.join(', ')},`);
  }
  return [
    '/*',
    ...header.map((line) => (line ? ` * ${line}` : ' *')),
    ' */',
    '#include <stdint.h>',
    '',
    '#include "hetsyn/hs_module.h"',
    '',
    `__attribute__((aligned(4)${inFlash ? ', section(".rodata.hetsyn_module")' : ''})) uint8_t hetsyn_module[${bytes.length}] = {`,
    ...rows,
    '};',
    `const uint32_t hetsyn_module_bytes = ${bytes.length};`,
    '',
  ].join('\n');
}

export function firmwareCommand(): Command {
  const firmware = new Command('firmware').description(
    'helpers for firmware that runs hetsyn.wasm under WAMR (firmware-bindings/)',
  );
  firmware
    .command('embed')
    .description(
      'write the module (build/hetsyn.wasm, or a wamrc AOT file) as a C array for a firmware build',
    )
    .option('--wasm <file>', '.wasm or AOT file to embed', DEFAULT_WASM_PATH)
    .requiredOption('-o, --output <file>', 'C source file to write')
    .option(
      '--xip',
      "place the array in flash, not RAM: for an AOT file built with 'wamrc --xip' (docs/memory-budget.md)",
    )
    .option('--json', 'print {input, output, format, bytes, missingExports} as one JSON object on stdout')
    .action((opts: { wasm: string; output: string; xip?: boolean; json?: boolean }) => {
      const bytes = readInputFile(opts.wasm, 'module');
      let text: string;
      try {
        text = embedC(bytes, basename(opts.wasm), opts.xip === true);
      } catch (error) {
        if (error instanceof ModuleFormatError) {
          throw new CliError(`${opts.wasm}: ${error.message}`, ExitCode.input);
        }
        throw error;
      }
      // The firmware walk-through writes into build/firmware/, which a fresh clone does not have.
      try {
        mkdirSync(dirname(opts.output), { recursive: true });
      } catch (error) {
        throw outputError(dirname(opts.output), error);
      }
      writeOutputFile(opts.output, text);
      const format = moduleFormat(bytes);
      let missing: string[] = [];
      if (format === 'bytecode') {
        const { exports } = readWasmInterface(bytes);
        missing = RUNNER_EXPORTS.filter((n) => !exports.some((e) => e.name === n && e.kind === 'function'));
      }
      if (opts.json) {
        printJson({
          input: opts.wasm,
          output: opts.output,
          format,
          bytes: bytes.length,
          missingExports: missing,
        });
        return;
      }
      process.stderr.write(`wrote ${opts.output}: ${bytes.length} bytes of ${format}\n`);
      if (missing.length) {
        process.stderr.write(
          `warning: ${opts.wasm} exports no ${missing.join(' or ')}: the firmware's runner will refuse it\n`,
        );
      }
    });
  return firmware;
}
