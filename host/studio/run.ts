/**
 * What the studio page runs on the .wasm engine: a whole clip exactly as `hetsyn sim` runs it, or
 * a live microphone stream as a board listens to its own. Both give StudioSteps, with the .wasm
 * detector's detections on them, which the view draws. No DOM here: the tests run it in Node too.
 */

import type { Engine } from '../wasm/engine.js';
import { encodeWavAudio } from '../audio/encode.js';
import type { ModelInfo } from '../model/model-info.js';
import type { FrontendConfig } from '../model/frontend-config.js';
import { detectAfterStep, simulate } from '../sim/simulate.js';
import { InputError } from '../util/input-error.js';
import type { WavAudio } from '../audio/wav.js';
import type { Detection } from '../model/detection.js';

export interface StudioStep {
  /** Step since the start of the input. */
  t: number;
  /** The input channels that spiked at this step. */
  input: readonly number[];
  /** Readout scores (state LSB); absent when a board's RESULT did not carry them or was lost. */
  scores?: readonly number[];
  /** The decision after this step (-1: none yet); for the microphone, the latest detection's class. */
  decision: number;
  /** The .wasm detector's detection that this step brought (docs/detection.md), as a board reports it. */
  detection?: Detection;
}

/** The model's front-end, or why the page cannot feed it audio. */
export function frontendOf(info: ModelInfo): FrontendConfig {
  if (!info.frontend) {
    throw new InputError(
      `${info.name} carries no audio front-end (no FRONTEND section): the studio feeds it audio only through one`,
    );
  }
  return info.frontend;
}

/**
 * A WAV clip as `hetsyn sim MODEL CLIP.wav` runs it: the same rate check, the model's front-end
 * from silence over all of the samples, then simulate() from a reset. Same engine, same code, so
 * the same scores and detections bit for bit.
 */
export function runClip(engine: Engine, info: ModelInfo, audio: WavAudio, source: string): StudioStep[] {
  const train = encodeWavAudio(audio, frontendOf(info), source, engine);
  const { steps } = train;
  return simulate(engine, train).map((r) => ({
    t: r.t,
    input: steps[r.t] ?? [],
    scores: r.scores,
    decision: r.decision,
    ...(r.detection ? { detection: r.detection } : {}),
  }));
}

/**
 * The microphone, hop by hop, as a board listens to its own: one engine, reset once at the start
 * and never again, the .wasm front-end on each hop of samples, then a step, then the detector. The
 * decision shown is the latest detection's class (the engine's window decision would sum the
 * scores since the start, which on an endless stream means nothing).
 */
export class MicRun {
  private t = 0;
  private decision = -1;

  constructor(
    private readonly engine: Engine,
    info: ModelInfo,
  ) {
    engine.frontendConfigure(frontendOf(info));
    engine.reset();
  }

  /** The next samples at the front-end's rate; returns the steps they complete. */
  push(samples: Int16Array): StudioStep[] {
    return this.engine.encodeAudio(samples).map((input) => {
      this.engine.step(input);
      const detection = detectAfterStep(this.engine);
      if (detection) this.decision = detection.label;
      const step: StudioStep = {
        t: this.t++,
        input,
        scores: Array.from(this.engine.scores()),
        decision: this.decision,
      };
      return detection ? { ...step, detection } : step;
    });
  }
}
