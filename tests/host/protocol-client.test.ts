/**
 * The protocol client, upload and stream logic against the real device (build/hetsyn.wasm on
 * MemoryStorage, wired-board.ts) over the in-memory transport, with frames lost, held back,
 * duplicated or corrupted on the way: seq matching, stale replies, retries and link timeouts,
 * device errors as values, resumable uploads, a board losing power mid-upload, the stream window,
 * go-back-N, and in-order results that equal the host's own engine.
 *
 * Three tests need a reply the device never sends (a stale malformed INFO, an INFO of another
 * protocol version, an UPLOAD_STATUS for another file), and one a request runStream never sends (a
 * channel the model lacks): those rewrite the real frame on the wire, and say so.
 */

import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { BoardClient } from '../../host/protocol/client.js';
import { LinkTimeoutError, ProtocolError } from '../../host/protocol/errors.js';
import { LinkClosedError } from '../../host/transport/errors.js';
import type { Frame } from '../../host/protocol/frame.js';
import { formatDeviceError } from '../../host/protocol/device-errors.js';
import { describeStatus, statusCode } from '../../host/model/errors.js';
import { encodeSpikes, MessageType, PROTOCOL_VERSION } from '../../host/protocol/messages.js';
import { MemoryStorage } from '../../host/board/storage.js';
import {
  flashModel,
  modelHash,
  ModelHashError,
  uploadModel,
  type UploadProgress,
} from '../../host/protocol/upload.js';
import { planFrames, StreamInputError } from '../../host/protocol/spikes-planner.js';
import { runStream, type StreamStep } from '../../host/protocol/stream.js';
import { MemoryTransport, type WireFilter } from '../../host/transport/memory.js';
import { Prng } from '../../host/util/prng.js';
import { edited, FILE_FIELD, poke } from './fixtures.js';
import { boardModel, Bytes, expectedRun, SLOT_HEADER_BYTES, WiredBoard } from './wired-board.js';
import { sleep } from '../../host/util/sleep.js';

/** Timeouts shrunk 10x: 500 ms -> 50 ms, 5 s -> 500 ms. */
const FAST = { timeScale: 0.1, firstSeq: 0 };
/**
 * Full, fixed timeouts, for the tests that count frames, retries or chunks: the first call into a
 * fresh .wasm instance (lazily compiled) or a loaded machine can take longer than a shrunk
 * adaptive wait (10 ms before a round trip is measured), and a spurious retry would be counted.
 */
const STEADY = { timeScale: 1, firstSeq: 0, adaptive: false };

function plug(
  board: WiredBoard,
  filters: { hostToBoard?: WireFilter; boardToHost?: WireFilter } = {},
): { host: MemoryTransport; boardEnd: MemoryTransport } {
  const [host, boardEnd] = MemoryTransport.pair(filters);
  board.attach(boardEnd);
  return { host, boardEnd };
}

async function connected(
  board: WiredBoard,
  options: { timeScale: number; firstSeq: number; adaptive?: boolean } = FAST,
): Promise<BoardClient> {
  return BoardClient.connect(plug(board).host, options);
}

/** Flashes `bytes` over a link of its own and unplugs it: a board that already runs a model. */
async function flashed(board: WiredBoard, bytes: Uint8Array): Promise<void> {
  const client = await connected(board);
  const outcome = await flashModel(client, bytes);
  assert.ok(outcome.ok, JSON.stringify(outcome));
  await client.close();
  board.clearLog();
}

function train(steps: number, seed = 3, inputs = 16): number[][] {
  const prng = new Prng(seed);
  return Array.from({ length: steps }, () =>
    Array.from({ length: prng.int(4) }, () => prng.int(inputs)).sort((a, b) => a - b),
  );
}

const count = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('client: requests and replies', () => {
  it('says HELLO on connect and reads INFO', async () => {
    const board = new WiredBoard({ maxFrame: 96, slotBytes: 2048 });
    const client = await connected(board, STEADY);
    assert.equal(client.info?.protocolVersion, PROTOCOL_VERSION);
    assert.equal(client.info?.maxFrame, 96);
    assert.equal(client.info?.storageBytes, 2048);
    assert.equal(client.info?.activeSlot, null);
    assert.equal(client.info?.modelLoaded, false);
    assert.equal(client.info?.engineVersion, board.device.exports.engineVersion());
    assert.deepEqual(
      [client.info?.counters.framesOk, client.info?.counters.badFrames],
      [1, 0],
      'the HELLO itself, and nothing bad',
    );
    await client.close();
  });

  it('matches replies by seq and drops a stale one', async () => {
    const board = new WiredBoard();
    // Before each INFO, a frame with a seq no request has (scripted on the wire: the device never
    // sends one): the client must skip it.
    board.onReply = (f) =>
      f.type === MessageType.INFO
        ? [{ type: f.type, seq: (f.seq + 77) & 0xff, payload: new Uint8Array(3) }, f] // stale and malformed
        : 'deliver';
    const client = await connected(board, STEADY);
    const info = await client.hello();
    assert.equal(info.maxFrame, board.maxFrame);
    assert.equal(client.stats.staleReplies, 2);
    assert.equal(client.stats.retries, 0);
    await client.close();
  });

  it('increments seq per request, wrapping', async () => {
    const board = new WiredBoard();
    const client = await BoardClient.connect(plug(board).host, { ...STEADY, firstSeq: 254 });
    await client.hello();
    await client.hello();
    assert.deepEqual(
      board.arrived.map((f) => f.seq),
      [254, 255, 0],
    );
    assert.deepEqual(
      board.sent.map((f) => [f.type, f.seq]),
      [
        [MessageType.INFO, 254],
        [MessageType.INFO, 255],
        [MessageType.INFO, 0],
      ],
    );
    await client.close();
  });

  it('keeps several requests in flight and resolves each with its own reply', async () => {
    const board = new WiredBoard();
    const client = await connected(board);
    const replies = await Promise.all([client.hello(), client.uploadEnd(), client.hello()]);
    assert.equal(replies[0].maxFrame, board.maxFrame);
    const end = replies[1];
    assert.ok(!end.ok);
    assert.equal(end.error.name, 'NO_UPLOAD');
    assert.equal(replies[2].maxFrame, board.maxFrame);
    await client.close();
  });

  it('retries after a timeout, with the same seq, and takes the reply to the retry', async () => {
    const board = new WiredBoard();
    const client = await connected(board, STEADY);
    let helloCount = 0;
    board.onRequest = (frame) => (frame.type === MessageType.HELLO && helloCount++ < 2 ? 'drop' : 'deliver');
    const info = await client.hello();
    assert.equal(info.maxFrame, board.maxFrame);
    assert.equal(client.stats.retries, 2);
    const hellos = board.arrivedOf(MessageType.HELLO).slice(1);
    assert.equal(hellos.length, 3);
    assert.equal(new Set(hellos.map((f) => f.seq)).size, 1, 'one seq for all tries');
    assert.equal(board.sentOf(MessageType.INFO).length, 2, 'the device saw the connect and the third try');
    await client.close();
  });

  it('throws LinkTimeoutError after 1 + 4 tries of a quick request (no round trip measured yet)', async () => {
    const board = new WiredBoard();
    // Tries of 50 ms, not shorter: a try cut short by a stalled event loop would count as the last.
    const client = await connected(board, { ...FAST, adaptive: false });
    board.onRequest = () => 'drop';
    await assert.rejects(client.hello(), (error: unknown) => {
      assert.ok(error instanceof LinkTimeoutError);
      assert.equal(error.attempts, 5);
      assert.match(error.message, /no reply to HELLO after 5 tries over \d+ ms/);
      assert.ok(error.waitedMs >= 245, `${error.waitedMs}`);
      return true;
    });
    // UPLOAD_BEGIN is a slow request: 1 + 2 tries of 500 ms.
    await assert.rejects(client.uploadBegin(10, 0), (error: unknown) => {
      assert.ok(error instanceof LinkTimeoutError);
      assert.equal(error.attempts, 3);
      assert.ok(error.waitedMs >= 1490, `${error.waitedMs}`);
      return true;
    });
    await client.close();
  });

  it('asks again sooner once it knows the round trip, but gives up no sooner than the docs say', async () => {
    const board = new WiredBoard();
    const client = await connected(board, { timeScale: 1, firstSeq: 0 });
    for (let i = 0; i < 5; i++) await client.hello(); // round-trip samples of a few ms
    assert.ok(client.retransmitMs('HELLO') < 100, `${client.retransmitMs('HELLO')}`);
    let dropped = 0;
    board.onRequest = (f) => (f.type === MessageType.HELLO && dropped++ < 1 ? 'drop' : 'deliver');
    const started = performance.now();
    await client.hello();
    assert.ok(performance.now() - started < 250, 'retried before the 500 ms timeout');
    board.onRequest = () => 'drop';
    const silent = performance.now();
    await assert.rejects(client.hello(), LinkTimeoutError);
    assert.ok(performance.now() - silent >= 2490, 'dead only after 5 x 500 ms');
    await client.close();
  });

  it('returns a device error as a value with the table text', async () => {
    const board = new WiredBoard();
    const client = await connected(board);
    const result = await client.commit();
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.deepEqual(result.error, {
      requestType: MessageType.COMMIT,
      code: 4,
      name: 'NO_UPLOAD',
      message: 'UPLOAD_CHUNK/END/COMMIT without a matching upload in progress',
      detail: 0,
    });
    assert.equal(
      formatDeviceError('commit the model', result.error),
      'Failed to commit the model: NO_UPLOAD (UPLOAD_CHUNK/END/COMMIT without a matching upload in progress)',
    );
    await client.close();
  });

  it('fails requests in flight with LinkClosedError when the link closes', async () => {
    const board = new WiredBoard();
    const { host, boardEnd } = plug(board);
    const client = await BoardClient.connect(host, { ...FAST, timeScale: 1 });
    board.onRequest = () => 'drop';
    const pending = client.hello();
    setTimeout(() => void boardEnd.close(), 5);
    await assert.rejects(pending, LinkClosedError);
    await assert.rejects(client.hello(), LinkClosedError);
  });

  it('gives the oldest one-try request up, timed out, when all 256 seqs wait for a reply', async () => {
    const board = new WiredBoard();
    const client = await connected(board, STEADY);
    board.onRequest = () => 'drop';
    // Stream frames sent faster than they time out, as go-back-N on a noisy line can.
    const sent = Array.from({ length: 300 }, () => client.send('STREAM_STOP', new Uint8Array(0)));
    const outcomes = await Promise.allSettled(sent.slice(0, 44));
    assert.ok(
      outcomes.every((o) => o.status === 'rejected' && o.reason instanceof LinkTimeoutError),
      'the 44 oldest gave their seqs up as timeouts',
    );
    await client.close();
    await Promise.allSettled(sent);
  });

  it('refuses a board of another protocol version, naming both', async () => {
    const board = new WiredBoard();
    // The device's own INFO with its version field changed on the wire (scripted: this device
    // speaks version 3 only).
    board.onReply = (f) => {
      if (f.type !== MessageType.INFO) return 'deliver';
      const payload = Uint8Array.from(f.payload);
      payload[0] = 4;
      payload[1] = 0;
      return [{ ...f, payload }];
    };
    await assert.rejects(connected(board), (error: unknown) => {
      assert.ok(error instanceof ProtocolError);
      assert.match(error.message, /protocol version 4; this host speaks version 3/);
      return true;
    });
  });

  it('hands RESULT frames to the listener, whatever their seq', async () => {
    const board = new WiredBoard();
    await flashed(board, boardModel({ hidden: 6 }).bytes);
    const client = await connected(board);
    const got: Frame[] = [];
    client.onResult((f) => got.push(f));
    // The RESULT arrives once with the SPIKES it answers in flight, and once more held back on the
    // wire until after the ack, when its seq belongs to no request.
    let held: Frame | undefined;
    board.onReply = (f) => {
      if (f.type === MessageType.RESULT) held = f;
      return f.type === MessageType.SPIKES_ACK && held ? [f, held] : 'deliver';
    };
    assert.ok((await client.streamStart(0, 0)).ok);
    const ack = await client.request('SPIKES', encodeSpikes(0, [[1, 4]]));
    assert.ok(ack.ok);
    await client.hello();
    assert.equal(got.length, 2);
    assert.deepEqual(got[1], got[0]);
    assert.equal(board.sentOf(MessageType.RESULT).length, 1, 'the device ran the step once');
    await client.close();
  });
});

describe('upload', () => {
  it('flashes a model in chunks sized from maxFrame, verifies and commits', async () => {
    const board = new WiredBoard({ maxFrame: 64 });
    const client = await connected(board, STEADY);
    const { bytes } = boardModel({ minBytes: 1000 });
    const progress: UploadProgress[] = [];
    const outcome = await flashModel(client, bytes, (p) => progress.push(p));
    assert.equal(outcome.ok, true);
    if (!outcome.ok) return;
    assert.deepEqual(
      { slot: outcome.slot, generation: outcome.generation, size: outcome.size, crc: outcome.crc32 },
      { slot: 0, generation: 1, size: bytes.length, crc: modelHash(bytes) },
    );
    assert.deepEqual(board.active(), { slot: 0, generation: 1, bytes });
    assert.ok(board.device.modelLoaded);
    const chunks = board.arrivedOf(MessageType.UPLOAD_CHUNK);
    // maxFrame 64 = type + seq + offset u32 + 56 data + crc16.
    assert.equal(chunks[0]?.payload.length, 4 + 56);
    assert.equal(chunks.length, Math.ceil(bytes.length / 56));
    assert.deepEqual(progress[0], { offset: 0, size: bytes.length, resumedFrom: 0 });
    assert.equal(progress.at(-1)?.offset, bytes.length);
    const info = await client.hello();
    assert.deepEqual(
      [info.activeSlot, info.generation, info.modelBytes, info.modelCrc, info.modelName, info.uploading],
      [0, 1, bytes.length, modelHash(bytes), 'wired', false],
    );
    await client.close();
  });

  it('resumes from the offset the board reports at UPLOAD_BEGIN', async () => {
    const board = new WiredBoard({ maxFrame: 64 });
    const { bytes } = boardModel({ minBytes: 500 });
    // An earlier host got 224 bytes across, then went away.
    const earlier = await connected(board);
    assert.ok((await earlier.uploadBegin(bytes.length, modelHash(bytes))).ok);
    for (let at = 0; at < 224; at += 56) {
      const status = await earlier.uploadChunk(at, bytes.subarray(at, at + 56));
      assert.ok(status.ok && status.reply.offset === at + 56);
    }
    await earlier.close();
    board.clearLog();
    const client = await connected(board);
    assert.deepEqual([client.info?.uploading, client.info?.uploadOffset], [true, 224]);
    const outcome = await flashModel(client, bytes);
    assert.ok(outcome.ok);
    assert.equal(outcome.resumedFrom, 224);
    const firstChunk = board.arrivedOf(MessageType.UPLOAD_CHUNK)[0]?.payload ?? new Uint8Array(4);
    assert.equal(new DataView(firstChunk.buffer, firstChunk.byteOffset).getUint32(0, true), 224);
    assert.deepEqual(board.active()?.bytes, bytes);
    assert.equal(board.storage.bytesWritten, bytes.length + SLOT_HEADER_BYTES, 'no byte written twice');
    await client.close();
  });

  it('always sends from the offset the board names, not the one it planned', async () => {
    const board = new WiredBoard({ maxFrame: 64 });
    const client = await connected(board);
    // Lose every fifth chunk reply: the retry finds the board already past it.
    let n = 0;
    board.onReply = (f) => (f.type === MessageType.UPLOAD_STATUS && ++n % 5 === 0 ? 'drop' : 'deliver');
    const { bytes } = boardModel({ minBytes: 800, seed: 2 });
    const outcome = await flashModel(client, bytes);
    assert.ok(outcome.ok);
    assert.deepEqual(board.active()?.bytes, bytes);
    assert.equal(board.storage.bytesWritten, bytes.length + SLOT_HEADER_BYTES, 'no byte written twice');
    assert.ok(client.stats.timeouts > 0);
    await client.close();
  });

  it('resumes after the link drops mid-upload: reconnect, call again, continue at the board offset', async () => {
    const board = new WiredBoard({ maxFrame: 64 });
    const { bytes } = boardModel({ minBytes: 2000, seed: 4 });
    const first = plug(board);
    const client1 = await BoardClient.connect(first.host, FAST);
    let dropAt = 0;
    await assert.rejects(async () => {
      for await (const p of uploadModel(client1, bytes)) {
        if (p.offset >= 1000) {
          dropAt = p.offset;
          await first.boardEnd.close(); // cable pulled
        }
      }
    }, LinkClosedError);

    const client2 = await BoardClient.connect(plug(board).host, FAST);
    assert.ok(client2.info?.uploading);
    assert.ok((client2.info?.uploadOffset ?? 0) >= dropAt, `${client2.info?.uploadOffset} >= ${dropAt}`);
    const progress: UploadProgress[] = [];
    const outcome = await flashModel(client2, bytes, (p) => progress.push(p));
    assert.ok(outcome.ok);
    assert.equal(progress[0]?.resumedFrom, dropAt);
    assert.deepEqual(board.active()?.bytes, bytes);
    assert.equal(board.storage.bytesWritten, bytes.length + SLOT_HEADER_BYTES, 'no byte written twice');
    await client2.close();
  });

  it('a board that loses power mid-upload keeps its old model; flashing again starts over', async () => {
    const old = boardModel({ minBytes: 300, seed: 7, name: 'old' }).bytes;
    const { bytes } = boardModel({ minBytes: 1200, seed: 8, name: 'new' });
    const cutAfter = old.length + SLOT_HEADER_BYTES + 500;
    const board = new WiredBoard({
      maxFrame: 64,
      storage: new MemoryStorage({ slotBytes: 4096, powerCutAfterBytes: cutAfter }),
    });
    await flashed(board, old);
    const first = plug(board);
    const client1 = await BoardClient.connect(first.host, FAST);
    // The board goes dark in the middle of a chunk; its cable goes with it.
    const watch = setInterval(() => board.powerCut && void first.boardEnd.close(), 1);
    try {
      await assert.rejects(flashModel(client1, bytes), LinkClosedError);
    } finally {
      clearInterval(watch);
    }
    assert.equal(board.powerCut?.bytesWritten, cutAfter);

    board.restart();
    assert.equal(board.initStatus, 0);
    const client2 = await connected(board);
    assert.deepEqual(
      [client2.info?.modelName, client2.info?.generation, client2.info?.modelCrc, client2.info?.uploading],
      ['old', 1, modelHash(old), false],
      'the old model runs, the upload (in RAM) is gone',
    );
    const progress: UploadProgress[] = [];
    const outcome = await flashModel(client2, bytes, (p) => progress.push(p));
    assert.ok(outcome.ok);
    assert.deepEqual([progress[0]?.resumedFrom, outcome.slot, outcome.generation], [0, 1, 2]);
    assert.deepEqual(board.active(), { slot: 1, generation: 2, bytes });
    await client2.close();
  });

  it('returns the device error when the board refuses the model, and names what failed', async () => {
    const board = new WiredBoard();
    const good = boardModel({ minBytes: 200, name: 'good' }).bytes;
    await flashed(board, good);
    // A file of a format version the engine does not read: its own CRC holds, so only COMMIT refuses it.
    const bytes = edited(boardModel({ minBytes: 300, seed: 2 }).bytes, (b) =>
      poke(b, FILE_FIELD.formatVersion, 'u16', 99),
    );
    const client = await connected(board);
    const outcome = await flashModel(client, bytes);
    assert.equal(outcome.ok, false);
    if (outcome.ok) return;
    assert.equal(outcome.action, 'commit the model');
    assert.equal(outcome.error.name, 'MODEL_REJECTED');
    assert.match(
      formatDeviceError(outcome.action, outcome.error),
      /^Failed to commit the model: MODEL_REJECTED \(the engine refused the model at COMMIT; the old model stays active; engine status BAD_VERSION: /,
    );
    const info = await client.hello();
    assert.deepEqual(
      [info.modelName, info.generation, info.modelCrc, info.modelLoaded],
      ['good', 1, modelHash(good), true],
      'the old model stays active',
    );
    assert.deepEqual(board.active(), { slot: 0, generation: 1, bytes: good });
    await client.close();
  });

  it('returns TOO_LARGE with the largest model a slot holds for a model that does not fit', async () => {
    const board = new WiredBoard({ slotBytes: 256 });
    const client = await connected(board);
    const outcome = await flashModel(client, boardModel({ minBytes: 300 }).bytes);
    assert.ok(!outcome.ok);
    assert.equal(outcome.error.name, 'TOO_LARGE');
    // docs/protocol.md: the slot's bytes minus its 16-byte header.
    assert.equal(outcome.error.detail, 256 - SLOT_HEADER_BYTES);
    assert.match(
      formatDeviceError(outcome.action, outcome.error),
      /a slot holds models of at most 240 bytes/,
    );
    assert.equal(board.arrivedOf(MessageType.UPLOAD_CHUNK).length, 0);
    await client.close();
  });

  it('treats a COMMIT whose reply was lost as done when the board runs the model', async () => {
    const board = new WiredBoard();
    const client = await connected(board);
    let lost = false;
    board.onReply = (f) => (f.type === MessageType.COMMITTED && !lost ? ((lost = true), 'drop') : 'deliver');
    const { bytes } = boardModel({ minBytes: 200 });
    const outcome = await flashModel(client, bytes);
    assert.ok(outcome.ok);
    assert.equal(outcome.generation, 1);
    assert.ok(lost);
    assert.deepEqual(board.active(), { slot: 0, generation: 1, bytes });
    assert.equal(board.storage.bytesWritten, bytes.length + SLOT_HEADER_BYTES, 'the header written once');
    await client.close();
  });

  it('flashes even the model the board already runs (into the other slot, a newer generation)', async () => {
    const board = new WiredBoard();
    const { bytes } = boardModel({ minBytes: 200 });
    for (let i = 0; i < 4; i++) await flashed(board, bytes);
    assert.deepEqual([board.active()?.slot, board.active()?.generation], [1, 4]);
    const client = await connected(board);
    assert.equal(client.info?.modelCrc, modelHash(bytes));
    const outcome = await flashModel(client, bytes);
    assert.ok(outcome.ok && !outcome.committedEarlier);
    assert.deepEqual([outcome.slot, outcome.generation], [0, 5]);
    assert.deepEqual(board.active(), { slot: 0, generation: 5, bytes });
    await client.close();
  });

  it('refuses before sending anything a file that does not end with its own CRC-32', async () => {
    const board = new WiredBoard();
    const client = await connected(board);
    const bytes = boardModel({ minBytes: 200 }).bytes.slice();
    bytes[10] = bytes[10] ^ 1;
    await assert.rejects(flashModel(client, bytes), ModelHashError);
    assert.equal(board.arrivedOf(MessageType.UPLOAD_BEGIN).length, 0);
    await client.close();
  });

  it('after a COMMIT lost with its link, a new call sees the newer generation and sends nothing', async () => {
    const board = new WiredBoard();
    const { bytes } = boardModel({ minBytes: 300 });
    const first = plug(board);
    const client1 = await BoardClient.connect(first.host, FAST);
    const generationBefore = client1.info?.generation ?? -1;
    board.onReply = (f) => {
      if (f.type !== MessageType.COMMITTED) return 'deliver';
      void first.boardEnd.close(); // the reply never arrives
      return 'drop';
    };
    await assert.rejects(flashModel(client1, bytes), LinkClosedError);
    assert.equal(board.active()?.generation, 1, 'the board did commit');
    board.onReply = () => 'deliver';
    const before = board.arrived.length;
    const client2 = await BoardClient.connect(plug(board).host, FAST);
    const outcome = await flashModel(client2, bytes, undefined, { sinceGeneration: generationBefore });
    assert.ok(outcome.ok && outcome.committedEarlier);
    assert.equal(outcome.generation, 1);
    assert.deepEqual(
      new Set(board.arrived.slice(before).map((f) => f.type)),
      new Set([MessageType.HELLO]),
      'the second call asked, and sent nothing else',
    );
    assert.equal(board.active()?.generation, 1);
    await client2.close();
  });

  it('rejects an UPLOAD_STATUS for another file as a protocol error', async () => {
    const board = new WiredBoard();
    const client = await connected(board);
    // Scripted on the wire: the device's UPLOAD_STATUS replaced by one for a 1-byte file.
    board.onReply = (f) =>
      f.type === MessageType.UPLOAD_STATUS
        ? [{ ...f, payload: new Bytes().u32(0).u32(1).u32(0).done() }]
        : 'deliver';
    await assert.rejects(flashModel(client, boardModel({ minBytes: 100 }).bytes), ProtocolError);
    await client.close();
  });
});

/**
 * A model for streaming: 16 inputs, 11 recurrent neurons, 3 classes: a RESULT with scores, spikes
 * and the latest detection fills maxFrame 64 exactly (4 + 11 + 12 + 2 + 22 + 13).
 */
const STREAM_MODEL = boardModel({ hidden: 11, seed: 5 }).bytes;

/** A board at maxFrame 64 that runs STREAM_MODEL, its log cleared. */
async function streamingBoard(options: { maxFrame?: number } = {}): Promise<WiredBoard> {
  const board = new WiredBoard({ maxFrame: options.maxFrame ?? 64 });
  await flashed(board, STREAM_MODEL);
  return board;
}

function assertInOrder(steps: StreamStep[], count: number): void {
  assert.deepEqual(
    steps.map((s) => s.t),
    Array.from({ length: count }, (_, i) => i),
  );
}

/** Every step that arrived is what the host's own engine computes for it (decision, scores, spikes of layer 0). */
function assertExact(
  steps: StreamStep[],
  input: number[][],
  report: { scores?: boolean; spikes?: boolean } = {},
  bytes: Uint8Array = STREAM_MODEL,
): void {
  const expected = expectedRun(bytes, input);
  for (const step of steps) {
    if (step.lost) continue;
    const want = expected[step.t];
    assert.ok(want);
    assert.equal(step.decision, want.decision, `step ${step.t}: decision`);
    if (report.scores) assert.deepEqual(step.scores, want.scores, `step ${step.t}: scores`);
    if (report.spikes) assert.deepEqual(step.spikes, want.spikes?.[0], `step ${step.t}: spikes`);
  }
}

describe('stream', () => {
  it('packs several steps per SPIKES frame within maxFrame', () => {
    const frames = planFrames(
      [[1, 2, 3], [], [4], [5, 6], [7, 8, 9, 10]],
      4 + 5 + 12, // room for 12 bytes of steps
    );
    // Steps take 7, 1, 3, 5, 9 bytes.
    assert.deepEqual(frames, [
      { first: 0, count: 3 },
      { first: 3, count: 1 },
      { first: 4, count: 1 },
    ]);
    assert.throws(() => planFrames([Array.from({ length: 300 }, (_, i) => i)], 4096), StreamInputError);
    assert.throws(() => planFrames([[1, 2, 3, 4, 5, 6]], 4 + 5 + 12), StreamInputError);
  });

  it('streams every step once, results in order with scores and spikes, then stops', async () => {
    const board = await streamingBoard();
    // Full, fixed timeouts: the test counts retries, which a loaded machine must not cause.
    const client = await connected(board, { timeScale: 1, firstSeq: 0, adaptive: false });
    const input = train(200);
    const { steps, summary } = await runStream(client, { steps: input }, { scores: true, spikeLayer: 0 });
    assert.ok(summary.ok);
    assertInOrder(steps, 200);
    assert.deepEqual(board.stepsRun(), count(200));
    assert.ok(steps.every((s) => !s.lost));
    assertExact(steps, input, { scores: true, spikes: true });
    const expected = expectedRun(STREAM_MODEL, input);
    assert.ok(
      expected.some((r) => (r.spikes?.[0]?.length ?? 0) > 0),
      'layer 0 spikes, so comparing spikes means something',
    );
    assert.equal(summary.stopped.steps, 200);
    assert.equal(summary.stopped.decision, expected[199]?.decision);
    assert.equal(summary.stats.resultsLost, 0);
    assert.equal(summary.stats.framesRetried, 0);
    assert.ok(summary.stats.latencyMs.samples > 0 && summary.stats.latencyMs.p50 !== null);
    assert.equal(board.arrivedOf(MessageType.STREAM_STOP).length, 1, 'STREAM_STOP sent');
    assert.equal((await client.hello()).streaming, false);
    await client.close();
  });

  it('never has more than `window` SPIKES frames unacknowledged', async () => {
    for (const window of [1, 2, 4]) {
      const board = await streamingBoard();
      // Timeouts well above the board's delay: no go-back-N here.
      const client = await connected(board, { timeScale: 1, firstSeq: 0, adaptive: false });
      let maxOutstanding = 0;
      const outstanding = (): number =>
        board.arrivedOf(MessageType.SPIKES).length - board.sentOf(MessageType.SPIKES_ACK).length;
      // A slow board: each SPIKES is held back on its way in, so the host fills its window and must stop there.
      board.onRequest = (f) => {
        if (f.type !== MessageType.SPIKES) return 'deliver';
        maxOutstanding = Math.max(maxOutstanding, outstanding());
        return sleep(3).then(() => {
          maxOutstanding = Math.max(maxOutstanding, outstanding());
          return 'deliver';
        });
      };
      const input = train(200);
      const { steps, summary } = await runStream(client, { steps: input }, { window });
      assert.ok(summary.ok);
      assertInOrder(steps, 200);
      assert.ok(board.arrivedOf(MessageType.SPIKES).length > 2 * window, 'enough frames to fill the window');
      assert.equal(maxOutstanding, window, `window ${window}`);
      assert.equal(summary.stats.maxInFlight, window);
      assert.deepEqual(board.stepsRun(), count(200));
      assertExact(steps, input);
      await client.close();
    }
  });

  it('needs no resend when acks are lost but the RESULTs come: they say how far the board got', async () => {
    const board = await streamingBoard();
    // Fixed tries of 250 ms: a shrunk adaptive wait can expire before the RESULTs arrive on a busy
    // machine, and then resending is right.
    const client = await connected(board, { timeScale: 0.5, firstSeq: 0, adaptive: false });
    let acks = 0;
    // A burst of lost acks.
    board.onReply = (f) =>
      f.type === MessageType.SPIKES_ACK && [3, 4, 5, 6, 7].includes(++acks) ? 'drop' : 'deliver';
    const input = train(300);
    const { steps, summary } = await runStream(client, { steps: input }, { window: 4 });
    assert.ok(summary.ok);
    assertInOrder(steps, 300);
    assert.deepEqual(board.stepsRun(), count(300), 'each step ran exactly once');
    assert.ok(steps.every((s) => !s.lost));
    assertExact(steps, input);
    assert.equal(summary.stats.framesRetried, 0);
    await client.close();
  });

  it('goes back N when acks and RESULTs are lost together: resends, each step runs once, in order', async () => {
    const board = await streamingBoard();
    const client = await connected(board);
    let acks = 0;
    // A burst in which nothing comes back: acks 3 to 7 and every RESULT sent meanwhile.
    let silent = false;
    board.onReply = (f) => {
      if (f.type === MessageType.SPIKES_ACK) {
        acks++;
        silent = acks >= 3 && acks <= 7;
      }
      return silent && (f.type === MessageType.SPIKES_ACK || f.type === MessageType.RESULT)
        ? 'drop'
        : 'deliver';
    };
    const input = train(300);
    const { steps, summary } = await runStream(client, { steps: input }, { window: 4 });
    assert.ok(summary.ok);
    assertInOrder(steps, 300);
    assert.deepEqual(board.stepsRun(), count(300), 'each step ran exactly once');
    assert.ok(
      steps.some((s) => s.lost),
      'the steps whose RESULTs were lost are reported lost',
    );
    assertExact(steps, input);
    assert.ok(summary.stats.framesRetried >= 1);
    await client.close();
  });

  it('goes back N after a lost SPIKES frame (STEP_GAP), with no timeout needed', async () => {
    const board = await streamingBoard();
    const client = await BoardClient.connect(plug(board).host, { ...FAST, timeScale: 1 });
    let spikes = 0;
    board.onRequest = (f) => (f.type === MessageType.SPIKES && ++spikes === 3 ? 'drop' : 'deliver');
    const started = Date.now();
    const input = train(200);
    const { steps, summary } = await runStream(client, { steps: input }, { window: 4 });
    assert.ok(summary.ok);
    assertInOrder(steps, 200);
    assert.deepEqual(board.stepsRun(), count(200));
    assertExact(steps, input);
    assert.ok(summary.stats.stepGaps >= 1);
    assert.ok(summary.stats.framesRetried >= 1);
    assert.ok(board.sentOf(MessageType.ERROR).length >= 1, 'the device answered STEP_GAP');
    assert.ok(Date.now() - started < 450, 'recovered before the 500 ms timeout');
    await client.close();
  });

  it('recovers when the last frame is lost (timeout, go-back-N)', async () => {
    const board = await streamingBoard();
    const client = await connected(board, { timeScale: 1, firstSeq: 0, adaptive: false });
    const input = train(110);
    const frameCount = planFrames(input, board.maxFrame).length;
    assert.ok(frameCount > 4, `${frameCount} frames`);
    let spikes = 0;
    board.onRequest = (f) => (f.type === MessageType.SPIKES && ++spikes === frameCount ? 'drop' : 'deliver');
    const { steps, summary } = await runStream(client, { steps: input }, { window: 4 });
    assert.ok(summary.ok);
    assertInOrder(steps, 110);
    assert.deepEqual(board.stepsRun(), count(110));
    assert.equal(summary.stats.timeouts, 1);
    assert.equal(summary.stats.framesRetried, 1);
    await client.close();
  });

  it('counts lost RESULTs from the step numbers, ignores duplicates, keeps order', async () => {
    const board = await streamingBoard();
    const client = await connected(board);
    let results = 0;
    board.onReply = (f) => {
      if (f.type !== MessageType.RESULT) return 'deliver';
      results++;
      if (results % 7 === 0) return 'drop'; // lost
      if (results % 5 === 0) return [f, f]; // duplicated
      return 'deliver';
    };
    const input = train(70);
    const { steps, summary } = await runStream(client, { steps: input }, { scores: true });
    assert.ok(summary.ok);
    assertInOrder(steps, 70);
    const lost = steps.filter((s) => s.lost).map((s) => s.t);
    assert.deepEqual(lost, [6, 13, 20, 27, 34, 41, 48, 55, 62, 69]);
    assert.equal(summary.stats.resultsLost, 10);
    assert.equal(summary.stats.duplicateResults, 14 - 2); // results 35 and 70 were lost, not duplicated
    assert.deepEqual(board.stepsRun(), count(70));
    assertExact(steps, input, { scores: true });
    await client.close();
  });

  it('throws LinkTimeoutError when the board goes silent mid-stream', async () => {
    const board = await streamingBoard();
    // Fixed tries of 250 ms. With shrunk adaptive ones (10 ms), an event-loop stall can time out a
    // SPIKES whose ack is on its way; BoardClient then drops that ack (and the later ones of the
    // same burst) as stale, so streamSpikes never learns how far the board got and, once the link
    // is dead, throws having yielded fewer steps than the board ran: against its own doc comment.
    // This test checks the promise on a link that is merely dead, not that race.
    const client = await connected(board, { timeScale: 0.5, firstSeq: 0, adaptive: false });
    let spikes = 0;
    board.onRequest = (f) => (f.type === MessageType.SPIKES && ++spikes > 6 ? 'drop' : 'deliver');
    const seen: StreamStep[] = [];
    const input = train(400);
    await assert.rejects(
      runStream(client, { steps: input }, {}, (s) => seen.push(s)),
      LinkTimeoutError,
    );
    const ran = board.stepsRun();
    assert.ok(ran.length > 0 && ran.length < 400, `${ran.length} steps ran`);
    assert.deepEqual(ran, count(ran.length));
    assert.deepEqual(
      seen.map((s) => s.t),
      ran,
      'what was yielded is what ran',
    );
    assertExact(seen, input);
    await client.close();
  });

  it('yields every step a RESULT vouches for, even when the acks never came, before a link failure', async () => {
    const board = await streamingBoard();
    const client = await connected(board, { timeScale: 0.5, firstSeq: 0, adaptive: false });
    // Every SPIKES_ACK is lost: only the RESULTs say how far the board got. After a few frames the
    // board hears nothing more, so the link dies with steps run that no ack ever confirmed.
    board.onReply = (f) => (f.type === MessageType.SPIKES_ACK ? 'drop' : 'deliver');
    let spikes = 0;
    board.onRequest = (f) => (f.type === MessageType.SPIKES && ++spikes > 3 ? 'drop' : 'deliver');
    const seen: StreamStep[] = [];
    const input = train(400);
    await assert.rejects(
      runStream(client, { steps: input }, {}, (s) => seen.push(s)),
      LinkTimeoutError,
    );
    const ran = board.stepsRun();
    assert.ok(ran.length > 0 && ran.length < 400, `${ran.length} steps ran`);
    assert.deepEqual(
      seen.map((s) => s.t),
      ran,
      'what was yielded is what ran',
    );
    assert.ok(
      seen.every((s) => !s.lost),
      'each step came with its RESULT',
    );
    assertExact(seen, input);
    await client.close();
  });

  it('ends with the device error when the board refuses a step', async () => {
    const board = await streamingBoard();
    const client = await connected(board);
    const input = train(80);
    input[10] = [5];
    // Scripted on the wire (runStream checks channels itself, so it never sends a bad one): the
    // frame holding step 10 arrives with channel 16 there, one past the model's 16 inputs.
    let refusedFrom: number | undefined;
    board.onRequest = (f) => {
      if (f.type !== MessageType.SPIKES) return 'deliver';
      const view = new DataView(f.payload.buffer, f.payload.byteOffset, f.payload.byteLength);
      const first = view.getUint32(0, true);
      const n = view.getUint8(4);
      if (first > 10 || first + n <= 10) return 'deliver';
      refusedFrom = first;
      const changed = input.slice(first, first + n).map((c, i) => (first + i === 10 ? [16] : c));
      return [{ ...f, payload: encodeSpikes(first, changed) }];
    };
    const { summary } = await runStream(client, { steps: input });
    assert.ok(!summary.ok);
    assert.equal(summary.error.name, 'BAD_INPUT');
    const badInput = describeStatus(statusCode('BAD_INPUT'));
    assert.ok(
      formatDeviceError(summary.action, summary.error).includes(
        `engine status BAD_INPUT: ${badInput.message}`,
      ),
    );
    assert.match(summary.action, /^stream steps \d+\.\.\d+$/);
    assert.ok(refusedFrom !== undefined);
    assert.deepEqual(board.stepsRun(), count(refusedFrom), 'the refused frame ran none of its steps');
    await client.close();
  });

  it('refuses, before sending any SPIKES, a channel the board model does not have', async () => {
    const board = new WiredBoard();
    await flashed(board, boardModel({ hidden: 4, inputs: 8 }).bytes);
    const client = await connected(board);
    await assert.rejects(runStream(client, { steps: [[1], [9]] }), StreamInputError);
    assert.equal(board.arrivedOf(MessageType.SPIKES).length, 0);
    assert.equal((await client.hello()).streaming, false, 'the stream was stopped');
    await client.close();
  });

  it('returns NO_MODEL from STREAM_START as a value', async () => {
    const board = new WiredBoard();
    const client = await connected(board);
    const { summary } = await runStream(client, { steps: train(3) });
    assert.ok(!summary.ok);
    assert.equal(summary.error.name, 'NO_MODEL');
    assert.equal(summary.action, 'start the stream');
    assert.equal(board.arrivedOf(MessageType.SPIKES).length, 0);
    await client.close();
  });

  it('stops early on abort, still sending STREAM_STOP', async () => {
    const board = await streamingBoard();
    const client = await connected(board);
    const controller = new AbortController();
    const { steps, summary } = await runStream(
      client,
      { steps: train(500) },
      { signal: controller.signal },
      (s) => s.t === 20 && controller.abort(),
    );
    assert.ok(summary.ok && summary.aborted);
    assert.ok(steps.length < 500);
    assertInOrder(steps, steps.length);
    assert.equal(board.arrivedOf(MessageType.STREAM_STOP).length, 1);
    assert.equal((await client.hello()).streaming, false);
    await client.close();
  });
});

describe('a lossy link', () => {
  /** Drops or flips bytes with probability p each, seeded. */
  function lossy(seed: number, p: number): (bytes: Uint8Array) => Uint8Array {
    const prng = new Prng(seed);
    return (bytes) => {
      const out: number[] = [];
      for (const byte of bytes) {
        const r = prng.uniform();
        if (r < p) continue;
        out.push(r < 2 * p ? byte ^ (1 << prng.int(8)) : byte);
      }
      return Uint8Array.from(out);
    };
  }

  it('flashes and streams correctly through dropped and corrupted bytes', async () => {
    const board = new WiredBoard({ maxFrame: 128, slotBytes: 16384 });
    const { host } = plug(board, { hostToBoard: lossy(1, 0.001), boardToHost: lossy(2, 0.001) });
    const client = await BoardClient.connect(host, { timeScale: 0.05, firstSeq: 0 });
    // At most 43 neurons: a RESULT with scores, layer 0's spikes and the latest detection fits maxFrame 128.
    const { bytes } = boardModel({ minBytes: 6000, inputs: 32, maxHidden: 43, seed: 5 });
    const outcome = await flashModel(client, bytes);
    assert.ok(outcome.ok, JSON.stringify(outcome));
    assert.deepEqual(board.active()?.bytes, bytes);

    const input = train(400, 6);
    const { steps, summary } = await runStream(client, { steps: input }, { scores: true, spikeLayer: 0 });
    assert.ok(summary.ok, JSON.stringify(summary));
    assertInOrder(steps, 400);
    assert.deepEqual(board.stepsRun(), count(400), 'each step ran exactly once');
    assertExact(steps, input, { scores: true, spikes: true }, bytes);
    assert.ok(
      steps.some((s) => !s.lost),
      'RESULTs arrive',
    );
    assert.ok(summary.stats.framesRetried > 0, 'the losses were felt');
    const info = await client.hello();
    assert.ok(info.counters.badFrames > 0, 'the device counted the damaged frames');
    await client.close();
  });
});
