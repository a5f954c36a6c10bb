/**
 * What the studio page runs on the .wasm engine: a whole clip exactly as `hetsyn sim` runs it, or
 * a live microphone stream. Both give StudioSteps, which the view draws and the detection source
 * (detections.ts) reads. No DOM here: the tests run it in Node too.
 */

import type { Engine } from '../wasm/engine.js';
import { encodeWavAudio } from '../audio/encode.js';
import type { ModelInfo } from '../model/model-info.js';
import type { FrontendConfig } from '../model/frontend-config.js';
import { simulate } from '../sim/simulate.js';
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
  /** The decision after this step (-1: none yet); for the microphone, the last window's. */
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

/** A decision window of the microphone path: one second of 10 ms steps, about a training clip. */
const MIC_WINDOW_STEPS = 100;

/**
 * The microphone, step by step. The engine decides over a window from its last reset (the sum of
 * scores), so a live stream is cut into windows of MIC_WINDOW_STEPS; a second engine runs the
 * same spikes half a window later, so every word shorter than half a window falls whole into some
 * window. Each window's decision is taken at its end and held until the next window ends.
 */
export class MicRun {
  private t = 0;
  private decision = -1;

  /** `engines[0]` encodes (its front-end is set up here) and is the one whose scores are shown. */
  constructor(
    private readonly engines: readonly Engine[],
    info: ModelInfo,
    readonly windowSteps = MIC_WINDOW_STEPS,
  ) {
    const first = engines[0];
    if (!first) throw new Error('MicRun needs an engine');
    first.frontendConfigure(frontendOf(info));
    for (const engine of engines) engine.reset();
  }

  /** Step offset of engine k's windows. */
  private offset(k: number): number {
    return Math.floor((k * this.windowSteps) / this.engines.length);
  }

  /** The next samples at the front-end's rate; returns the steps they complete. */
  push(samples: Int16Array): StudioStep[] {
    const [first] = this.engines;
    if (!first) return [];
    return first.encodeAudio(samples).map((input) => {
      const t = this.t++;
      this.engines.forEach((engine, k) => {
        engine.step(input);
        // Steps engine k has run since its first window began (that starts at its offset).
        const phase = t + 1 - this.offset(k);
        if (phase === 0) {
          engine.reset();
        } else if (phase > 0 && phase % this.windowSteps === 0) {
          // Engine k's window ends at this step: its decision counts, and it starts afresh.
          this.decision = engine.decision();
          engine.reset();
        }
      });
      return { t, input, scores: Array.from(first.scores()), decision: this.decision };
    });
  }
}
