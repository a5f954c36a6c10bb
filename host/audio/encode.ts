/**
 * WAV audio to spike steps through the .wasm front-end: shared by `sim`, `encode`, the studio page
 * and the tests. It takes the engine to encode with, so it needs nothing of Node's.
 */

import type { Engine } from '../wasm/engine.js';
import type { SpikeTrain } from '../spikes/spike-file.js';
import { InputError } from '../util/input-error.js';
import type { FrontendConfig } from '../model/frontend-config.js';
import type { WavAudio } from './wav.js';

/** Refuses audio sampled at another rate than the front-end's (InputError). */
export function checkFrontendRate(sampleRateHz: number, config: FrontendConfig, source: string): void {
  if (sampleRateHz !== config.sampleRateHz) {
    throw new InputError(
      `${source} is sampled at ${sampleRateHz} Hz; the front-end takes ${config.sampleRateHz} Hz (resample it, e.g. sox ${source} -r ${config.sampleRateHz} out.wav)`,
    );
  }
}

/** The spike train of `audio` under `config`, encoded by `engine` (its front-end is reconfigured). */
export function encodeWavAudio(
  audio: WavAudio,
  config: FrontendConfig,
  source: string,
  engine: Engine,
): SpikeTrain {
  checkFrontendRate(audio.sampleRateHz, config, source);
  engine.frontendConfigure(config);
  return { channelCount: 2 * config.bands, steps: engine.encodeAudio(audio.samples) };
}

/**
 * The spike steps of samples arriving in chunks, encoded by `engine` as they come (its front-end
 * is reconfigured first, then carries on across chunks): the steps each chunk completes.
 */
export async function* encodeSampleChunks(
  chunks: AsyncIterable<Int16Array>,
  config: FrontendConfig,
  engine: Engine,
): AsyncGenerator<number[][]> {
  engine.frontendConfigure(config);
  for await (const chunk of chunks) {
    const steps = engine.encodeAudio(chunk);
    if (steps.length > 0) yield steps;
  }
}
