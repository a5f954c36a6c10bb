/**
 * The messages of docs/protocol.md: the doc's tables and the code's are the same tables (a spec and
 * its code mirror each other), and every reply decodes as laid out there, refusing a payload of the
 * wrong length.
 */

import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { decodeError, DEVICE_ERROR_CODES, formatDeviceError } from '../../host/protocol/device-errors.js';
import {
  decodeInfo,
  decodeResult,
  decodeStopped,
  decodeUploadStatus,
  encodeAudio,
  encodeSpikes,
  encodeStreamStart,
  encodeUploadBegin,
  encodeUploadChunk,
  MessageType,
  PROTOCOL_VERSION,
  Report,
  REQUESTS,
  type RequestName,
} from '../../host/protocol/messages.js';
import { ProtocolError } from '../../host/protocol/errors.js';
import { BoardClient } from '../../host/protocol/client.js';
import { flashModel, modelHash } from '../../host/protocol/upload.js';
import { MemoryTransport } from '../../host/transport/memory.js';
import { REPO_ROOT } from './fixtures.js';
import { boardModel, Bytes, WiredBoard } from './wired-board.js';

const doc = readFileSync(join(REPO_ROOT, 'docs/protocol.md'), 'utf8');

/** The rows of the markdown table whose header line starts with `header`. */
function tableRows(header: string): string[][] {
  const lines = doc.split('\n');
  const start = lines.findIndex((line) => line.startsWith(header));
  assert.ok(start >= 0, `table "${header}" in docs/protocol.md`);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(
      line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );
  }
  return rows;
}

describe('docs/protocol.md and the code', () => {
  it('has the same request types and reply types', () => {
    const rows = tableRows('| type | request |');
    const fromDoc = rows.map(([type, name, , reply]) => {
      const replyType = /\((0x[0-9A-F]{2})\)/i.exec(reply ?? '')?.[1];
      return [name, Number(type), Number(replyType)];
    });
    const fromCode = (Object.keys(REQUESTS) as RequestName[]).map((name) => [
      name,
      REQUESTS[name].type,
      REQUESTS[name].replyType,
    ]);
    assert.deepEqual(fromCode, fromDoc);
    for (const [name, type] of fromDoc) assert.equal(MessageType[name as RequestName], type);
    const result = tableRows('| type | frame |');
    assert.deepEqual(
      result.map(([type, name]) => [name, Number(type)]),
      [['RESULT', MessageType.RESULT]],
    );
  });

  it('has the same error codes, names and meanings', () => {
    const rows = tableRows('| code | name | meaning | detail |');
    assert.deepEqual(
      DEVICE_ERROR_CODES.map((e) => [e.code, e.name, e.meaning, e.detail ?? '-']),
      rows.map(([code, name, meaning, detail]) => [Number(code), name, meaning, detail]),
    );
  });

  it('has the docs timeouts', () => {
    assert.match(doc, /\| a reply to HELLO, a chunk, SPIKES, AUDIO \| 500 ms, 4 retries \|/);
    assert.deepEqual([REQUESTS.HELLO.timing.timeoutMs, REQUESTS.HELLO.timing.retries], [500, 4]);
    assert.deepEqual(
      [
        REQUESTS.UPLOAD_CHUNK.timing.timeoutMs,
        REQUESTS.SPIKES.timing.timeoutMs,
        REQUESTS.AUDIO.timing.timeoutMs,
      ],
      [500, 500, 500],
    );
    assert.match(doc, /\| UPLOAD_BEGIN .*, UPLOAD_END .*, COMMIT .* \| 5 s, 2 retries \|/);
    for (const name of ['UPLOAD_BEGIN', 'UPLOAD_END', 'COMMIT'] as const) {
      assert.deepEqual([REQUESTS[name].timing.timeoutMs, REQUESTS[name].timing.retries], [5000, 2]);
    }
  });
});

describe('messages', () => {
  it('encodes requests little-endian as the table lays them out', () => {
    assert.deepEqual(
      Array.from(encodeUploadBegin(0x01020304, 0xa0b0c0d0)),
      [4, 3, 2, 1, 0xd0, 0xc0, 0xb0, 0xa0],
    );
    assert.deepEqual(Array.from(encodeUploadChunk(258, Uint8Array.of(9, 8))), [2, 1, 0, 0, 9, 8]);
    assert.deepEqual(Array.from(encodeStreamStart(Report.scores | Report.spikes, 1)), [5, 1]);
    assert.deepEqual(Array.from(encodeSpikes(7, [[1, 300], []])), [7, 0, 0, 0, 2, 2, 1, 0, 0x2c, 1, 0]);
    // AUDIO: firstSample u32, then i16 samples (two's complement, little-endian); SOURCE_AUDIO is bit 3.
    assert.deepEqual(
      Array.from(encodeAudio(258, Int16Array.of(1, -2, 0x1234))),
      [2, 1, 0, 0, 1, 0, 0xfe, 0xff, 0x34, 0x12],
    );
    assert.equal(Report.audio, 8);
  });

  it('decodes INFO as the device sends it', async () => {
    const board = new WiredBoard({ maxFrame: 200, slotBytes: 65536 });
    const { bytes } = boardModel({ minBytes: 100, name: 'kws-µ' });
    for (let i = 0; i < 2; i++) {
      const [host, boardEnd] = MemoryTransport.pair();
      board.attach(boardEnd);
      const client = await BoardClient.connect(host, { timeScale: 0.1, firstSeq: 0 });
      assert.ok((await flashModel(client, bytes)).ok);
      if (i === 1) {
        // Three frames the device must count as bad: a COBS error, a bad CRC, one too short.
        host.write(Uint8Array.of(5, 1, 0));
        host.write(Uint8Array.of(0, 3, 1, 1, 1, 1, 0));
        host.write(Uint8Array.of(2, 1, 0));
        await client.hello();
      }
      await client.close();
    }
    const payload = board.sentOf(MessageType.INFO).at(-1)?.payload;
    assert.ok(payload);
    const info = decodeInfo(payload);
    assert.equal(info.protocolVersion, PROTOCOL_VERSION);
    assert.equal(info.engineVersion, board.device.exports.engineVersion());
    assert.equal(info.maxFrame, 200);
    assert.equal(info.storageBytes, 65536);
    assert.deepEqual(
      [info.activeSlot, info.generation, info.modelBytes, info.modelCrc, info.modelName],
      [1, 2, bytes.length, modelHash(bytes), 'kws-µ'],
    );
    assert.deepEqual([info.modelLoaded, info.streaming, info.uploading], [true, false, false]);
    assert.deepEqual([info.uploadOffset, info.uploadSize], [0, 0]);
    assert.equal(info.counters.badFrames, 3);
    assert.deepEqual(
      [
        info.counters.overruns,
        info.counters.unknownTypes,
        info.counters.badRequests,
        info.counters.resultsDropped,
      ],
      [0, 0, 0, 0],
    );
  });

  it('refuses a reply of the wrong length, and an INFO of another protocol version', async () => {
    const board = new WiredBoard();
    const [host, boardEnd] = MemoryTransport.pair();
    board.attach(boardEnd);
    const client = await BoardClient.connect(host, { timeScale: 0.1, firstSeq: 0 });
    await client.close();
    const info = board.sentOf(MessageType.INFO)[0]?.payload;
    assert.ok(info);
    assert.doesNotThrow(() => decodeInfo(info));
    assert.throws(() => decodeInfo(info.subarray(0, info.length - 1)), ProtocolError);
    assert.throws(() => decodeInfo(Uint8Array.from([...info, 0])), ProtocolError);
    assert.throws(() => decodeUploadStatus(new Uint8Array(11)), ProtocolError);
    assert.throws(() => decodeStopped(new Uint8Array(7)), ProtocolError);
    assert.deepEqual(decodeStopped(new Uint8Array(10)), { steps: 0, decision: 0, detections: 0 });
    assert.throws(() => decodeStopped(new Uint8Array(11)), ProtocolError, 'a detection count of 0 ends it');
    const v1 = Uint8Array.from(info);
    v1[0] = 1;
    assert.throws(() => decodeInfo(v1), /protocol version 1; this host speaks version 3/);
  });

  it('decodes RESULT by the stream layout, decision signed', () => {
    const payload = new Bytes()
      .u32(12)
      .u16(0xffff)
      .u32(35)
      .u8(5)
      .u32(-2 >>> 0)
      .u32(9)
      .u16(2)
      .u16(3)
      .u16(40)
      .done();
    assert.deepEqual(decodeResult(payload, { report: Report.scores | Report.spikes, classes: 2 }), {
      step: 12,
      decision: -1,
      stepUs: 35,
      flags: 5,
      scores: [-2, 9],
      spikes: [3, 40],
    });
    assert.throws(() => decodeResult(payload, { report: Report.scores, classes: 2 }), ProtocolError);
  });

  it('words device errors from the one table, with their detail', () => {
    const error = decodeError(Uint8Array.from([MessageType.COMMIT, 7, 5, 0, 0, 0]));
    assert.equal(error.name, 'MODEL_REJECTED');
    assert.equal(
      formatDeviceError('commit the model', error),
      'Failed to commit the model: MODEL_REJECTED (the engine refused the model at COMMIT; the old model stays active; ' +
        'engine status BAD_CRC: CRC-32 mismatch: the file is corrupted)',
    );
    const gap = decodeError(Uint8Array.from([MessageType.SPIKES, 11, 40, 0, 0, 0]));
    assert.match(formatDeviceError('stream', gap), /STEP_GAP .*the board's next step is 40/);
    const unknown = decodeError(Uint8Array.from([MessageType.HELLO, 99, 0, 0, 0, 0]));
    assert.equal(unknown.name, 'UNKNOWN_ERROR_99');
  });
});
