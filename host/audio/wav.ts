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

export function parseWav(bytes: Uint8Array, source = 'WAV data'): WavAudio {
  const fail = (problem: string): never => {
    throw new WavError(source, problem);
  };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 12) fail(`${bytes.length} bytes is too short for a RIFF/WAVE header`);
  if (fourCC(view, 0) !== 'RIFF' || fourCC(view, 8) !== 'WAVE') fail('not a WAV file (no RIFF/WAVE header)');
  const riffEnd = 8 + view.getUint32(4, true);
  if (riffEnd > bytes.length)
    fail(`truncated: the RIFF header declares ${riffEnd} bytes, the file has ${bytes.length}`);

  let format: { tag: number; channels: number; rate: number; bits: number; align: number } | undefined;
  let data: Uint8Array | undefined;
  for (let at = 12; at < riffEnd && !data;) {
    if (at + 8 > riffEnd) fail(`truncated chunk header at byte ${at}`);
    const id = fourCC(view, at);
    const size = view.getUint32(at + 4, true);
    const body = at + 8;
    if (body + size > riffEnd)
      fail(`truncated: chunk ${quoted(id)} at byte ${at} runs past the end of the file`);
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
    } else if (id === 'data') {
      if (!format) fail('"data" chunk before the "fmt " chunk');
      data = bytes.subarray(body, body + size);
    }
    at = body + size + (size & 1); // chunks are padded to an even size
  }
  if (!format) return fail('no "fmt " chunk');
  if (!data) return fail('no "data" chunk');
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
  if (data.length % format.align !== 0)
    fail(`"data" chunk of ${data.length} bytes is not a whole number of ${format.align}-byte frames`);

  const frames = data.length / format.align;
  const samples = new Int16Array(frames);
  const d = new DataView(data.buffer, data.byteOffset, data.byteLength);
  for (let i = 0; i < frames; i++) {
    samples[i] =
      format.channels === 1
        ? d.getInt16(2 * i, true)
        : (d.getInt16(4 * i, true) + d.getInt16(4 * i + 2, true)) >> 1;
  }
  return { sampleRateHz: format.rate, channels: format.channels, samples };
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
