// The FRONTEND section of a model (docs/model-format.md): the audio front-end settings the model
// was trained with. The parser fills ModelFrontend; the front-end checks a configuration it is
// given with the same validConfig, so a model can only name settings the front-end runs.

/** The most mel bands; the front-end sizes its per-band buffers by it. */
export const MAX_BANDS: u32 = 64;

/** The FRONTEND section of the loaded model, set by the parser (present = false when it has none). */
export class ModelFrontend {
  static present: bool = false;
  static sampleRateHz: u32 = 0;
  static bands: u32 = 0;
  static windowMs: u32 = 0;
  static hopMs: u32 = 0;
  static thresholdQ8: u32 = 0;
}

/** Whether these parameters are in range (the FRONTEND section is checked with the same rule). */
export function validConfig(
  sampleRateHz: u32,
  bands: u32,
  windowMs: u32,
  hopMs: u32,
  thresholdQ8: u32,
): bool {
  if (sampleRateHz != 8000 && sampleRateHz != 16000) return false;
  // The FFT holds 256 samples at 8 kHz and 512 at 16 kHz: 32 ms either way.
  if (bands == 0 || bands > MAX_BANDS || windowMs == 0 || windowMs > 32) return false;
  return hopMs != 0 && hopMs <= windowMs && thresholdQ8 != 0 && thresholdQ8 <= 0xffff;
}
