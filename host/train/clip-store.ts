/**
 * Training audio held once in shared memory (every worker reads the same buffers) and its
 * encoding into spikes by the .wasm front-end: the very code a board runs on its microphone.
 */
import type { Engine } from '../wasm/engine.js';
import type { FrontendConfig } from '../model/frontend-config.js';
import { readWav } from '../audio/read-wav.js';
import type { ClipSpikes } from './bptt.js';
import { InputError } from '../util/input-error.js';

export interface ClipStore {
  sampleRateHz: number;
  /** All clips' samples end to end (a SharedArrayBuffer). */
  audio: Int16Array;
  /** Clip i is audio[offsets[i] .. offsets[i+1]). */
  offsets: Int32Array;
  labels: Int32Array;
}

export class ClipStoreError extends InputError {
  constructor(message: string) {
    super(message);
    this.name = 'ClipStoreError';
  }
}

function shared<T extends Int16Array | Int32Array>(make: (buffer: SharedArrayBuffer) => T, bytes: number): T {
  return make(new SharedArrayBuffer(Math.max(8, bytes)));
}

/** Reads every clip; all must be at `sampleRateHz` (the model's front-end rate). */
export function loadClips(
  clips: readonly { path: string; label: number }[],
  sampleRateHz: number,
  onClip?: () => void,
): ClipStore {
  const samples = clips.map(({ path }) => {
    const wav = readWav(path);
    if (wav.sampleRateHz !== sampleRateHz) {
      throw new ClipStoreError(
        `${path} is sampled at ${wav.sampleRateHz} Hz; this model's front-end takes ${sampleRateHz} Hz`,
      );
    }
    onClip?.();
    return wav.samples;
  });
  const total = samples.reduce((n, s) => n + s.length, 0);
  const audio = shared((b) => new Int16Array(b, 0, total), 2 * total);
  const offsets = shared((b) => new Int32Array(b, 0, clips.length + 1), 4 * (clips.length + 1));
  const labels = shared((b) => new Int32Array(b, 0, clips.length), 4 * clips.length);
  samples.forEach((s, i) => {
    audio.set(s, offsets[i]);
    offsets[i + 1] = offsets[i] + s.length;
    labels[i] = clips[i].label;
  });
  return { sampleRateHz, audio, offsets, labels };
}

export function clipAudio(store: ClipStore, index: number): Int16Array {
  return store.audio.subarray(store.offsets[index], store.offsets[index + 1]);
}

/** The front-end's spikes for `samples`, in the trainer's flat form. */
export function encodeSpikes(engine: Engine, frontend: FrontendConfig, samples: Int16Array): ClipSpikes {
  engine.frontendConfigure(frontend);
  return flatSpikes(engine.encodeAudio(samples));
}

/** Per-step channel lists in the trainer's flat form. */
export function flatSpikes(steps: number[][]): ClipSpikes {
  const offsets = new Int32Array(steps.length + 1);
  let total = 0;
  steps.forEach((s, t) => (offsets[t + 1] = total += s.length));
  const channels = new Uint16Array(total);
  steps.forEach((s, t) => channels.set(s, offsets[t]));
  return { steps: steps.length, offsets, channels };
}
