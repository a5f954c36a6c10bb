/**
 * A copy of a WebAssembly MVP module that counts the instructions it executes: every basic block
 * starts by adding its own instruction count to an exported mutable i64 global (COUNTER_EXPORT).
 * The rewrite works on the binary itself, not on a re-emitted IR (a binaryen round trip would count
 * and run different code), so the counts are those of the very instructions the board's
 * interpreter dispatches. Branches are relative to their labels and no function, type or existing
 * global moves, so the original code stays byte for byte in place; only the counter's four
 * instructions are inserted, and they are not counted.
 *
 * With `perFunction`, each function also has its own counter, exported as `instructionCount.<i>`
 * for the i-th function of the code section (imports not counted), which each of its blocks adds
 * to as well: the same counts, split by where they were spent (bench/profile.ts).
 *
 * A basic block ends after an instruction that may transfer control (br, br_if, br_table, return,
 * unreachable, if, else) and before an instruction control can reach other than by falling through
 * (after `loop`, the head of its body; after `end`, the join). A call returns to the next
 * instruction, so it does not end a block: the callee counts its own.
 */

export const COUNTER_EXPORT = 'instructionCount';

/** The export of the per-function counter of the i-th function of the code section. */
export const functionCounterExport = (i: number): string => `${COUNTER_EXPORT}.${i}`;

class Reader {
  at = 0;
  constructor(readonly bytes: Uint8Array) {}

  byte(): number {
    const b = this.bytes[this.at++];
    if (b === undefined) throw new Error('wasm: unexpected end of module');
    return b;
  }

  skip(count: number): void {
    this.at += count;
  }

  /** An unsigned LEB128 of any width (a signed one is read past the same way, its value unused). */
  leb(): number {
    let value = 0;
    let scale = 1;
    for (;;) {
      const b = this.byte();
      value += (b & 0x7f) * scale;
      scale *= 128;
      if ((b & 0x80) === 0) return value;
    }
  }
}

/** A nonnegative integer as a signed LEB128 (i64.const's immediate): the top bit of the last byte is its sign. */
function sleb(value: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = value % 128;
    value = Math.floor(value / 128);
    if (value === 0 && (b & 0x40) === 0) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

function uleb(value: number): number[] {
  const out: number[] = [];
  do {
    let b = value % 128;
    value = Math.floor(value / 128);
    if (value > 0) b |= 0x80;
    out.push(b);
  } while (value > 0);
  return out;
}

const OP = {
  unreachable: 0x00,
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  else: 0x05,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  brTable: 0x0e,
  return: 0x0f,
  call: 0x10,
  callIndirect: 0x11,
  globalGet: 0x23,
  globalSet: 0x24,
  i64Const: 0x42,
  i64Add: 0x7c,
} as const;

/** MVP instructions without immediates outside the numeric ones (0x45-0xbf). */
const BARE = new Set<number>([OP.unreachable, 0x01, OP.else, OP.end, OP.return, 0x1a, 0x1b]);

/** Reads one instruction's immediates (the MVP's only: hetsyn.wasm is built with every proposal off). */
function skipImmediates(r: Reader, op: number): void {
  if (op === OP.block || op === OP.loop || op === OP.if) r.leb();
  else if (op === OP.br || op === OP.brIf || op === OP.call || (op >= 0x20 && op <= 0x24)) r.leb();
  else if (op === OP.brTable) {
    const targets = r.leb();
    for (let i = 0; i <= targets; i++) r.leb();
  } else if (op === OP.callIndirect || (op >= 0x28 && op <= 0x3e)) {
    r.leb();
    r.leb();
  } else if (op === 0x3f || op === 0x40) r.byte();
  else if (op === 0x41 || op === OP.i64Const) r.leb();
  else if (op === 0x43) r.skip(4);
  else if (op === 0x44) r.skip(8);
  else if (!BARE.has(op) && (op < 0x45 || op > 0xbf)) {
    throw new Error(`wasm: opcode 0x${op.toString(16)} is not MVP`);
  }
}

const ENDS_BLOCK = new Set<number>([
  OP.unreachable,
  OP.loop,
  OP.if,
  OP.else,
  OP.end,
  OP.br,
  OP.brIf,
  OP.brTable,
  OP.return,
]);

/** One function body with the counters' increments at the head of every basic block. */
function instrumentBody(body: Uint8Array, counters: readonly number[]): Uint8Array {
  const r = new Reader(body);
  for (let groups = r.leb(); groups > 0; groups--) {
    r.leb();
    r.byte();
  }
  const out: number[] = Array.from(body.subarray(0, r.at));
  const increment = (count: number): void => {
    for (const counter of counters) {
      out.push(OP.globalGet, ...uleb(counter), OP.i64Const, ...sleb(count), OP.i64Add);
      out.push(OP.globalSet, ...uleb(counter));
    }
  };
  let blockStart = r.at;
  let count = 0;
  const flush = (): void => {
    if (count > 0) increment(count);
    out.push(...body.subarray(blockStart, r.at));
    blockStart = r.at;
    count = 0;
  };
  while (r.at < body.length) {
    const op = r.byte();
    skipImmediates(r, op);
    count++;
    if (ENDS_BLOCK.has(op)) flush();
  }
  flush();
  return Uint8Array.from(out);
}

interface Section {
  id: number;
  body: Uint8Array;
}

function sections(bytes: Uint8Array): Section[] {
  const r = new Reader(bytes);
  r.at = 8;
  const list: Section[] = [];
  while (r.at < bytes.length) {
    const id = r.byte();
    const size = r.leb();
    list.push({ id, body: bytes.subarray(r.at, r.at + size) });
    r.skip(size);
  }
  return list;
}

function vector(items: readonly Uint8Array[]): Uint8Array {
  return Uint8Array.from([...uleb(items.length), ...items.flatMap((item) => Array.from(item))]);
}

/** A section's entries as they lie (their encodings, split by a reader of one entry). */
function entries(body: Uint8Array, readEntry: (r: Reader) => void): Uint8Array[] {
  const r = new Reader(body);
  const list: Uint8Array[] = [];
  for (let n = r.leb(); n > 0; n--) {
    const start = r.at;
    readEntry(r);
    list.push(body.subarray(start, r.at));
  }
  return list;
}

function readLimits(r: Reader): void {
  if (r.byte() & 1) r.leb();
  r.leb();
}

function readImport(r: Reader): number {
  r.skip(r.leb());
  r.skip(r.leb());
  const kind = r.byte();
  if (kind === 0) r.leb();
  else if (kind === 1) {
    r.byte();
    readLimits(r);
  } else if (kind === 2) readLimits(r);
  else r.skip(2);
  return kind;
}

function readGlobal(r: Reader): void {
  r.skip(2);
  for (let op = r.byte(); op !== OP.end; op = r.byte()) skipImmediates(r, op);
}

function readExport(r: Reader): void {
  r.skip(r.leb());
  r.byte();
  r.leb();
}

function readBody(r: Reader): void {
  r.skip(r.leb());
}

const SECTION = { import: 2, global: 6, export: 7, code: 10 } as const;

/** The counting copy of `wasm` (an MVP module); its counters start at 0 in every instance. */
export function instrumentWasm(wasm: Uint8Array, perFunction = false): Uint8Array<ArrayBuffer> {
  const list = sections(wasm);
  const find = (id: number): Section | undefined => list.find((s) => s.id === id);
  const importSection = find(SECTION.import);
  let importedGlobals = 0;
  if (importSection) {
    const r = new Reader(importSection.body);
    for (let n = r.leb(); n > 0; n--) if (readImport(r) === 3) importedGlobals++;
  }
  const globalSection = find(SECTION.global);
  const exportSection = find(SECTION.export);
  const code = find(SECTION.code);
  if (!globalSection || !exportSection || !code) throw new Error('wasm: expected globals, exports and code');
  const globals = entries(globalSection.body, readGlobal);
  const counter = importedGlobals + globals.length;
  const exports = entries(exportSection.body, readExport);
  const bodies = entries(code.body, readBody);
  const added = perFunction ? 1 + bodies.length : 1;
  const zero = Uint8Array.of(0x7e, 0x01, OP.i64Const, 0x00, OP.end);
  const exportOf = (label: string, global: number): Uint8Array => {
    const name = new TextEncoder().encode(label);
    return Uint8Array.of(...uleb(name.length), ...name, 0x03, ...uleb(global));
  };
  const counterExports = [exportOf(COUNTER_EXPORT, counter)];
  if (perFunction)
    bodies.forEach((_, i) => counterExports.push(exportOf(functionCounterExport(i), counter + 1 + i)));

  const replaced = new Map<number, Uint8Array>([
    [SECTION.global, vector([...globals, ...Array.from({ length: added }, () => zero)])],
    [SECTION.export, vector([...exports, ...counterExports])],
    [
      SECTION.code,
      vector(
        bodies.map((entry, i) => {
          const r = new Reader(entry);
          const size = r.leb();
          const counters = perFunction ? [counter, counter + 1 + i] : [counter];
          const body = instrumentBody(entry.subarray(r.at, r.at + size), counters);
          return Uint8Array.from([...uleb(body.length), ...body]);
        }),
      ),
    ],
  ]);
  const out: number[] = Array.from(wasm.subarray(0, 8));
  for (const { id, body } of list) {
    const replacement = replaced.get(id) ?? body;
    out.push(id, ...uleb(replacement.length));
    for (const b of replacement) out.push(b);
  }
  return Uint8Array.from(out);
}
