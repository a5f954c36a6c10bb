/**
 * Audio input as it arrives, for `sim`, `stream` and `monitor`: a WAV file, or `-` for stdin
 * carrying either a WAV stream (told by its "RIFF") or raw signed 16-bit little-endian mono PCM at
 * the model's front-end rate. Either way mono samples come out in chunks, each as soon as its
 * bytes have been read, so a live source (`arecord ... | hetsyn sim MODEL -`) flows through.
 */

import { Readable } from 'node:stream';
import { InputError } from '../util/input-error.js';
import { readInputFile } from '../util/read-file.js';
import type { FrontendConfig } from '../model/frontend-config.js';
import { checkFrontendRate } from './encode.js';
import { decodePcmFrames, parseWav, parseWavHeader, WavError, type WavAudio } from './wav.js';

/** The input path that means standard input. */
export const STDIN_PATH = '-';

export interface PcmInput {
  /** What messages call the input: its path, or "stdin". */
  source: string;
  sampleRateHz: number;
  /** Mono samples in arrival order; a malformed end (half a sample) throws an InputError. */
  chunks: AsyncIterable<Int16Array>;
}

/** A WAV already read whole, as PCM input (one chunk). */
export function pcmFromWav(audio: WavAudio, source: string, frontend: FrontendConfig): PcmInput {
  checkFrontendRate(audio.sampleRateHz, frontend, source);
  const { samples } = audio;
  return {
    source,
    sampleRateHz: audio.sampleRateHz,
    chunks: Readable.from(samples.length > 0 ? [samples] : []) as AsyncIterable<Int16Array>,
  };
}

/** A byte stream pulled on demand: what has arrived and not been used yet, and whether it ended. */
class ByteSource {
  private buffered = new Uint8Array(0);
  private ended = false;
  private readonly iterator: AsyncIterator<Uint8Array>;

  constructor(bytes: AsyncIterable<Uint8Array>) {
    this.iterator = bytes[Symbol.asyncIterator]();
  }

  get bytes(): Uint8Array {
    return this.buffered;
  }

  /** Waits for more bytes (false at the end of the stream). */
  async more(): Promise<boolean> {
    if (this.ended) return false;
    const next = await this.iterator.next();
    if (next.done) {
      this.ended = true;
      return false;
    }
    const joined = new Uint8Array(this.buffered.length + next.value.length);
    joined.set(this.buffered);
    joined.set(next.value, this.buffered.length);
    this.buffered = joined;
    return true;
  }

  /** Hands out and forgets everything buffered. */
  take(): Uint8Array {
    const out = this.buffered;
    this.buffered = new Uint8Array(0);
    return out;
  }

  drop(count: number): void {
    this.buffered = this.buffered.subarray(count);
  }

  async close(): Promise<void> {
    await this.iterator.return?.();
  }
}

const RIFF = [0x52, 0x49, 0x46, 0x46];

/**
 * PCM from a byte stream that may be a WAV stream or raw PCM: it waits for the first four bytes
 * (or the WAV header) only, then hands out samples as they arrive. A streamed WAV's "data" length
 * is where its samples end, or, declared as 0 or 0xFFFFFFFF, the end of the stream; a stream may
 * also stop early (a recorder interrupted), which just ends the audio.
 */
export async function openPcmStream(
  bytes: AsyncIterable<Uint8Array>,
  source: string,
  frontend: FrontendConfig,
): Promise<PcmInput> {
  const input = new ByteSource(bytes);
  while (input.bytes.length < RIFF.length && (await input.more()));
  const isWav = RIFF.every((b, i) => input.bytes[i] === b);
  let channels = 1;
  let sampleRateHz = frontend.sampleRateHz;
  let remaining = Infinity;
  if (isWav) {
    let header = parseWavHeader(input.bytes, source, false);
    while (!header) {
      if (!(await input.more())) {
        throw new WavError(source, `ends after ${input.bytes.length} bytes, inside the WAV header`);
      }
      header = parseWavHeader(input.bytes, source, false);
    }
    checkFrontendRate(header.sampleRateHz, frontend, source);
    ({ channels, sampleRateHz } = header);
    remaining = header.dataBytes ?? Infinity;
    input.drop(header.dataStart);
  }
  const frameBytes = 2 * channels;
  const what = isWav
    ? `${channels === 1 ? 'mono' : 'stereo'} 16-bit frames of ${frameBytes} bytes`
    : 'raw 16-bit PCM samples of 2 bytes';
  async function* chunks(): AsyncGenerator<Int16Array> {
    let carry = new Uint8Array(0);
    try {
      for (;;) {
        let data = input.take();
        if (data.length > remaining) data = data.subarray(0, remaining);
        remaining -= data.length;
        if (carry.length > 0) {
          const joined = new Uint8Array(carry.length + data.length);
          joined.set(carry);
          joined.set(data, carry.length);
          data = joined;
        }
        const whole = data.length - (data.length % frameBytes);
        carry = data.slice(whole);
        if (whole > 0) yield decodePcmFrames(data.subarray(0, whole), channels);
        if (remaining === 0 || !(await input.more())) break;
      }
      if (carry.length > 0) {
        throw new InputError(
          `${source}: ends inside a sample (${carry.length} bytes left over); the input must be ${what}`,
        );
      }
    } finally {
      await input.close();
    }
  }
  return { source, sampleRateHz, chunks: chunks() };
}

/** PCM input from `path`: a WAV file, or standard input for `-` (WAV stream or raw PCM). */
export async function openPcmInput(
  path: string,
  frontend: FrontendConfig,
  stdin: AsyncIterable<Uint8Array> = process.stdin,
): Promise<PcmInput> {
  if (path === STDIN_PATH) return openPcmStream(stdin, 'stdin', frontend);
  return pcmFromWav(parseWav(readInputFile(path, 'WAV file'), path), path, frontend);
}
