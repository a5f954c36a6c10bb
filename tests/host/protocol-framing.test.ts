/**
 * The wire layer of docs/protocol.md: COBS, CRC-16/CCITT-FALSE and the streaming frame decoder.
 */

import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { cobsDecode, cobsEncode, cobsMaxEncodedBytes } from '../../host/protocol/cobs.js';
import { crc16, CRC16_CHECK_VALUE } from '../../host/protocol/crc16.js';
import { encodeFrame, frameBody, FrameDecoder, type FrameError } from '../../host/protocol/frame.js';
import { Prng } from '../../host/util/prng.js';

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);
const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('COBS', () => {
  // The examples of the COBS paper / Wikipedia, delimiter left off.
  const vectors: [string, number[], number[]][] = [
    ['empty', [], [0x01]],
    ['one zero', [0x00], [0x01, 0x01]],
    ['two zeros', [0x00, 0x00], [0x01, 0x01, 0x01]],
    ['zero inside', [0x11, 0x22, 0x00, 0x33], [0x03, 0x11, 0x22, 0x02, 0x33]],
    ['no zero', [0x11, 0x22, 0x33, 0x44], [0x05, 0x11, 0x22, 0x33, 0x44]],
    ['zeros at the end', [0x11, 0x00, 0x00, 0x00], [0x02, 0x11, 0x01, 0x01, 0x01]],
    ['254 non-zero bytes', range(0x01, 0xfe), [0xff, ...range(0x01, 0xfe)]],
    ['zero then 254 non-zero', [0x00, ...range(0x01, 0xfe)], [0x01, 0xff, ...range(0x01, 0xfe)]],
    ['255 non-zero bytes', range(0x01, 0xff), [0xff, ...range(0x01, 0xfe), 0x02, 0xff]],
    ['255 bytes ending in a zero', [...range(0x02, 0xff), 0x00], [0xff, ...range(0x02, 0xff), 0x01, 0x01]],
    [
      '253 non-zero then zero then one',
      [...range(0x03, 0xff), 0x00, 0x01],
      [0xfe, ...range(0x03, 0xff), 0x02, 0x01],
    ],
  ];
  for (const [name, body, encoded] of vectors) {
    it(`encodes and decodes: ${name}`, () => {
      assert.deepEqual(Array.from(cobsEncode(bytes(...body))), encoded);
      assert.deepEqual(Array.from(cobsDecode(bytes(...encoded)) ?? [-1]), body);
    });
  }

  it('accepts the non-canonical empty block after a full block', () => {
    assert.deepEqual(Array.from(cobsDecode(bytes(0xff, ...range(1, 254), 0x01)) ?? []), range(1, 254));
  });

  it('round-trips random bodies of every length up to 1100 with the stated overhead bound', () => {
    const prng = new Prng(7);
    for (let length = 0; length <= 1100; length++) {
      const body = Uint8Array.from({ length }, () => (prng.uniform() < 0.3 ? 0 : 1 + prng.int(255)));
      const encoded = cobsEncode(body);
      assert.ok(encoded.length <= cobsMaxEncodedBytes(length), `length ${length}`);
      assert.equal(encoded.indexOf(0), -1, 'no zero in an encoding');
      assert.deepEqual(cobsDecode(encoded), body);
    }
  });

  it('refuses a zero inside, and a block that runs past the end', () => {
    assert.equal(cobsDecode(bytes(0x03, 0x11, 0x00)), null);
    assert.equal(cobsDecode(bytes(0x05, 0x11, 0x22)), null);
    assert.equal(cobsDecode(bytes(0x00)), null);
  });
});

describe('CRC-16/CCITT-FALSE', () => {
  it('has the check value 0x29B1 for "123456789"', () => {
    assert.equal(CRC16_CHECK_VALUE, 0x29b1);
    assert.equal(crc16(new TextEncoder().encode('123456789')), 0x29b1);
  });

  it('starts at 0xFFFF (empty input) and works on a view into a larger buffer', () => {
    assert.equal(crc16(new Uint8Array(0)), 0xffff);
    const buffer = new TextEncoder().encode('xx123456789yy');
    assert.equal(crc16(buffer.subarray(2, 11)), 0x29b1);
  });
});

describe('frames', () => {
  it('lays out type, seq, payload and the CRC little-endian, then COBS and one 0x00', () => {
    const body = frameBody(0x11, 7, bytes(0x00, 0x10, 0x00, 0x00, 0xab));
    const crc = crc16(body.subarray(0, body.length - 2));
    assert.deepEqual(Array.from(body), [0x11, 7, 0x00, 0x10, 0x00, 0x00, 0xab, crc & 0xff, crc >> 8]);
    const wire = encodeFrame(0x11, 7, bytes(0x00, 0x10, 0x00, 0x00, 0xab));
    assert.equal(wire[wire.length - 1], 0);
    assert.equal(wire.subarray(0, -1).indexOf(0), -1);
    assert.deepEqual(cobsDecode(wire.subarray(0, -1)), body);
  });

  it('decodes frames split at every byte boundary', () => {
    const wire = new Uint8Array([...encodeFrame(0x81, 1, bytes(1, 0, 2)), ...encodeFrame(0x90, 2, bytes())]);
    for (let cut = 0; cut <= wire.length; cut++) {
      const decoder = new FrameDecoder();
      const frames = [...decoder.push(wire.subarray(0, cut)), ...decoder.push(wire.subarray(cut))];
      assert.deepEqual(
        frames.map((f) => [f.type, f.seq, Array.from(f.payload)]),
        [
          [0x81, 1, [1, 0, 2]],
          [0x90, 2, []],
        ],
      );
      assert.deepEqual(decoder.stats, { framesOk: 2, badFrames: 0, overruns: 0 });
    }
  });

  it('skips garbage, counts it, and finds the next frame', () => {
    const errors: FrameError[] = [];
    const decoder = new FrameDecoder(undefined, (e) => errors.push(e));
    const frames = decoder.push(
      bytes(
        ...[0x37, 0x42, 0x13, 0x00], // garbage up to a delimiter: a frame with a bad CRC (or COBS)
        ...encodeFrame(0x01, 9),
      ),
    );
    assert.deepEqual(
      frames.map((f) => f.type),
      [0x01],
    );
    assert.equal(decoder.stats.badFrames, 1);
    assert.equal(errors.length, 1);
  });

  it('ignores empty frames (a lone 0x00 flushes) without counting them', () => {
    const decoder = new FrameDecoder();
    const frames = decoder.push(bytes(0, 0, 0, ...encodeFrame(0x01, 1), 0, 0));
    assert.equal(frames.length, 1);
    assert.deepEqual(decoder.stats, { framesOk: 1, badFrames: 0, overruns: 0 });
  });

  it('counts a bad CRC, a COBS error and a short body as bad frames', () => {
    const decoder = new FrameDecoder();
    const good = encodeFrame(0x21, 3, bytes(1, 2, 3));
    const flipped = Uint8Array.from(good);
    flipped[4] = flipped[4] ^ 0x80; // a payload byte, still non-zero
    const short = bytes(...cobsEncode(bytes(0x01, 0x02, 0x03)), 0);
    const badCobs = bytes(0x09, 0x01, 0x02, 0);
    assert.deepEqual(decoder.push(flipped), []);
    assert.deepEqual(decoder.push(short), []);
    assert.deepEqual(decoder.push(badCobs), []);
    assert.equal(decoder.push(good).length, 1);
    assert.deepEqual(decoder.stats, { framesOk: 1, badFrames: 3, overruns: 0 });
  });

  it('discards an oversize frame as an overrun and resynchronises at the next 0x00', () => {
    const decoder = new FrameDecoder(64);
    const big = encodeFrame(0x11, 1, new Uint8Array(61).fill(0x55)); // body 65 bytes
    const fits = encodeFrame(0x11, 2, new Uint8Array(60).fill(0x55)); // body 64 bytes
    assert.deepEqual(decoder.push(big), []);
    assert.equal(decoder.push(fits).length, 1);
    // A run of non-zero bytes far past the limit, then a good frame.
    assert.deepEqual(decoder.push(new Uint8Array(5000).fill(0x33)), []);
    assert.equal(decoder.push(bytes(0, ...encodeFrame(0x01, 3))).length, 1);
    assert.deepEqual(decoder.stats, { framesOk: 2, badFrames: 0, overruns: 2 });
  });

  it('gives each frame its own payload bytes', () => {
    const decoder = new FrameDecoder();
    const [a] = decoder.push(encodeFrame(0x81, 1, bytes(1, 2, 3)));
    decoder.push(encodeFrame(0x81, 2, bytes(9, 9, 9)));
    assert.deepEqual(Array.from(a?.payload ?? []), [1, 2, 3]);
  });

  it('survives random noise and still decodes every frame sent between noise bursts', () => {
    const prng = new Prng(11);
    const decoder = new FrameDecoder(300);
    let sent = 0;
    let got = 0;
    for (let round = 0; round < 300; round++) {
      const noise = Uint8Array.from({ length: prng.int(40) }, () => prng.int(256));
      got += decoder.push(noise).length; // noise can (rarely) hold a valid frame
      const payload = Uint8Array.from({ length: prng.int(200) }, () => prng.int(256));
      const frames = decoder.push(bytes(0, ...encodeFrame(0x21, round & 0xff, payload)));
      sent++;
      assert.equal(frames.length, 1, `round ${round}`);
      assert.deepEqual(frames[0]?.payload, payload);
      got += frames.length;
    }
    assert.ok(got >= sent);
  });
});
