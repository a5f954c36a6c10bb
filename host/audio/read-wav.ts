/** A WAV file by path: the Node-only side of wav.ts. */

import { readFileSync } from 'node:fs';
import { parseWav, type WavAudio } from './wav.js';

export function readWav(path: string): WavAudio {
  return parseWav(readFileSync(path), path);
}
