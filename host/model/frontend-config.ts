/**
 * The audio front-end's parameters (docs/frontend.md), as the engine's frontendConfigure takes
 * them and as a model's FRONTEND section carries them.
 */

export interface FrontendConfig {
  /** 8000 or 16000. */
  sampleRateHz: number;
  /** Mel bands B; the encoder emits 2B channels (UP = 2b, DOWN = 2b + 1). */
  bands: number;
  windowMs: number;
  hopMs: number;
  /** Delta threshold in log2 power units, Q8 (256 = one octave of power = 3.01 dB). */
  thresholdQ8: number;
}

/** dB of power to the Q8 log2 power units of thresholdQ8: dB * log2(10) / 10 * 256, rounded. */
export function thresholdQ8FromDb(db: number): number {
  return Math.round(((db * Math.log2(10)) / 10) * 256);
}

/** The default front-end, the shipped models' (docs/frontend.md): 32 bands, 25 ms window, 10 ms hop, 9 dB. */
export function defaultFrontend(sampleRateHz: number): FrontendConfig {
  return { sampleRateHz, bands: 32, windowMs: 25, hopMs: 10, thresholdQ8: thresholdQ8FromDb(9) };
}

/** The front-end's window in samples (the engine's: windowMs x samples per ms). */
export function frontendWindowSamples(config: FrontendConfig): number {
  return config.windowMs * (config.sampleRateHz / 1000);
}

/** The front-end's hop in samples: one step per hop once the first window is full. */
export function frontendHopSamples(config: FrontendConfig): number {
  return config.hopMs * (config.sampleRateHz / 1000);
}
