/**
 * A strict WAV reader for the audio front-end: RIFF/WAVE, PCM (format tag 1, or WAVE_FORMAT_EXTENSIBLE
 * with the PCM sub-format), 16-bit, mono or stereo, 8000 or 16000 Hz. Anything else is a WavError
 * that names the file and what is wrong. Stereo is downmixed to mono as the mean of the two channels,
 * rounded toward negative infinity ((l + r) >> 1), which always fits 16 bits. Browser-safe (the
 * studio page reads its WAV files with it); readWav, which reads a path, is in read-wav.ts.
 */

import { quoted } from '../util/printable.js';
import { InputError } from '../util/input-error.js';

export class WavError extends InputError {
  constructor(source: string, problem: string) {
    super(`${source}: ${problem}`);
    this.name = 'WavError';
  }
}

export interface WavAudio {
  sampleRateHz: number;
  /** Channels in the file (the samples are mono either way). */
  channels: number;
  samples: Int16Array;
}

export const WAV_SAMPLE_RATES: readonly number[] = [8000, 16000];
const FORMAT_PCM = 1;
const FORMAT_EXTENSIBLE = 0xfffe;

function fourCC(view: DataView, at: number): string {
  return String.fromCharCode(
    view.getUint8(at),
    view.getUint8(at + 1),
    view.getUint8(at + 2),
    view.getUint8(at + 3),
  );
}

/** Whether bytes start like a WAV file (RIFF....WAVE), to tell WAV input from spike files. */
export function looksLikeWav(bytes: Uint8Array): boolean {
  if (bytes.length < 12) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return fourCC(view, 0) === 'RIFF' && fourCC(view, 8) === 'WAVE';
}

/** What a WAV header says, up to where the samples start. */
export interface WavHeader {
  sampleRateHz: number;
  channels: number;
  /** Bytes per frame (all channels of one sample). */
  align: number;
  /** Where the "data" chunk's samples start. */
  dataStart: number;
  /** The "data" chunk's declared bytes; undefined for a streamed WAV that declares none (0 or 0xFFFFFFFF). */
  dataBytes: number | undefined;
}

/** The most bytes a streamed WAV may put before its samples (a header, and chunks such as LIST). */
export const MAX_STREAMED_HEADER_BYTES = 65536;

/**
 * The header of a WAV file (`complete`: all its bytes are here; a short file is truncated) or of
 * the start of a WAV stream (null: more bytes are needed; a RIFF or "data" length may be 0 or
 * 0xFFFFFFFF, as a writer that does not know the length puts, and the samples run to the end).
 */
export function parseWavHeader(bytes: Uint8Array, source: string, complete: true): WavHeader;
export function parseWavHeader(bytes: Uint8Array, source: string, complete: false): WavHeader | null;
export function parseWavHeader(bytes: Uint8Array, source: string, complete: boolean): WavHeader | null {
  const fail = (problem: string): never => {
    throw new WavError(source, problem);
  };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 12) {
    if (!complete) return null;
    fail(`${bytes.length} bytes is too short for a RIFF/WAVE header`);
  }
  if (fourCC(view, 0) !== 'RIFF' || fourCC(view, 8) !== 'WAVE') fail('not a WAV file (no RIFF/WAVE header)');
  // A stream's RIFF length says nothing reliable: its chunks are read as they come.
  const riffEnd = complete ? 8 + view.getUint32(4, true) : Infinity;
  if (complete && riffEnd > bytes.length)
    fail(`truncated: the RIFF header declares ${riffEnd} bytes, the file has ${bytes.length}`);
  if (!complete && bytes.length > MAX_STREAMED_HEADER_BYTES)
    fail(`no "data" chunk in the first ${MAX_STREAMED_HEADER_BYTES} bytes of the stream`);

  let format: { tag: number; channels: number; rate: number; bits: number; align: number } | undefined;
  for (let at = 12; at < riffEnd;) {
    if (at + 8 > bytes.length) {
      if (!complete) return null;
      fail(`truncated chunk header at byte ${at}`);
    }
    const id = fourCC(view, at);
    const size = view.getUint32(at + 4, true);
    const body = at + 8;
    if (id === 'data') {
      if (!format) return fail('"data" chunk before the "fmt " chunk');
      const streamed = !complete && (size === 0 || size === 0xffffffff);
      if (complete && body + size > riffEnd)
        fail(`truncated: chunk ${quoted(id)} at byte ${at} runs past the end of the file`);
      checkPcmFormat(format, fail);
      return {
        sampleRateHz: format.rate,
        channels: format.channels,
        align: format.align,
        dataStart: body,
        dataBytes: streamed ? undefined : size,
      };
    }
    if (body + size > Math.min(riffEnd, bytes.length)) {
      if (!complete) return null;
      fail(`truncated: chunk ${quoted(id)} at byte ${at} runs past the end of the file`);
    }
    if (id === 'fmt ') {
      if (size < 16) fail(`"fmt " chunk of ${size} bytes (at least 16 needed)`);
      let tag = view.getUint16(body, true);
      if (tag === FORMAT_EXTENSIBLE) {
        if (size < 40) fail('WAVE_FORMAT_EXTENSIBLE "fmt " chunk shorter than 40 bytes');
        tag = view.getUint16(body + 24, true); // the sub-format GUID starts with the format tag
      }
      format = {
        tag,
        channels: view.getUint16(body + 2, true),
        rate: view.getUint32(body + 4, true),
        align: view.getUint16(body + 12, true),
        bits: view.getUint16(body + 14, true),
      };
    }
    at = body + size + (size & 1); // chunks are padded to an even size
  }
  if (!format) return fail('no "fmt " chunk');
  return fail('no "data" chunk');
}

function checkPcmFormat(
  format: { tag: number; channels: number; rate: number; bits: number; align: number },
  fail: (problem: string) => never,
): void {
  if (format.tag !== FORMAT_PCM) {
    fail(
      `format tag ${format.tag}${format.tag === 3 ? ' (IEEE float)' : ''} is not PCM (1); only 16-bit PCM is read`,
    );
  }
  if (format.bits !== 16) fail(`${format.bits}-bit samples; only 16-bit PCM is read`);
  if (format.channels !== 1 && format.channels !== 2)
    fail(`${format.channels} channels; only mono or stereo is read`);
  if (!WAV_SAMPLE_RATES.includes(format.rate)) {
    fail(
      `sample rate ${format.rate} Hz; the front-end takes ${WAV_SAMPLE_RATES.join(' or ')} Hz (resample first, e.g. sox in.wav -r 16000 out.wav)`,
    );
  }
  if (format.align !== 2 * format.channels)
    fail(`block align ${format.align} does not match 16-bit ${format.channels}-channel samples`);
}

/** Little-endian 16-bit frames of 1 or 2 channels as mono samples (stereo: (l + r) >> 1). */
export function decodePcmFrames(data: Uint8Array, channels: number): Int16Array {
  const frames = Math.floor(data.length / (2 * channels));
  const samples = new Int16Array(frames);
  const d = new DataView(data.buffer, data.byteOffset, data.byteLength);
  for (let i = 0; i < frames; i++) {
    samples[i] =
      channels === 1 ? d.getInt16(2 * i, true) : (d.getInt16(4 * i, true) + d.getInt16(4 * i + 2, true)) >> 1;
  }
  return samples;
}

export function parseWav(bytes: Uint8Array, source = 'WAV data'): WavAudio {
  const { dataStart, dataBytes = 0, align, channels, sampleRateHz } = parseWavHeader(bytes, source, true);
  if (dataBytes % align !== 0)
    throw new WavError(
      source,
      `"data" chunk of ${dataBytes} bytes is not a whole number of ${align}-byte frames`,
    );
  const data = bytes.subarray(dataStart, dataStart + dataBytes);
  return { sampleRateHz, channels, samples: decodePcmFrames(data, channels) };
}

/** A 16-bit PCM mono WAV of these samples (for tests and for `hetsyn encode`'s users). */
export function encodeWav(samples: Int16Array, sampleRateHz: number): Uint8Array {
  const bytes = new Uint8Array(44 + 2 * samples.length);
  const view = new DataView(bytes.buffer);
  const text = (at: number, s: string): void => {
    for (let i = 0; i < 4; i++) view.setUint8(at + i, s.charCodeAt(i));
  };
  text(0, 'RIFF');
  view.setUint32(4, bytes.length - 8, true);
  text(8, 'WAVE');
  text(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, FORMAT_PCM, true);
  view.setUint16(22, 1, true);
  view.setUint32(24, sampleRateHz, true);
  view.setUint32(28, 2 * sampleRateHz, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  text(36, 'data');
  view.setUint32(40, 2 * samples.length, true);
  samples.forEach((s, i) => view.setInt16(44 + 2 * i, s, true));
  return bytes;
}
