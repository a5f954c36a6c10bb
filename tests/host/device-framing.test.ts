/**
 * The device's framing (docs/protocol.md, "Framing") on the real build/hetsyn.wasm, in process:
 * hand-built frames in, the board's frames and counters out. Whatever arrives, bad input is
 * counted and skipped and the next good frame is answered. Also the JavaScript side of the ABI
 * (host/board/): pointer checks, the in-memory UART, NOR storage and power cuts.
 */

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { BoardAbiError, boardImports, BOARD_IMPORTS } from '../../host/wasm/board-imports.js';
import { ByteQueueUart } from '../../host/board/device.js';
import { FileStorage, MemoryStorage, PowerCutError } from '../../host/board/storage.js';
import { StorageStatus } from '../../host/wasm/storage-status.js';
import { writeHsm } from '../../host/model/hsm-writer.js';
import { REPO_ROOT, tinyModel } from './fixtures.js';
import {
  cobsEncode,
  crc16,
  decodeError,
  decodeInfo,
  ERR,
  frameBody,
  MAX_FRAME,
  MIN_FRAME,
  Out,
  T,
  TestBoard,
  wire,
  wireOf,
  type Info,
} from './device-harness.js';

const COUNTERS = [
  'framesOk',
  'badFrames',
  'overruns',
  'unknownTypes',
  'badRequests',
  'resultsDropped',
] as const;

function counters(info: Info): Record<(typeof COUNTERS)[number], number> {
  return Object.fromEntries(COUNTERS.map((k) => [k, info[k]])) as Record<(typeof COUNTERS)[number], number>;
}

/** Sends `bytes`, then a HELLO; returns the INFO and checks that nothing else was answered. */
function afterBytes(board: TestBoard, bytes: ArrayLike<number>, replies = 0): Info {
  const { replies: got } = board.exchange(Uint8Array.from(Array.from(bytes)));
  assert.equal(got.length, replies, 'replies to the bytes before HELLO');
  return board.hello();
}

describe('device framing', () => {
  it('computes CRC-16/CCITT-FALSE as the spec says (the harness too)', () => {
    assert.equal(crc16(new TextEncoder().encode('123456789')), 0x29b1);
  });

  it('uses the request types and ERROR codes of docs/protocol.md (assembly/protocol/codes.ts)', () => {
    const doc = readFileSync(join(REPO_ROOT, 'docs/protocol.md'), 'utf8');
    const codes = readFileSync(join(REPO_ROOT, 'assembly/protocol/codes.ts'), 'utf8');
    const constant = (name: string): number | undefined => {
      const m = new RegExp(`export const ${name}: [iu]32 = (0x[0-9a-f]+|\\d+);`).exec(codes);
      return m ? Number(m[1]) : undefined;
    };
    const errors = [...doc.matchAll(/^\| (\d+) \| ([A-Z_]+) \|/gm)];
    assert.equal(errors.length, 13);
    for (const [, code, name] of errors) assert.equal(constant(name), Number(code), name);
    const requests = [
      ...doc.matchAll(/^\| (0x[0-9A-F]{2}) \| ([A-Z_]+) \| .* \| ([A-Z_]+) \((0x[0-9A-F]{2})\) \|/gm),
    ];
    assert.equal(requests.length, 10);
    for (const [, type, name, , reply] of requests) {
      assert.equal(constant(`T_${name}`), Number(type), name);
      const replyType = Number(reply);
      assert.ok(
        replyType === (Number(type) | 0x80) || [0x90, 0x93].includes(replyType),
        `${name} -> ${reply}`,
      );
    }
  });

  it('answers HELLO with INFO: versions, limits, storage, no model, counters', () => {
    const board = new TestBoard({ slotBytes: 4096 });
    assert.equal(board.initStatus, 0);
    const reply = board.request(T.HELLO, [], 0x42);
    assert.equal(reply.type, T.INFO);
    assert.equal(reply.seq, 0x42);
    const info = decodeInfo(reply.payload);
    assert.deepEqual(info, {
      protocolVersion: 3,
      abiVersion: 3,
      engineVersion: 1,
      formatVersion: 3,
      maxFrame: MAX_FRAME,
      flags: 0,
      storageBytes: 4096,
      activeSlot: 0xff,
      generation: 0,
      modelBytes: 0,
      modelCrc: 0,
      modelName: '',
      uploadOffset: 0,
      uploadSize: 0,
      framesOk: 1,
      badFrames: 0,
      overruns: 0,
      unknownTypes: 0,
      badRequests: 0,
      resultsDropped: 0,
      frontend: { sampleRateHz: 0, bands: 0, windowMs: 0, hopMs: 0, thresholdQ8: 0 },
    });
    assert.deepEqual(board.logs, ['hetsyn: no valid model stored; slot bytes 4096']);
  });

  it('reports the loaded model in INFO', () => {
    const board = new TestBoard();
    const model = writeHsm(tinyModel());
    board.install(model);
    const info = board.hello();
    assert.equal(info.flags & 1, 1);
    assert.equal(info.modelName, 'tiny');
    assert.equal(info.modelBytes, model.length);
    assert.equal(info.activeSlot, 0);
    assert.equal(info.generation, 1);
  });

  it('skips garbage without a delimiter, counting it once as a bad frame', () => {
    const board = new TestBoard();
    const garbage = Array.from({ length: 40 }, (_, i) => (i * 37 + 1) & 0xff || 1);
    const info = afterBytes(board, [...garbage, 0]);
    assert.deepEqual(counters(info), { ...counters(info), framesOk: 1, badFrames: 1, overruns: 0 });
  });

  it('skips a partial frame cut by a delimiter (bad COBS, then bad CRC)', () => {
    const board = new TestBoard();
    const full = wire(T.HELLO, 1, [1, 2, 3, 4, 5, 6, 7, 8]);
    // Cut inside the only block: the delimiter comes before the block's bytes did.
    const cut = [...full.subarray(0, 5), 0];
    // A frame whose block structure is fine but whose CRC is not (two blocks, the second cut short).
    const body = frameBody(T.HELLO, 2, [0, 9, 9, 9]);
    const cutBlocks = wireOf(body.subarray(0, 5));
    const info = afterBytes(board, [...cut, ...cutBlocks]);
    assert.equal(info.badFrames, 2);
    assert.equal(info.framesOk, 1);
  });

  it('skips a frame with a bad CRC and frames shorter than 4 bytes', () => {
    const board = new TestBoard();
    const body = frameBody(T.HELLO, 3);
    body[body.length - 1] ^= 0x40;
    const short = [wireOf([T.HELLO]), wireOf([T.HELLO, 4]), wireOf([T.HELLO, 5, 0])];
    const info = afterBytes(board, [...wireOf(body), ...short.flatMap((w) => Array.from(w))]);
    assert.equal(info.badFrames, 4);
    assert.equal(info.framesOk, 1);
  });

  it('ignores empty frames (lone delimiters) without counting them', () => {
    const board = new TestBoard();
    const info = afterBytes(board, [0, 0, 0, ...wire(T.HELLO, 9), 0, 0], 1);
    assert.deepEqual(counters(info), { ...counters(info), framesOk: 2, badFrames: 0, overruns: 0 });
  });

  it('counts an oversize frame as an overrun and resynchronises at the next delimiter', () => {
    const board = new TestBoard();
    // HELLO ignores its payload: a body of exactly maxFrame is accepted, one more byte is not.
    const fits = wire(T.HELLO, 1, new Uint8Array(MAX_FRAME - 4).fill(7));
    const tooLong = wire(T.HELLO, 2, new Uint8Array(MAX_FRAME - 3).fill(7));
    const { replies } = board.exchange(Uint8Array.from([...fits, ...tooLong]));
    assert.deepEqual(
      replies.map((f) => [f.type, f.seq]),
      [[T.INFO, 1]],
    );
    const info = board.hello();
    assert.equal(info.overruns, 1);
    assert.equal(info.framesOk, 2);
    assert.equal(info.badFrames, 0);
  });

  it('counts a long run of bytes without a delimiter as one overrun', () => {
    const board = new TestBoard();
    const info = afterBytes(board, [...new Uint8Array(5000).fill(0x55), 0]);
    assert.equal(info.overruns, 1);
    assert.equal(info.badFrames, 0);
  });

  it('honours a lowered maxFrame, clamped to [64, MAX_FRAME], and reports it in INFO', () => {
    const board = new TestBoard({ maxFrame: 100 });
    assert.equal(board.hello().maxFrame, 100);
    assert.equal(board.device.setMaxFrame(10), MIN_FRAME);
    assert.equal(board.device.setMaxFrame(100000), MAX_FRAME);
    assert.equal(board.device.setMaxFrame(-5), MIN_FRAME);
    board.device.setMaxFrame(MIN_FRAME);
    const fits = wire(T.HELLO, 1, new Uint8Array(MIN_FRAME - 4));
    const tooLong = wire(T.HELLO, 2, new Uint8Array(MIN_FRAME - 3));
    const { replies } = board.exchange(Uint8Array.from([...fits, ...tooLong]));
    assert.deepEqual(
      replies.map((f) => f.seq),
      [1],
    );
    const info = board.hello();
    assert.equal(info.maxFrame, MIN_FRAME);
    assert.equal(info.overruns, 1);
  });

  it('answers an unknown request type with UNKNOWN_TYPE and ignores frames of reply types', () => {
    const board = new TestBoard();
    const unknown = board.request(0x3e, [1, 2, 3], 17);
    assert.equal(unknown.type, T.ERROR);
    assert.deepEqual(decodeError(unknown.payload), { requestType: 0x3e, code: ERR.UNKNOWN_TYPE, detail: 0 });
    assert.equal(board.request(0x00, [], 18).type, T.ERROR);
    // A reply-type frame (looped back, or from another board) gets no answer, or two boards on one
    // line would answer each other forever.
    const info = afterBytes(board, [...wire(T.INFO, 19), ...wire(T.ERROR, 20, [1, 2, 0, 0, 0, 0])]);
    assert.equal(info.unknownTypes, 4);
    assert.equal(info.framesOk, 5);
  });

  it('answers a request with a bad payload length with BAD_REQUEST and counts it', () => {
    const board = new TestBoard();
    assert.equal(board.error(T.UPLOAD_BEGIN, [1, 2, 3]).code, ERR.BAD_REQUEST);
    assert.equal(board.error(T.UPLOAD_CHUNK, [1, 2, 3]).code, ERR.BAD_REQUEST);
    assert.equal(board.error(T.COMMIT, [0]).code, ERR.BAD_REQUEST);
    assert.equal(board.error(T.STREAM_START, [0]).code, ERR.BAD_REQUEST);
    assert.equal(board.hello().badRequests, 4);
  });

  it('decodes frames fed one byte per uart_read', () => {
    const board = new TestBoard({ uart: { readChunk: 1 } });
    const chunk = new Out()
      .u32(0)
      .raw(Array.from({ length: 240 }, (_, i) => (i % 3 === 0 ? 0 : i)))
      .done();
    const bytes = Uint8Array.from([0x77, 0x88, 0, ...wire(T.HELLO, 1), ...wire(T.UPLOAD_CHUNK, 2, chunk)]);
    const { replies } = board.exchange(bytes);
    assert.deepEqual(
      replies.map((f) => [f.type, f.seq]),
      [
        [T.INFO, 1],
        [T.ERROR, 2],
      ],
    );
    assert.equal(decodeError(replies[1]?.payload ?? new Uint8Array()).code, ERR.NO_UPLOAD);
    assert.ok(board.uart.reads > bytes.length, `${board.uart.reads} reads`);
    assert.equal(board.hello().badFrames, 1);
  });

  it('decodes a full 0xFF block (254 non-zero bytes in a row)', () => {
    const board = new TestBoard();
    const payload = Array.from({ length: MAX_FRAME - 4 }, (_, i) => 1 + (i % 255));
    assert.ok(cobsEncode(frameBody(T.HELLO, 5, payload)).includes(0xff));
    assert.equal(board.request(T.HELLO, payload, 5).type, T.INFO);
    assert.equal(board.hello().badFrames, 0);
  });

  it('answers frames queued back to back, one per poll', () => {
    const board = new TestBoard();
    board.begin(600, 0);
    const data = Uint8Array.from({ length: 248 }, (_, i) => 1 + (i % 255));
    const frames = [0, 248, 496].map((offset, i) =>
      wire(
        T.UPLOAD_CHUNK,
        10 + i,
        new Out()
          .u32(offset)
          .raw(data.subarray(0, Math.min(248, 600 - offset)))
          .done(),
      ),
    );
    const { replies } = board.exchange(Uint8Array.from(frames.flatMap((f) => Array.from(f))));
    assert.deepEqual(
      replies.map((f) => [f.type, f.seq]),
      [
        [T.UPLOAD_STATUS, 10],
        [T.UPLOAD_STATUS, 11],
        [T.UPLOAD_STATUS, 12],
      ],
    );
    assert.equal(board.hello().uploadOffset, 600);
    const stored = board.storage.read(0, 16, 248); // no model yet: the upload goes to slot 0
    assert.deepEqual(stored, data);
  });

  it('keeps what uart_write did not take and offers it again (partial writes)', () => {
    const board = new TestBoard({ uart: { writeChunk: 3, txCapacity: 20 } });
    board.uart.push(wire(T.HELLO, 5));
    const received: number[] = [];
    for (let polls = 0; polls < 1000 && !received.includes(0); polls++) {
      board.device.poll();
      received.push(...board.uart.take());
    }
    assert.ok(board.uart.writes > 10, `${board.uart.writes} writes`);
    const frames = board.decoder.push(Uint8Array.from(received));
    assert.equal(frames.length, 1);
    assert.equal(frames[0]?.type, T.INFO);
    assert.equal(decodeInfo(frames[0]?.payload ?? new Uint8Array()).framesOk, 1);
  });

  it('reads no new request while the transmitter cannot take a reply (back-pressure), loses nothing', () => {
    const board = new TestBoard({ uart: { txCapacity: 0 } });
    const requests = Array.from({ length: 100 }, (_, i) => Array.from(wire(T.HELLO, i)));
    board.uart.push(requests.flat());
    for (let i = 0; i < 200; i++) board.device.poll();
    assert.ok(board.uart.pending > 0, 'the board stopped reading');
    assert.equal(board.device.poll(), 0, 'a blocked board is idle');
    // Open the line: every request gets its reply, in order.
    board.uart.txCapacity = Infinity;
    const { replies } = board.exchange(new Uint8Array(0));
    assert.deepEqual(
      replies.map((f) => f.seq),
      requests.map((_, i) => i),
    );
  });
});

describe('board ABI in JavaScript (host/board/)', () => {
  const memory = new WebAssembly.Memory({ initial: 1 });
  const env = boardImports(
    { uart: new ByteQueueUart(), storage: new MemoryStorage({ slotBytes: 64 }) },
    () => memory,
  ).env as unknown as Record<string, (...args: number[]) => number>;

  it('provides exactly the imports of docs/board-abi.md', () => {
    assert.deepEqual(Object.keys(env).sort(), [...BOARD_IMPORTS].sort());
    const doc = readFileSync(new URL('../../../docs/board-abi.md', import.meta.url), 'utf8');
    for (const name of BOARD_IMPORTS) assert.match(doc, new RegExp('\\| `' + name + '\\('), name);
  });

  it('rejects buffers outside linear memory, as WAMR does', () => {
    const end = memory.buffer.byteLength;
    assert.throws(() => env.uart_read?.(end - 2, 4), BoardAbiError);
    assert.throws(() => env.uart_write?.(-1, 4), BoardAbiError);
    assert.throws(() => env.storage_write?.(0, 0, end, 1), BoardAbiError);
    assert.throws(() => env.storage_read?.(0, 0, 0, -1), BoardAbiError);
    assert.throws(() => env.log?.(end, 1), BoardAbiError);
    assert.equal(env.uart_read?.(end - 4, 4), 0);
    assert.equal(env.storage_read?.(0, 0, end - 64, 64), 0);
  });

  it('fails storage calls on a bad slot or range with a negative status', () => {
    assert.equal(env.storage_erase?.(2), -1);
    assert.equal(env.storage_write?.(-1, 0, 0, 1), -1);
    assert.ok((env.storage_read?.(0, 60, 0, 8) ?? 0) < 0);
    assert.equal(env.storage_bytes?.(), 64);
  });

  it('has inert defaults for host simulation', () => {
    const inert = boardImports({ uart: null, storage: null }, () => memory).env as unknown as Record<
      string,
      (...args: number[]) => number
    >;
    assert.equal(inert.uart_read?.(0, 16), 0);
    assert.equal(inert.uart_write?.(0, 16), 16);
    assert.equal(inert.storage_bytes?.(), 0);
    assert.ok((inert.storage_erase?.(0) ?? 0) < 0);
    assert.ok((inert.storage_read?.(0, 0, 0, 4) ?? 0) < 0);
    assert.equal(inert.clock_us?.(), 0);
  });

  it('MemoryStorage has NOR semantics: erase to 0xFF, write only into erased bytes', () => {
    const storage = new MemoryStorage({ slotBytes: 32 });
    assert.deepEqual(storage.read(1, 0, 4), Uint8Array.of(255, 255, 255, 255));
    assert.equal(storage.write(1, 2, Uint8Array.of(1, 2)), 0);
    assert.equal(storage.write(1, 3, Uint8Array.of(9)), StorageStatus.NOT_ERASED);
    assert.equal(storage.write(1, 31, Uint8Array.of(1, 2)), StorageStatus.RANGE);
    assert.equal(storage.read(0, 30, 4), null);
    assert.equal(storage.erase(1), 0);
    assert.equal(storage.write(1, 3, Uint8Array.of(9)), 0);
    assert.equal(
      storage.read(0, 0, 32)?.every((b) => b === 0xff),
      true,
    );
  });

  it('cuts power in the middle of a write, keeping exactly the bytes before the cut', () => {
    const totals: number[] = [];
    const storage = new MemoryStorage({
      slotBytes: 32,
      powerCutAfterBytes: 5,
      onWrite: (n) => totals.push(n),
    });
    assert.equal(storage.write(0, 0, Uint8Array.of(1, 2, 3)), 0);
    assert.throws(() => storage.write(0, 3, Uint8Array.of(4, 5, 6)), PowerCutError);
    assert.deepEqual(totals, [3]);
    assert.deepEqual(storage.read(0, 0, 6), Uint8Array.of(1, 2, 3, 4, 5, 255));
  });

  describe('FileStorage', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hetsyn-storage-'));
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('creates one 0xFF-filled file for both slots and writes through to it', () => {
      const path = join(dir, 'slots.bin');
      const storage = FileStorage.open(path, { slotBytes: 100 });
      assert.equal(statSync(path).size, 200);
      assert.equal(storage.write(1, 10, Uint8Array.of(7, 8)), 0);
      // On disk before close: a process killed now leaves these bytes.
      const disk = readFileSync(path);
      assert.deepEqual([disk[109], disk[110], disk[111]], [255, 7, 8]);
      storage.close();
      const again = FileStorage.open(path, { slotBytes: 100 });
      assert.deepEqual(again.read(1, 10, 2), Uint8Array.of(7, 8));
      assert.equal(again.write(1, 10, Uint8Array.of(1)), StorageStatus.NOT_ERASED);
      assert.equal(again.erase(1), 0);
      assert.deepEqual(Uint8Array.from(readFileSync(path).subarray(100, 200)), new Uint8Array(100).fill(255));
      again.close();
      assert.throws(() => FileStorage.open(path, { slotBytes: 50 }), RangeError);
    });

    it('leaves on disk what was written before a power cut', () => {
      const path = join(dir, 'cut.bin');
      const storage = FileStorage.open(path, { slotBytes: 16, powerCutAfterBytes: 4 });
      assert.throws(() => storage.write(0, 0, Uint8Array.of(1, 2, 3, 4, 5, 6)), PowerCutError);
      storage.close();
      assert.deepEqual(
        Uint8Array.from(readFileSync(path).subarray(0, 7)),
        Uint8Array.of(1, 2, 3, 4, 255, 255, 255),
      );
    });
  });
});
