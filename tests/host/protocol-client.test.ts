/**
 * The protocol client, upload and stream logic against a scripted board over the in-memory
 * transport: seq matching, stale replies, retries and link timeouts, device errors as values,
 * resumable uploads, the stream window, go-back-N and in-order results.
 */

import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { BoardClient } from '../../host/protocol/client.js';
import { LinkTimeoutError, ProtocolError } from '../../host/protocol/errors.js';
import { LinkClosedError } from '../../host/transport/errors.js';
import type { Frame } from '../../host/protocol/frame.js';
import { formatDeviceError } from '../../host/protocol/device-errors.js';
import { MessageType, PROTOCOL_VERSION } from '../../host/protocol/messages.js';
import { crc32 } from '../../host/model/crc32.js';
import {
  flashModel,
  modelHash,
  ModelHashError,
  uploadModel,
  type UploadProgress,
} from '../../host/protocol/upload.js';
import { planFrames, StreamInputError } from '../../host/protocol/spikes-planner.js';
import { runStream, type StreamStep } from '../../host/protocol/stream.js';
import { MemoryTransport } from '../../host/transport/memory.js';
import { Bytes, FakeBoard, sleep } from './protocol-fake-board.js';
import { Prng } from '../../host/util/prng.js';

/** Timeouts shrunk 10x: 500 ms -> 50 ms, 5 s -> 500 ms. */
const FAST = { timeScale: 0.1, firstSeq: 0 };
/** Shrunk 50x, for the tests that wait for every retry to time out. */
const FASTER = { timeScale: 0.02, firstSeq: 0 };

function connectPair(board: FakeBoard): { host: MemoryTransport; boardEnd: MemoryTransport } {
  const [host, boardEnd] = MemoryTransport.pair();
  board.attach(boardEnd);
  return { host, boardEnd };
}

async function connected(
  board: FakeBoard,
  options: { timeScale: number; firstSeq: number; adaptive?: boolean } = FAST,
): Promise<BoardClient> {
  return BoardClient.connect(connectPair(board).host, options);
}

/** A stand-in model file: random bytes ending, as every .hsm does, with their own CRC-32. */
function model(bytes: number, seed = 1): Uint8Array {
  const prng = new Prng(seed);
  const file = Uint8Array.from({ length: bytes }, () => prng.int(256));
  new DataView(file.buffer).setUint32(bytes - 4, crc32(file.subarray(0, bytes - 4)), true);
  return file;
}

function train(steps: number, seed = 3, inputs = 16): number[][] {
  const prng = new Prng(seed);
  return Array.from({ length: steps }, () =>
    Array.from({ length: prng.int(4) }, () => prng.int(inputs)).sort((a, b) => a - b),
  );
}

describe('client: requests and replies', () => {
  it('says HELLO on connect and reads INFO', async () => {
    const board = new FakeBoard({ maxFrame: 96, storageBytes: 2048 });
    const client = await connected(board);
    assert.equal(client.info?.protocolVersion, PROTOCOL_VERSION);
    assert.equal(client.info?.maxFrame, 96);
    assert.equal(client.info?.storageBytes, 2048);
    assert.equal(client.info?.activeSlot, null);
    assert.equal(client.info?.modelLoaded, false);
    await client.close();
  });

  it('matches replies by seq and drops a stale one', async () => {
    const [host, boardEnd] = MemoryTransport.pair();
    const board = new FakeBoard();
    board.attach(boardEnd);
    // Before each INFO, also send one with a seq no request has: the client must skip it.
    const realSend = board.send.bind(board);
    board.send = (type, seq, payload) => {
      if (type === MessageType.INFO) realSend(type, (seq + 77) & 0xff, new Uint8Array(3)); // stale and malformed
      realSend(type, seq, payload);
    };
    const client = await BoardClient.connect(host, FAST);
    const info = await client.hello();
    assert.equal(info.maxFrame, board.maxFrame);
    assert.equal(client.stats.staleReplies, 2);
    assert.equal(client.stats.retries, 0);
    await client.close();
  });

  it('increments seq per request, wrapping', async () => {
    const board = new FakeBoard();
    const client = await BoardClient.connect(connectPair(board).host, { ...FAST, firstSeq: 254 });
    await client.hello();
    await client.hello();
    assert.deepEqual(
      board.received.map((f) => f.seq),
      [254, 255, 0],
    );
    await client.close();
  });

  it('keeps several requests in flight and resolves each with its own reply', async () => {
    const board = new FakeBoard();
    const client = await connected(board);
    const replies = await Promise.all([client.hello(), client.uploadEnd(), client.hello()]);
    assert.equal(replies[0].maxFrame, board.maxFrame);
    assert.equal((replies[1] as { ok: boolean }).ok, false);
    await client.close();
  });

  it('retries after a timeout, with the same seq, and takes the reply to the retry', async () => {
    const board = new FakeBoard();
    const client = await connected(board);
    let helloCount = 0;
    board.onRequest = (frame) => (frame.type === MessageType.HELLO && helloCount++ < 2 ? 'drop' : 'handle');
    const info = await client.hello();
    assert.equal(info.maxFrame, board.maxFrame);
    assert.equal(client.stats.retries, 2);
    const hellos = board.received.filter((f) => f.type === MessageType.HELLO).slice(1);
    assert.equal(new Set(hellos.map((f) => f.seq)).size, 1, 'one seq for all tries');
    await client.close();
  });

  it('throws LinkTimeoutError after 1 + 4 tries of a quick request (no round trip measured yet)', async () => {
    const board = new FakeBoard();
    const client = await connected(board, { ...FASTER, adaptive: false });
    board.onRequest = () => 'drop';
    await assert.rejects(client.hello(), (error: unknown) => {
      assert.ok(error instanceof LinkTimeoutError);
      assert.equal(error.attempts, 5);
      assert.match(error.message, /no reply to HELLO after 5 tries over \d+ ms/);
      assert.ok(error.waitedMs >= 45, `${error.waitedMs}`);
      return true;
    });
    // UPLOAD_BEGIN is a slow request: 1 + 2 tries of 100 ms.
    await assert.rejects(client.uploadBegin(10, 0), (error: unknown) => {
      assert.ok(error instanceof LinkTimeoutError);
      assert.equal(error.attempts, 3);
      assert.ok(error.waitedMs >= 290, `${error.waitedMs}`);
      return true;
    });
    await client.close();
  });

  it('asks again sooner once it knows the round trip, but gives up no sooner than the docs say', async () => {
    const board = new FakeBoard();
    const client = await connected(board, { timeScale: 1, firstSeq: 0 });
    for (let i = 0; i < 5; i++) await client.hello(); // round-trip samples of a few ms
    assert.ok(client.retransmitMs('HELLO') < 100, `${client.retransmitMs('HELLO')}`);
    let dropped = 0;
    board.onRequest = (f) => (f.type === MessageType.HELLO && dropped++ < 1 ? 'drop' : 'handle');
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
    const board = new FakeBoard();
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
    const board = new FakeBoard();
    const { host, boardEnd } = connectPair(board);
    const client = await BoardClient.connect(host, { ...FAST, timeScale: 1 });
    board.onRequest = () => 'drop';
    const pending = client.hello();
    setTimeout(() => void boardEnd.close(), 5);
    await assert.rejects(pending, LinkClosedError);
    await assert.rejects(client.hello(), LinkClosedError);
  });

  it('refuses a board of another protocol version, naming both', async () => {
    const board = new FakeBoard({ protocolVersion: 2 });
    await assert.rejects(connected(board), (error: unknown) => {
      assert.ok(error instanceof ProtocolError);
      assert.match(error.message, /protocol version 2; this host speaks version 1/);
      return true;
    });
  });

  it('hands RESULT frames to the listener, whatever their seq', async () => {
    const board = new FakeBoard();
    const client = await connected(board);
    const got: Frame[] = [];
    client.onResult((f) => got.push(f));
    board.send(MessageType.RESULT, 123, new Uint8Array(11));
    await client.hello();
    assert.equal(got.length, 1);
    await client.close();
  });
});

describe('upload', () => {
  it('flashes a model in chunks sized from maxFrame, verifies and commits', async () => {
    const board = new FakeBoard({ maxFrame: 64 });
    const client = await connected(board);
    const bytes = model(1000);
    const progress: UploadProgress[] = [];
    const outcome = await flashModel(client, bytes, (p) => progress.push(p));
    assert.equal(outcome.ok, true);
    if (!outcome.ok) return;
    assert.deepEqual(
      { slot: outcome.slot, generation: outcome.generation, size: outcome.size, crc: outcome.crc32 },
      { slot: 0, generation: 1, size: 1000, crc: modelHash(bytes) },
    );
    assert.deepEqual(board.active?.bytes, bytes);
    const chunks = board.received.filter((f) => f.type === MessageType.UPLOAD_CHUNK);
    // maxFrame 64 = type + seq + offset u32 + 56 data + crc16.
    assert.equal(chunks[0]?.payload.length, 4 + 56);
    assert.equal(chunks.length, Math.ceil(1000 / 56));
    assert.deepEqual(progress[0], { offset: 0, size: 1000, resumedFrom: 0 });
    assert.equal(progress.at(-1)?.offset, 1000);
    await client.close();
  });

  it('resumes from the offset the board reports at UPLOAD_BEGIN', async () => {
    const board = new FakeBoard({ maxFrame: 64 });
    const bytes = model(500);
    board.upload = {
      size: 500,
      crc: modelHash(bytes),
      data: new Uint8Array(500),
      offset: 224,
      verified: false,
    };
    board.upload.data.set(bytes.subarray(0, 224));
    const client = await connected(board);
    const outcome = await flashModel(client, bytes);
    assert.ok(outcome.ok);
    assert.equal(outcome.resumedFrom, 224);
    const firstChunk =
      board.received.find((f) => f.type === MessageType.UPLOAD_CHUNK)?.payload ?? new Uint8Array(4);
    assert.equal(new DataView(firstChunk.buffer, firstChunk.byteOffset).getUint32(0, true), 224);
    assert.deepEqual(board.active?.bytes, bytes);
    await client.close();
  });

  it('always sends from the offset the board names, not the one it planned', async () => {
    const board = new FakeBoard({ maxFrame: 64 });
    const client = await connected(board);
    // Lose every fifth chunk reply: the retry finds the board already past it.
    let n = 0;
    board.onSend = (type) => !(type === MessageType.UPLOAD_STATUS && ++n % 5 === 0);
    const bytes = model(800, 2);
    const outcome = await flashModel(client, bytes);
    assert.ok(outcome.ok);
    assert.deepEqual(board.active?.bytes, bytes);
    assert.equal(board.bytesWritten, 800, 'no byte written twice');
    assert.ok(client.stats.timeouts > 0);
    await client.close();
  });

  it('resumes after the link drops mid-upload: reconnect, call again, continue at the board offset', async () => {
    const board = new FakeBoard({ maxFrame: 64 });
    const bytes = model(2000, 4);
    const first = connectPair(board);
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
    assert.ok(board.upload && board.upload.offset >= dropAt);

    const client2 = await BoardClient.connect(connectPair(board).host, FAST);
    const progress: UploadProgress[] = [];
    const outcome = await flashModel(client2, bytes, (p) => progress.push(p));
    assert.ok(outcome.ok);
    assert.equal(progress[0]?.resumedFrom, dropAt);
    assert.deepEqual(board.active?.bytes, bytes);
    assert.equal(board.bytesWritten, 2000, 'no byte written twice');
    await client2.close();
  });

  it('returns the device error when the board refuses the model, and names what failed', async () => {
    const board = new FakeBoard();
    const bytes = model(300);
    board.rejectCrc = { crc: modelHash(bytes), status: 5 };
    const client = await connected(board);
    const outcome = await flashModel(client, bytes);
    assert.equal(outcome.ok, false);
    if (outcome.ok) return;
    assert.equal(outcome.action, 'commit the model');
    assert.equal(outcome.error.name, 'MODEL_REJECTED');
    assert.match(
      formatDeviceError(outcome.action, outcome.error),
      /^Failed to commit the model: MODEL_REJECTED \(the engine refused the model at COMMIT; the old model stays active; engine status BAD_CRC: /,
    );
    await client.close();
  });

  it('returns TOO_LARGE with the slot size for a model that does not fit', async () => {
    const board = new FakeBoard({ storageBytes: 256 });
    const client = await connected(board);
    const outcome = await flashModel(client, model(300));
    assert.ok(!outcome.ok);
    assert.equal(outcome.error.name, 'TOO_LARGE');
    assert.match(
      formatDeviceError(outcome.action, outcome.error),
      /a slot holds models of at most 256 bytes/,
    );
    await client.close();
  });

  it('treats a COMMIT whose reply was lost as done when the board runs the model', async () => {
    const board = new FakeBoard();
    const client = await connected(board);
    let lost = false;
    board.onSend = (type) => (type === MessageType.COMMITTED && !lost ? ((lost = true), false) : true);
    const bytes = model(200);
    const outcome = await flashModel(client, bytes);
    assert.ok(outcome.ok);
    assert.equal(outcome.generation, 1);
    assert.equal(board.active?.generation, 1);
    await client.close();
  });

  it('flashes even the model the board already runs (into the other slot, a newer generation)', async () => {
    const board = new FakeBoard();
    const bytes = model(200);
    board.active = { slot: 1, generation: 4, bytes, crc: modelHash(bytes), name: 'x' };
    const client = await connected(board);
    const outcome = await flashModel(client, bytes);
    assert.ok(outcome.ok && !outcome.committedEarlier);
    assert.deepEqual([outcome.slot, outcome.generation], [0, 5]);
    await client.close();
  });

  it('refuses before sending anything a file that does not end with its own CRC-32', async () => {
    const board = new FakeBoard();
    const client = await connected(board);
    const bytes = model(200);
    bytes[10] = (bytes[10] as number) ^ 1;
    await assert.rejects(flashModel(client, bytes), ModelHashError);
    assert.equal(board.received.filter((f) => f.type === MessageType.UPLOAD_BEGIN).length, 0);
    await client.close();
  });

  it('after a COMMIT lost with its link, a new call sees the newer generation and sends nothing', async () => {
    const board = new FakeBoard();
    const bytes = model(300);
    const first = connectPair(board);
    const client1 = await BoardClient.connect(first.host, FAST);
    const generationBefore = client1.info?.generation ?? -1;
    board.onSend = (type) => {
      if (type !== MessageType.COMMITTED) return true;
      void first.boardEnd.close(); // the reply never arrives
      return false;
    };
    await assert.rejects(flashModel(client1, bytes), LinkClosedError);
    assert.equal(board.active?.generation, 1, 'the board did commit');
    board.onSend = () => true;
    const client2 = await BoardClient.connect(connectPair(board).host, FAST);
    const outcome = await flashModel(client2, bytes, undefined, { sinceGeneration: generationBefore });
    assert.ok(outcome.ok && outcome.committedEarlier);
    assert.equal(outcome.generation, 1);
    assert.equal(board.received.filter((f) => f.type === MessageType.UPLOAD_BEGIN).length, 1);
    await client2.close();
  });

  it('rejects an UPLOAD_STATUS for another file as a protocol error', async () => {
    const board = new FakeBoard();
    const client = await connected(board);
    const realSend = board.send.bind(board);
    board.send = (type, seq, payload) =>
      realSend(
        type,
        seq,
        type === MessageType.UPLOAD_STATUS ? new Bytes().u32(0).u32(1).u32(0).done() : payload,
      );
    await assert.rejects(flashModel(client, model(100)), ProtocolError);
    await client.close();
  });
});

function withActiveModel(board: FakeBoard): FakeBoard {
  const bytes = model(100);
  board.active = { slot: 0, generation: 1, bytes, crc: modelHash(bytes), name: 'fake' };
  return board;
}

function assertInOrder(steps: StreamStep[], count: number): void {
  assert.deepEqual(
    steps.map((s) => s.t),
    Array.from({ length: count }, (_, i) => i),
  );
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
    const board = withActiveModel(new FakeBoard({ maxFrame: 64, classes: 3 }));
    // Full, fixed timeouts: the test counts retries, which a loaded machine must not cause.
    const client = await connected(board, { timeScale: 1, firstSeq: 0, adaptive: false });
    const input = train(200);
    const { steps, summary } = await runStream(client, { steps: input }, { scores: true, spikeLayer: 0 });
    assert.ok(summary.ok);
    assertInOrder(steps, 200);
    assert.deepEqual(
      board.stepsRun,
      Array.from({ length: 200 }, (_, i) => i),
    );
    const s5 = steps[5];
    assert.ok(s5 && !s5.lost);
    assert.deepEqual(s5.scores, [50, 51, 52]);
    assert.equal(s5.decision, 5 % 3);
    assert.deepEqual(s5.spikes, input[5]);
    assert.equal(summary.stopped.steps, 200);
    assert.equal(summary.stats.resultsLost, 0);
    assert.equal(summary.stats.framesRetried, 0);
    assert.ok(summary.stats.latencyMs.samples > 0 && summary.stats.latencyMs.p50 !== null);
    assert.equal(board.stream, undefined, 'STREAM_STOP sent');
    await client.close();
  });

  it('never has more than `window` SPIKES frames unacknowledged', async () => {
    for (const window of [1, 2, 4]) {
      const board = withActiveModel(new FakeBoard({ maxFrame: 24 }));
      // Timeouts well above the board's delay: no go-back-N here.
      const client = await connected(board, { timeScale: 1, firstSeq: 0, adaptive: false });
      let acksSent = 0;
      let maxOutstanding = 0;
      const realSend = board.send.bind(board);
      board.send = (type, seq, payload) => {
        if (type === MessageType.SPIKES_ACK) acksSent++;
        realSend(type, seq, payload);
      };
      // A slow board: each SPIKES waits, so the host fills its window and must stop there.
      const outstanding = (): number =>
        board.received.filter((f) => f.type === MessageType.SPIKES).length - acksSent;
      board.beforeSpikes = async () => {
        maxOutstanding = Math.max(maxOutstanding, outstanding());
        await sleep(3);
        maxOutstanding = Math.max(maxOutstanding, outstanding());
      };
      const { steps, summary } = await runStream(client, { steps: train(60) }, { window });
      assert.ok(summary.ok);
      assertInOrder(steps, 60);
      assert.equal(maxOutstanding, window, `window ${window}`);
      assert.equal(summary.stats.maxInFlight, window);
      await client.close();
    }
  });

  it('goes back N after a lost ack: resends, each step runs once, results in order', async () => {
    const board = withActiveModel(new FakeBoard({ maxFrame: 24 }));
    const client = await connected(board);
    let acks = 0;
    board.onSend = (type) => !(type === MessageType.SPIKES_ACK && [3, 4, 5, 6, 7].includes(++acks)); // a burst of lost acks
    const { steps, summary } = await runStream(client, { steps: train(80) }, { window: 4 });
    assert.ok(summary.ok);
    assertInOrder(steps, 80);
    assert.deepEqual(
      board.stepsRun,
      Array.from({ length: 80 }, (_, i) => i),
      'each step ran exactly once',
    );
    assert.ok(steps.every((s) => !s.lost));
    await client.close();
  });

  it('goes back N after a lost SPIKES frame (STEP_GAP), with no timeout needed', async () => {
    const board = withActiveModel(new FakeBoard({ maxFrame: 24 }));
    const client = await BoardClient.connect(connectPair(board).host, { ...FAST, timeScale: 1 });
    let spikes = 0;
    board.onRequest = (f) => (f.type === MessageType.SPIKES && ++spikes === 3 ? 'drop' : 'handle');
    const started = Date.now();
    const { steps, summary } = await runStream(client, { steps: train(50) }, { window: 4 });
    assert.ok(summary.ok);
    assertInOrder(steps, 50);
    assert.deepEqual(
      board.stepsRun,
      Array.from({ length: 50 }, (_, i) => i),
    );
    assert.ok(summary.stats.stepGaps >= 1);
    assert.ok(summary.stats.framesRetried >= 1);
    assert.ok(Date.now() - started < 450, 'recovered before the 500 ms timeout');
    await client.close();
  });

  it('recovers when the last frame is lost (timeout, go-back-N)', async () => {
    const board = withActiveModel(new FakeBoard({ maxFrame: 24 }));
    const client = await connected(board, { timeScale: 1, firstSeq: 0, adaptive: false });
    const input = train(30);
    const frameCount = planFrames(input, 24).length;
    let spikes = 0;
    board.onRequest = (f) => (f.type === MessageType.SPIKES && ++spikes === frameCount ? 'drop' : 'handle');
    const { steps, summary } = await runStream(client, { steps: input }, { window: 4 });
    assert.ok(summary.ok);
    assertInOrder(steps, 30);
    assert.equal(summary.stats.timeouts, 1);
    assert.equal(summary.stats.framesRetried, 1);
    await client.close();
  });

  it('counts lost RESULTs from the step numbers, ignores duplicates, keeps order', async () => {
    const board = withActiveModel(new FakeBoard({ maxFrame: 40 }));
    const client = await connected(board);
    let results = 0;
    const realSend = board.send.bind(board);
    board.send = (type, seq, payload) => {
      if (type === MessageType.RESULT) {
        results++;
        if (results % 7 === 0) return; // lost
        if (results % 5 === 0) realSend(type, seq, payload); // duplicated
      }
      realSend(type, seq, payload);
    };
    const { steps, summary } = await runStream(client, { steps: train(70) }, { scores: true });
    assert.ok(summary.ok);
    assertInOrder(steps, 70);
    const lost = steps.filter((s) => s.lost).map((s) => s.t);
    assert.deepEqual(lost, [6, 13, 20, 27, 34, 41, 48, 55, 62, 69]);
    assert.equal(summary.stats.resultsLost, 10);
    assert.equal(summary.stats.duplicateResults, 14 - 2); // results 35 and 70 were lost, not duplicated
    await client.close();
  });

  it('throws LinkTimeoutError when the board goes silent mid-stream', async () => {
    const board = withActiveModel(new FakeBoard({ maxFrame: 24 }));
    const client = await connected(board);
    let spikes = 0;
    board.onRequest = (f) => (f.type === MessageType.SPIKES && ++spikes > 6 ? 'drop' : 'handle');
    const seen: StreamStep[] = [];
    await assert.rejects(
      runStream(client, { steps: train(100) }, {}, (s) => seen.push(s)),
      LinkTimeoutError,
    );
    assert.deepEqual(
      seen.map((s) => s.t),
      Array.from({ length: board.stepsRun.length }, (_, i) => i),
      'what was yielded is what ran',
    );
    await client.close();
  });

  it('ends with the device error when the board refuses a step', async () => {
    const board = withActiveModel(new FakeBoard({ maxFrame: 24 }));
    board.badInputAt = 10;
    const client = await connected(board);
    const { summary } = await runStream(client, { steps: train(20) });
    assert.ok(!summary.ok);
    assert.equal(summary.error.name, 'BAD_INPUT');
    assert.match(summary.action, /^stream steps \d+\.\.\d+$/);
    await client.close();
  });

  it('refuses, before sending any SPIKES, a channel the board model does not have', async () => {
    const board = withActiveModel(new FakeBoard({ inputs: 8 }));
    const client = await connected(board);
    await assert.rejects(runStream(client, { steps: [[1], [9]] }), StreamInputError);
    assert.equal(board.received.filter((f) => f.type === MessageType.SPIKES).length, 0);
    await client.close();
  });

  it('returns NO_MODEL from STREAM_START as a value', async () => {
    const board = new FakeBoard();
    const client = await connected(board);
    const { summary } = await runStream(client, { steps: train(3) });
    assert.ok(!summary.ok);
    assert.equal(summary.error.name, 'NO_MODEL');
    assert.equal(summary.action, 'start the stream');
    await client.close();
  });

  it('stops early on abort, still sending STREAM_STOP', async () => {
    const board = withActiveModel(new FakeBoard({ maxFrame: 24 }));
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
    assert.equal(board.stream, undefined);
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
    const board = new FakeBoard({ maxFrame: 128, storageBytes: 16384 });
    const [host, boardEnd] = MemoryTransport.pair({
      hostToBoard: lossy(1, 0.001),
      boardToHost: lossy(2, 0.001),
    });
    board.attach(boardEnd);
    const client = await BoardClient.connect(host, { timeScale: 0.05, firstSeq: 0 });
    const bytes = model(6000, 5);
    const outcome = await flashModel(client, bytes);
    assert.ok(outcome.ok, JSON.stringify(outcome));
    assert.deepEqual(board.active?.bytes, bytes);

    const input = train(400, 6);
    const { steps, summary } = await runStream(client, { steps: input }, { scores: true, spikeLayer: 0 });
    assert.ok(summary.ok);
    assertInOrder(steps, 400);
    assert.deepEqual(
      board.stepsRun,
      Array.from({ length: 400 }, (_, i) => i),
      'each step ran exactly once',
    );
    for (const step of steps) {
      if (step.lost) continue;
      assert.deepEqual(step.spikes, input[step.t], `step ${step.t}: RESULTs that arrive are exact`);
    }
    assert.ok(summary.stats.framesRetried > 0, 'the losses were felt');
    await client.close();
  });
});
