/**
 * host/audio/wav.ts: 16-bit PCM mono and stereo at 8 and 16 kHz read back exactly; every other
 * kind of file is a WavError naming the file and the problem (exit code 3 in the CLI).
 */

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { encodeWav, looksLikeWav, parseWav, WavError } from '../../host/audio/wav.js';
import { readWav } from '../../host/audio/read-wav.js';
import { exitCodeFor } from '../../host/cli/handle-error.js';

const dir = mkdtempSync(join(tmpdir(), 'hetsyn-wav-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A WAV with a hand-built fmt chunk: tag, channels, rate, bits, and `frames` zero frames. */
function wav(opts: {
  tag?: number;
  channels?: number;
  rate?: number;
  bits?: number;
  frames?: number;
}): Uint8Array {
  const { tag = 1, channels = 1, rate = 16000, bits = 16, frames = 10 } = opts;
  const align = (channels * bits) / 8;
  const dataBytes = frames * align;
  const bytes = new Uint8Array(44 + dataBytes);
  const view = new DataView(bytes.buffer);
  const text = (at: number, s: string): void =>
    Array.from(s).forEach((c, i) => view.setUint8(at + i, c.charCodeAt(0)));
  text(0, 'RIFF');
  view.setUint32(4, bytes.length - 8, true);
  text(8, 'WAVE');
  text(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, tag, true);
  view.setUint16(22, channels, true);
  view.setUint32(24, rate, true);
  view.setUint32(28, rate * align, true);
  view.setUint16(32, align, true);
  view.setUint16(34, bits, true);
  text(36, 'data');
  view.setUint32(40, dataBytes, true);
  return bytes;
}

function rejects(bytes: Uint8Array, pattern: RegExp): void {
  const path = join(dir, 'case.wav');
  writeFileSync(path, bytes);
  assert.throws(
    () => readWav(path),
    (error: unknown) => {
      assert.ok(error instanceof WavError, String(error));
      assert.ok(error.message.startsWith(`${path}: `), `names the file: ${error.message}`);
      assert.match(error.message, pattern);
      assert.equal(exitCodeFor(error), 3);
      return true;
    },
  );
}

describe('WAV reader', () => {
  it('reads 16-bit PCM mono at 8 and 16 kHz exactly', () => {
    for (const rate of [8000, 16000]) {
      const samples = Int16Array.from([0, 1, -1, 32767, -32768, 1234]);
      const bytes = encodeWav(samples, rate);
      assert.ok(looksLikeWav(bytes));
      const audio = parseWav(bytes, 'x.wav');
      assert.equal(audio.sampleRateHz, rate);
      assert.equal(audio.channels, 1);
      assert.deepEqual(audio.samples, samples);
    }
  });

  it('downmixes stereo as floor((left + right) / 2) and skips unknown chunks', () => {
    const base = wav({ channels: 2, frames: 3 });
    const view = new DataView(base.buffer);
    [
      [100, 201],
      [-32768, -32768],
      [-1, 0],
    ].forEach(([l = 0, r = 0], i) => {
      view.setInt16(44 + 4 * i, l, true);
      view.setInt16(46 + 4 * i, r, true);
    });
    // A LIST chunk of odd size (padded) between fmt and data.
    const list = new Uint8Array(
      Array.from('LIST')
        .map((c) => c.charCodeAt(0))
        .concat([3, 0, 0, 0, 1, 2, 3, 0]),
    );
    const bytes = new Uint8Array(base.length + list.length);
    bytes.set(base.subarray(0, 36));
    bytes.set(list, 36);
    bytes.set(base.subarray(36), 36 + list.length);
    new DataView(bytes.buffer).setUint32(4, bytes.length - 8, true);
    assert.deepEqual(Array.from(parseWav(bytes).samples), [150, -32768, -1]);
  });

  it('rejects what is not a 16-bit PCM mono/stereo WAV at 8 or 16 kHz, naming the problem', () => {
    rejects(new TextEncoder().encode('# channels: 64\n1 2\n'), /not a WAV file/);
    rejects(new Uint8Array(5), /too short/);
    rejects(wav({}).subarray(0, 30), /truncated/);
    const shortData = wav({ frames: 10 });
    new DataView(shortData.buffer).setUint32(40, 400, true);
    rejects(shortData, /truncated: chunk "data"/);
    rejects(wav({ tag: 3, bits: 32 }), /format tag 3 \(IEEE float\) is not PCM/);
    rejects(wav({ bits: 8 }), /8-bit samples/);
    rejects(wav({ bits: 24 }), /24-bit samples/);
    rejects(wav({ rate: 44100 }), /sample rate 44100 Hz/);
    rejects(wav({ channels: 3 }), /3 channels/);
    const noData = wav({ frames: 0 }).subarray(0, 36);
    new DataView(noData.buffer, noData.byteOffset).setUint32(4, 28, true);
    rejects(noData, /no "data" chunk/);
    const odd = wav({ frames: 2 });
    new DataView(odd.buffer).setUint32(40, 3, true);
    rejects(odd, /not a whole number/);
  });
});
