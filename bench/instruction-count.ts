/**
 * The deterministic cost measure of `npm run bench`: wasm instructions executed per 10 ms hop, by
 * a counting copy of build/hetsyn.wasm (bench/instrument-wasm.ts), for the front-end (pushing a
 * hop of samples and taking its step's spikes), the engine (the `step` export) and detection (the
 * `detectStep` export on that step's scores), on a shipped model and its sample clips. Instructions, not seconds: the same on every machine, and under
 * WAMR's classic interpreter each costs about the same (~20 Cortex-M4 instructions).
 */

import { readFileSync } from 'node:fs';
import { Engine } from '../host/wasm/engine.js';
import { DEFAULT_WASM_PATH } from '../host/wasm/module.js';
import { openDataset } from '../host/data/dataset.js';
import { readWav } from '../host/audio/read-wav.js';
import { percentile } from '../host/util/percentile.js';
import { COUNTER_EXPORT, instrumentWasm } from './instrument-wasm.js';

export interface CountingEngine {
  engine: Engine;
  /** The wasm instructions `run` executes (any export calls it makes), and its result. */
  count: <T>(run: () => T) => { instructions: number; result: T };
}

const counting = new Map<string, WebAssembly.Module>();

/** A fresh engine on the counting copy of build/hetsyn.wasm (or another build of it). */
export function openCountingEngine(wasmPath: string = DEFAULT_WASM_PATH): CountingEngine {
  let module = counting.get(wasmPath);
  if (!module) {
    module = new WebAssembly.Module(instrumentWasm(readFileSync(wasmPath)));
    counting.set(wasmPath, module);
  }
  const engine = Engine.instantiate(module);
  const counter = engine.exported(COUNTER_EXPORT) as WebAssembly.Global;
  return {
    engine,
    count: <T>(run: () => T) => {
      const before = counter.value as bigint;
      const result = run();
      return { instructions: Number((counter.value as bigint) - before), result };
    },
  };
}

export interface HopCost {
  clips: number;
  hops: number;
  /** Means per hop (a hop that completes a front-end step). */
  frontendMean: number;
  engineMean: number;
  engineP99: number;
  detectMean: number;
}

/**
 * Streams every clip of `samplesDir` through the model's own front-end one hop of samples at a
 * time, as a board's audio ring does, and steps the network on each step's spikes from a reset
 * state (the detector reset with it), as a board listens. The front-end's cost of the pushes
 * before its first window is full counts too.
 */
export function measureHopCost(
  model: Uint8Array,
  samplesDir: string,
  wasmPath: string = DEFAULT_WASM_PATH,
): HopCost {
  const { engine, count } = openCountingEngine(wasmPath);
  const info = engine.loadOrThrow(model);
  const config = info.frontend;
  if (!config) throw new Error(`${info.name} has no FRONTEND section: its hop cost needs one`);
  const hop = (config.hopMs * config.sampleRateHz) / 1000;
  const clips = openDataset(samplesDir).clips('all');
  let frontend = 0;
  let detect = 0;
  const steps: number[] = [];
  for (const clip of clips) {
    const { samples } = readWav(clip.path);
    engine.reset();
    engine.frontendConfigure(config);
    for (let at = 0; at < samples.length; at += hop) {
      const pushed = count(() => engine.encodeAudio(samples.subarray(at, at + hop)));
      frontend += pushed.instructions;
      for (const spikes of pushed.result) {
        steps.push(count(() => engine.step(spikes)).instructions);
        detect += count(() => engine.detectStep()).instructions;
      }
    }
  }
  const sorted = [...steps].sort((a, b) => a - b);
  return {
    clips: clips.length,
    hops: steps.length,
    frontendMean: frontend / steps.length,
    engineMean: steps.reduce((a, b) => a + b, 0) / steps.length,
    engineP99: percentile(sorted, 99) ?? 0,
    detectMean: detect / steps.length,
  };
}
