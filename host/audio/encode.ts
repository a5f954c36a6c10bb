/**
 * WAV audio to spike steps through the .wasm front-end: shared by `sim`, `encode`, the studio page
 * and the tests. It takes the engine to encode with, so it needs nothing of Node's.
 */

import type { Engine } from '../wasm/engine.js';
import type { SpikeTrain } from '../spikes/spike-file.js';
import { InputError } from '../util/input-error.js';
import type { FrontendConfig } from '../model/frontend-config.js';
import type { WavAudio } from './wav.js';

/** The spike train of `audio` under `config`, encoded by `engine` (its front-end is reconfigured). */
export function encodeWavAudio(
  audio: WavAudio,
  config: FrontendConfig,
  source: string,
  engine: Engine,
): SpikeTrain {
  if (audio.sampleRateHz !== config.sampleRateHz) {
    throw new InputError(
      `${source} is sampled at ${audio.sampleRateHz} Hz; the front-end takes ${config.sampleRateHz} Hz (resample it, e.g. sox ${source} -r ${config.sampleRateHz} out.wav)`,
    );
  }
  engine.frontendConfigure(config);
  return { channelCount: 2 * config.bands, steps: engine.encodeAudio(audio.samples) };
}
