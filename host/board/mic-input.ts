/**
 * What the virtual board hears (`hetsyn board --mic`): a WAV file, read whole, or `-`, raw S16LE
 * mono PCM on standard input, taken as it arrives (`arecord -f S16_LE -r 16000 -c 1 | hetsyn board
 * --mic -`). Standard input is paused while a minute of audio waits unread, so a fast writer
 * waits instead of filling memory.
 */

import { parseWav } from '../audio/wav.js';
import { readInputFile } from '../util/read-file.js';
import { PcmQueue } from './mic.js';

export interface MicInput {
  queue: PcmQueue;
  /** A WAV's rate; raw PCM has none (it plays at the model's). */
  sourceRateHz?: number;
  /** For the log: what it is. */
  description: string;
}

/** Samples (a minute at 16 kHz) after which standard input is paused until half are taken. */
export const STDIN_BACKLOG_SAMPLES = 960_000;

/** Opens FILE.wav, or `-` for `stdin`; an InputError for a file that cannot be read or is not a usable WAV. */
export function openMicInput(
  path: string,
  stdin: NodeJS.ReadableStream = process.stdin,
  log: (line: string) => void = () => undefined,
): MicInput {
  const queue = new PcmQueue();
  if (path !== '-') {
    const wav = parseWav(readInputFile(path, 'microphone file'), path);
    queue.push(wav.samples);
    queue.end();
    const seconds = (wav.samples.length / wav.sampleRateHz).toFixed(1);
    return {
      queue,
      sourceRateHz: wav.sampleRateHz,
      description: `${path} (${wav.sampleRateHz} Hz, ${seconds} s)`,
    };
  }
  let carry: Buffer = Buffer.alloc(0);
  queue.onLow = {
    below: STDIN_BACKLOG_SAMPLES / 2,
    call: () => {
      if (stdin.isPaused()) stdin.resume();
    },
  };
  stdin.on('data', (chunk: Buffer | string) => {
    const bytes = Buffer.concat([carry, typeof chunk === 'string' ? Buffer.from(chunk, 'binary') : chunk]);
    const samples = new Int16Array(bytes.length >>> 1);
    for (let i = 0; i < samples.length; i++) samples[i] = bytes.readInt16LE(2 * i);
    carry = bytes.subarray(2 * samples.length);
    queue.push(samples);
    if (queue.length >= STDIN_BACKLOG_SAMPLES) stdin.pause();
  });
  stdin.on('end', () => {
    queue.end();
    log('mic: end of standard input');
  });
  stdin.on('error', (error: Error) => {
    queue.end();
    log(`mic: standard input failed: ${error.message}`);
  });
  return { queue, description: 'standard input (raw S16LE, at the model rate)' };
}
