/** WAV audio to spike steps through the .wasm front-end: shared by `sim`, `encode` and the tests. */

import type { Engine } from '../wasm/engine.js';
import { openEngine } from '../wasm/module.js';
import type { SpikeTrain } from '../spikes/spike-file.js';
import { InputError } from '../util/input-error.js';
import type { FrontendConfig } from '../model/frontend-config.js';
import type { WavAudio } from './wav.js';

/** The spike train of `audio` under `config` (a fresh engine unless one is given; it is reconfigured). */
export function encodeWavAudio(
  audio: WavAudio,
  config: FrontendConfig,
  source: string,
  engine?: Engine,
): SpikeTrain {
  if (audio.sampleRateHz !== config.sampleRateHz) {
    throw new InputError(
      `${source} is sampled at ${audio.sampleRateHz} Hz; the front-end takes ${config.sampleRateHz} Hz (resample it, e.g. sox ${source} -r ${config.sampleRateHz} out.wav)`,
    );
  }
  const e = engine ?? openEngine();
  e.frontendConfigure(config);
  return { channelCount: 2 * config.bands, steps: e.encodeAudio(audio.samples) };
}
