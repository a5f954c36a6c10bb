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
import { COUNTER_EXPORT, functionCounterExport, instrumentWasm } from './instrument-wasm.js';

export interface CountingEngine {
  engine: Engine;
  /** The wasm instructions `run` executes (any export calls it makes), and its result. */
  count: <T>(run: () => T) => { instructions: number; result: T };
  /** With `perFunction`: what each function of the code section has executed so far. */
  functionCounts: () => number[];
}

const counting = new Map<string, WebAssembly.Module>();

/** A fresh engine on the counting copy of build/hetsyn.wasm (or another build of it). */
export function openCountingEngine(
  wasmPath: string = DEFAULT_WASM_PATH,
  perFunction = false,
): CountingEngine {
  const key = `${perFunction ? 'by function ' : ''}${wasmPath}`;
  let module = counting.get(key);
  if (!module) {
    module = new WebAssembly.Module(instrumentWasm(readFileSync(wasmPath), perFunction));
    counting.set(key, module);
  }
  const engine = Engine.instantiate(module);
  const counter = engine.exported(COUNTER_EXPORT) as WebAssembly.Global;
  const functions: WebAssembly.Global[] = [];
  for (let i = 0; perFunction && engine.exported(functionCounterExport(i)) !== undefined; i++) {
    functions.push(engine.exported(functionCounterExport(i)) as WebAssembly.Global);
  }
  return {
    engine,
    count: <T>(run: () => T) => {
      const before = counter.value as bigint;
      const result = run();
      return { instructions: Number((counter.value as bigint) - before), result };
    },
    functionCounts: () => functions.map((f) => Number(f.value as bigint)),
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

/** Instructions per function of the code section, summed over every hop, for each part of a hop. */
export interface HopProfile {
  frontend: number[];
  engine: number[];
  detect: number[];
}

/**
 * Streams every clip of `samplesDir` through the model's own front-end one hop of samples at a
 * time, as a board's audio ring does, and steps the network on each step's spikes from a reset
 * state (the detector reset with it), as a board listens. The front-end's cost of the pushes
 * before its first window is full counts too. With `profile`, the counts are also split by
 * function into it.
 */
export function measureHopCost(
  model: Uint8Array,
  samplesDir: string,
  wasmPath: string = DEFAULT_WASM_PATH,
  profile?: HopProfile,
): HopCost {
  const counting = openCountingEngine(wasmPath, profile !== undefined);
  const { engine } = counting;
  const count = <T>(part: keyof HopProfile, run: () => T): { instructions: number; result: T } => {
    if (!profile) return counting.count(run);
    const before = counting.functionCounts();
    const counted = counting.count(run);
    counting.functionCounts().forEach((after, i) => {
      profile[part][i] = (profile[part][i] ?? 0) + after - (before[i] ?? 0);
    });
    return counted;
  };
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
      const pushed = count('frontend', () => engine.encodeAudio(samples.subarray(at, at + hop)));
      frontend += pushed.instructions;
      for (const spikes of pushed.result) {
        steps.push(count('engine', () => engine.step(spikes)).instructions);
        detect += count('detect', () => engine.detectStep()).instructions;
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
