/**
 * host/audio/pcm-input.ts: raw PCM and WAV streams, cut into any pieces, give the samples the
 * whole-file reader gives; each chunk comes out before the stream ends; a bad stream is an input
 * error (exit code 3) that names what is wrong.
 */

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { openPcmInput, openPcmStream } from '../../host/audio/pcm-input.js';
import { encodeWav, parseWav } from '../../host/audio/wav.js';
import { defaultFrontend } from '../../host/model/frontend-config.js';
import { exitCodeFor } from '../../host/cli/handle-error.js';
import { Rng } from './fixtures.js';

const FRONTEND = defaultFrontend(16000);
const dir = mkdtempSync(join(tmpdir(), 'hetsyn-pcm-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function noise(count: number, seed: number): Int16Array {
  const rng = new Rng(seed);
  return Int16Array.from({ length: count }, () => rng.range(-32768, 32767));
}

function rawBytes(samples: Int16Array): Uint8Array {
  const bytes = new Uint8Array(2 * samples.length);
  const view = new DataView(bytes.buffer);
  samples.forEach((s, i) => view.setInt16(2 * i, s, true));
  return bytes;
}

/** `bytes` as a stream of pieces of the given sizes, in turn. */
function pieces(bytes: Uint8Array, sizes: readonly number[]): Readable {
  const out: Uint8Array[] = [];
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const size = sizes[i % sizes.length] ?? 1;
    out.push(bytes.slice(at, at + size));
    at += size;
  }
  return Readable.from(out);
}

async function collect(chunks: AsyncIterable<Int16Array>): Promise<number[]> {
  const out: number[] = [];
  for await (const chunk of chunks) out.push(...chunk);
  return out;
}

async function streamed(bytes: Uint8Array, sizes: readonly number[] = [7, 1, 300, 2]): Promise<number[]> {
  return collect((await openPcmStream(pieces(bytes, sizes), 'stdin', FRONTEND)).chunks);
}

/** A WAV stream whose RIFF and data lengths say `length` (0 or 0xFFFFFFFF: unknown). */
function streamedWav(samples: Int16Array, length: number): Uint8Array {
  const bytes = encodeWav(samples, 16000);
  const view = new DataView(bytes.buffer);
  view.setUint32(4, length, true);
  view.setUint32(40, length, true);
  return bytes;
}

async function rejects(bytes: Uint8Array, pattern: RegExp): Promise<void> {
  await assert.rejects(
    async () => streamed(bytes),
    (error: unknown) => {
      assert.match(String(error), pattern);
      assert.equal(exitCodeFor(error), 3, String(error));
      return true;
    },
  );
}

describe('PCM input', () => {
  it('reads raw 16-bit PCM and WAV streams in any pieces exactly', async () => {
    const samples = noise(1000, 3);
    assert.deepEqual(await streamed(rawBytes(samples)), Array.from(samples));
    assert.deepEqual(await streamed(rawBytes(samples), [1]), Array.from(samples), 'a byte at a time');
    const wav = encodeWav(samples, 16000);
    assert.deepEqual(await streamed(wav, [1]), Array.from(samples), 'the header a byte at a time');
    assert.deepEqual(await streamed(wav, [45, 3]), Array.from(samples));
  });

  it('reads a streamed WAV of unknown length to the end, and a known length no further', async () => {
    const samples = noise(500, 4);
    for (const length of [0, 0xffffffff]) {
      assert.deepEqual(await streamed(streamedWav(samples, length)), Array.from(samples), `length ${length}`);
    }
    const known = encodeWav(samples, 16000);
    const trailing = new Uint8Array(known.length + 6);
    trailing.set(known);
    trailing.set([0x4c, 0x49, 0x53, 0x54, 0, 0], known.length); // the start of a chunk after "data"
    assert.deepEqual(await streamed(trailing), Array.from(samples));
    // A stream cut inside its declared data (a recorder stopped) just ends.
    assert.deepEqual(await streamed(known.subarray(0, 44 + 200)), Array.from(samples.subarray(0, 100)));
  });

  it('downmixes a stereo WAV stream as the WAV reader does', async () => {
    const left = noise(64, 5);
    const stereo = encodeWav(noise(128, 6), 16000);
    const view = new DataView(stereo.buffer);
    view.setUint16(22, 2, true);
    view.setUint32(28, 4 * 16000, true);
    view.setUint16(32, 4, true);
    left.forEach((s, i) => view.setInt16(44 + 4 * i, s, true));
    assert.deepEqual(await streamed(stereo), Array.from(parseWav(stereo).samples));
  });

  it('hands out each chunk as it arrives, before the stream ends', async () => {
    const pipe = new PassThrough();
    const input = await (async () => {
      const opening = openPcmStream(pipe, 'stdin', FRONTEND);
      pipe.write(rawBytes(Int16Array.from([1, 2, 3])));
      return opening;
    })();
    const chunks = input.chunks[Symbol.asyncIterator]();
    assert.deepEqual(Array.from((await chunks.next()).value as Int16Array), [1, 2, 3]);
    pipe.write(Uint8Array.from([4, 0, 5]));
    assert.deepEqual(
      Array.from((await chunks.next()).value as Int16Array),
      [4],
      'a whole sample, the half kept',
    );
    pipe.end(Uint8Array.from([0]));
    assert.deepEqual(Array.from((await chunks.next()).value as Int16Array), [5]);
    assert.equal((await chunks.next()).done, true);
  });

  it('refuses a wrong rate, a stream ending inside a sample or its header, with exit code 3', async () => {
    await rejects(
      rawBytes(noise(9, 1)).subarray(0, 17),
      /stdin: ends inside a sample \(1 bytes left over\).*raw 16-bit PCM/,
    );
    await rejects(encodeWav(noise(9, 1), 8000), /stdin is sampled at 8000 Hz; the front-end takes 16000 Hz/);
    await rejects(
      encodeWav(noise(9, 1), 16000).subarray(0, 30),
      /stdin: ends after 30 bytes, inside the WAV header/,
    );
    const float = encodeWav(noise(9, 1), 16000);
    new DataView(float.buffer).setUint16(20, 3, true);
    await rejects(float, /format tag 3 \(IEEE float\) is not PCM/);
    const odd = encodeWav(noise(9, 1), 16000).subarray(0, 44 + 5);
    await rejects(odd, /ends inside a sample.*mono 16-bit frames/);
  });

  it('reads a WAV file by path as the WAV reader does, and - from the stream given', async () => {
    const samples = noise(300, 7);
    const path = join(dir, 'clip.wav');
    writeFileSync(path, encodeWav(samples, 16000));
    assert.deepEqual(await collect((await openPcmInput(path, FRONTEND)).chunks), Array.from(samples));
    const stdin = await openPcmInput('-', FRONTEND, pieces(rawBytes(samples), [5]));
    assert.equal(stdin.source, 'stdin');
    assert.deepEqual(await collect(stdin.chunks), Array.from(samples));
  });
});
