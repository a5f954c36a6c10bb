/**
 * The host's handle on build/hetsyn.wasm: the very engine a board runs, instantiated from a compiled
 * module. Host simulation, the .hsm writer (for its CRC), the studio page and the tests all go
 * through this one class; nothing here re-implements the engine. Browser-safe: it never reads a
 * file (in Node, openEngine() in module.ts compiles build/hetsyn.wasm and passes it in; the studio
 * page compiles the same file from its server).
 */

import { boardImports } from './board-imports.js';
import { EngineError, statusCode } from '../model/errors.js';
import type { LayerKind } from '../model/hsm.js';
import { WASM_PAGE_BYTES } from '../model/cost.js';
import type { FrontendConfig } from '../model/frontend-config.js';
import type { LayerInfo, ModelInfo } from '../model/model-info.js';
import type { DetectParams, LatestDetection } from '../model/detection.js';

interface EngineExports {
  memory: WebAssembly.Memory;
  __heap_base: WebAssembly.Global;
  modelPlace(): number;
  modelLoad(base: number, bytes: number): number;
  stateArenaBytes(): number;
  modelLoaded(): number;
  reset(): number;
  inputBuffer(): number;
  step(count: number): number;
  decision(): number;
  stepCount(): number;
  scores(): number;
  scoreSums(): number;
  spikes(layer: number): number;
  spikeList(layer: number): number;
  spikeCount(layer: number): number;
  membrane(layer: number, neuron: number): number;
  modelInfo(field: number): number;
  layerInfo(layer: number, field: number): number;
  engineVersion(): number;
  detectStep(): number;
  detectReset(): number;
  detectInfo(field: number): number;
  detectParam(field: number): number;
  detectSetParam(field: number, value: number): number;
  frontendConfigure(rate: number, bands: number, windowMs: number, hopMs: number, q8: number): number;
  frontendReset(): void;
  frontendSamples(): number;
  frontendRoom(): number;
  frontendPush(count: number): number;
  frontendNextStep(): number;
  frontendSpikes(): number;
  frontendConfigureFromModel(): number;
}

// Field numbers of the modelInfo/layerInfo exports, as assembly/model-info-fields.ts numbers them
// (a test ties the two).
export const MODEL_INFO_FIELD = {
  formatVersion: 0,
  inputCount: 1,
  layerCount: 2,
  classCount: 3,
  timestepUs: 4,
  decisionMode: 5,
  decisionSkipSteps: 6,
  modelBytes: 7,
  stateBytes: 8,
  nameBytes: 9,
  namePtr: 10,
  labelsPtr: 11,
  frontendPresent: 12,
  frontendSampleRateHz: 13,
  frontendBands: 14,
  frontendWindowMs: 15,
  frontendHopMs: 16,
  frontendThresholdQ8: 17,
  detectPresent: 18,
} as const;
export const LAYER_INFO_FIELD = {
  kind: 0,
  inputCount: 1,
  neuronCount: 2,
  levelCount: 3,
  bucketBits: 4,
  sparse: 5,
  synapseCount: 6,
  weightShift: 7,
  stateFracBits: 8,
  resetDecayQ16: 9,
  stateWidth: 10,
  levelDecayPtr: 11,
} as const;
export const DETECT_INFO_FIELD = { count: 0, step: 1, class: 2, score: 3 } as const;
export const DETECT_PARAM_FIELD = { smoothingShift: 0, suppressSteps: 1, threshold: 2 } as const;
const BAD_INPUT = statusCode('BAD_INPUT');
const NO_MODEL = statusCode('NO_MODEL');
const TOO_LARGE = statusCode('TOO_LARGE');
const KINDS: readonly LayerKind[] = ['feedforward', 'recurrent', 'readout'];
const utf8 = new TextDecoder('utf-8', { fatal: false });

export class Engine {
  private readonly x: EngineExports;
  private readonly instanceExports: WebAssembly.Exports;
  /** The engine's input list, viewed once per load (memory grows only while loading). */
  private inputView: Uint16Array | undefined;

  private constructor(instance: WebAssembly.Instance) {
    this.instanceExports = instance.exports;
    this.x = instance.exports as unknown as EngineExports;
  }

  /** Any export of the instance by name, for tools that instrument the module (bench/instruction-count.ts). */
  exported(name: string): unknown {
    return this.instanceExports[name];
  }

  /** A fresh engine instance with its own memory, of a compiled hetsyn.wasm (which may be shared). */
  static instantiate(module: WebAssembly.Module): Engine {
    // The board ABI with nothing behind it: host simulation never polls the board side. The imports
    // need the instance's memory, which exists only once the instance does.
    const self: { engine?: Engine } = {};
    const imports = boardImports({ uart: null, storage: null }, () => self.engine?.x.memory);
    self.engine = new Engine(new WebAssembly.Instance(module, imports));
    return self.engine;
  }

  private get bytes(): Uint8Array {
    return new Uint8Array(this.x.memory.buffer);
  }

  /**
   * Places and validates a model; returns the engine's status code (0 = loaded). The module reads
   * the model where it lies and never grows memory: this copies the bytes past its static data,
   * growing memory from outside as a board maps its flash slot instead.
   */
  load(model: Uint8Array): number {
    this.inputView = undefined;
    const at = this.x.modelPlace();
    const missing = at + model.length - this.x.memory.buffer.byteLength;
    try {
      if (missing > 0) this.x.memory.grow(Math.ceil(missing / WASM_PAGE_BYTES));
    } catch {
      return TOO_LARGE; // beyond what this host's wasm memory can hold
    }
    this.bytes.set(model, at);
    const code = this.x.modelLoad(at, model.length);
    if (code === 0) {
      this.inputView = new Uint16Array(
        this.x.memory.buffer,
        this.x.inputBuffer(),
        this.x.modelInfo(MODEL_INFO_FIELD.inputCount),
      );
    }
    return code;
  }

  /** Like load, but a rejected model throws an EngineError naming the code. */
  loadOrThrow(model: Uint8Array, action = 'load model'): ModelInfo {
    const code = this.load(model);
    if (code !== 0) throw new EngineError(action, code);
    return this.info();
  }

  /** The module's linear memory now: it grows only while a model is placed, never while it runs. */
  get memoryBytes(): number {
    return this.x.memory.buffer.byteLength;
  }

  get loaded(): boolean {
    return this.x.modelLoaded() !== 0;
  }

  info(): ModelInfo {
    if (!this.loaded) throw new EngineError('describe model', NO_MODEL);
    const f = (field: number): number => this.x.modelInfo(field) >>> 0;
    const layerCount = f(MODEL_INFO_FIELD.layerCount);
    const layers: LayerInfo[] = [];
    for (let l = 0; l < layerCount; l++) {
      const g = (field: number): number => this.x.layerInfo(l, field) >>> 0;
      const levelCount = g(LAYER_INFO_FIELD.levelCount);
      const decays = new Uint32Array(this.x.memory.buffer, g(LAYER_INFO_FIELD.levelDecayPtr), levelCount);
      layers.push({
        kind: KINDS[g(LAYER_INFO_FIELD.kind)] ?? 'feedforward',
        inputCount: g(LAYER_INFO_FIELD.inputCount),
        neuronCount: g(LAYER_INFO_FIELD.neuronCount),
        levelCount,
        bucketBits: g(LAYER_INFO_FIELD.bucketBits),
        sparse: g(LAYER_INFO_FIELD.sparse) !== 0,
        synapseCount: g(LAYER_INFO_FIELD.synapseCount),
        weightShift: g(LAYER_INFO_FIELD.weightShift),
        stateFracBits: g(LAYER_INFO_FIELD.stateFracBits),
        resetDecayQ16: g(LAYER_INFO_FIELD.resetDecayQ16),
        stateWidth: g(LAYER_INFO_FIELD.stateWidth),
        levelDecayQ16: Array.from(decays),
      });
    }
    const classCount = f(MODEL_INFO_FIELD.classCount);
    const labels: string[] = [];
    let at = f(MODEL_INFO_FIELD.labelsPtr);
    for (let c = 0; c < classCount; c++) {
      const length = this.bytes[at] ?? 0;
      labels.push(utf8.decode(this.bytes.subarray(at + 1, at + 1 + length)));
      at += 1 + length;
    }
    const namePtr = f(MODEL_INFO_FIELD.namePtr);
    const frontend: FrontendConfig | undefined =
      f(MODEL_INFO_FIELD.frontendPresent) === 0
        ? undefined
        : {
            sampleRateHz: f(MODEL_INFO_FIELD.frontendSampleRateHz),
            bands: f(MODEL_INFO_FIELD.frontendBands),
            windowMs: f(MODEL_INFO_FIELD.frontendWindowMs),
            hopMs: f(MODEL_INFO_FIELD.frontendHopMs),
            thresholdQ8: f(MODEL_INFO_FIELD.frontendThresholdQ8),
          };
    return {
      formatVersion: f(MODEL_INFO_FIELD.formatVersion),
      engineVersion: this.x.engineVersion(),
      name: utf8.decode(this.bytes.subarray(namePtr, namePtr + f(MODEL_INFO_FIELD.nameBytes))),
      labels,
      inputCount: f(MODEL_INFO_FIELD.inputCount),
      classCount,
      timestepUs: f(MODEL_INFO_FIELD.timestepUs),
      decisionMode: f(MODEL_INFO_FIELD.decisionMode),
      decisionSkipSteps: f(MODEL_INFO_FIELD.decisionSkipSteps),
      modelBytes: f(MODEL_INFO_FIELD.modelBytes),
      stateBytes: f(MODEL_INFO_FIELD.stateBytes),
      linearMemoryBytes: this.x.__heap_base.value as number,
      stateArenaBytes: this.x.stateArenaBytes(),
      ...(frontend ? { frontend } : {}),
      layers,
    };
  }

  reset(): void {
    const code = this.x.reset();
    if (code !== 0) throw new EngineError('reset state', code);
  }

  /** Steps the network with these input channels spiking; returns the engine's status code. */
  stepRaw(active: ArrayLike<number>): number {
    const view = this.inputView;
    // Too long a list is the engine's to refuse (BAD_INPUT); only write what fits its buffer.
    if (view && active.length <= view.length) {
      for (let i = 0; i < active.length; i++) {
        const channel = active[i] ?? -1;
        // A u16 store would wrap 65536 to channel 0: refuse what the engine could not see.
        if (!(channel >= 0 && channel <= 0xffff && Number.isInteger(channel))) return BAD_INPUT;
        view[i] = channel;
      }
    }
    return this.x.step(active.length);
  }

  step(active: ArrayLike<number>): void {
    const code = this.stepRaw(active);
    if (code !== 0) throw new EngineError('step', code);
  }

  get stepCount(): number {
    return this.x.stepCount() >>> 0;
  }

  /** The readout scores of the last step (a copy). */
  scores(): Int32Array {
    return new Int32Array(
      this.x.memory.buffer,
      this.x.scores(),
      this.x.modelInfo(MODEL_INFO_FIELD.classCount),
    ).slice();
  }

  /** The decision accumulators (a copy). */
  scoreSums(): BigInt64Array {
    const n = this.x.modelInfo(MODEL_INFO_FIELD.classCount);
    return new BigInt64Array(this.x.memory.buffer, this.x.scoreSums(), n).slice();
  }

  decision(): number {
    return this.x.decision();
  }

  /** The neurons of a spiking layer that fired at the last step, increasing (a copy). */
  spikeList(layer: number): Uint16Array {
    const at = this.x.spikeList(layer);
    if (at === 0) return new Uint16Array(0);
    return new Uint16Array(this.x.memory.buffer, at, this.x.spikeCount(layer)).slice();
  }

  /** 0/1 per neuron of a spiking layer at the last step (a copy). */
  spikes(layer: number): Uint8Array {
    const at = this.x.spikes(layer);
    if (at === 0) return new Uint8Array(0);
    return new Uint8Array(
      this.x.memory.buffer,
      at,
      this.x.layerInfo(layer, LAYER_INFO_FIELD.neuronCount),
    ).slice();
  }

  membrane(layer: number, neuron: number): number {
    return this.x.membrane(layer, neuron);
  }

  /** Runs the detector on the last step's scores (docs/detection.md): the class detected, or -1. */
  detectStep(): number {
    return this.x.detectStep();
  }

  /** Forgets the detector's running means and past detections; its parameters stay. */
  detectReset(): void {
    const code = this.x.detectReset();
    if (code !== 0) throw new EngineError('reset the detector', code);
  }

  /** The latest detection since the detector's reset, if any. */
  lastDetection(): LatestDetection | undefined {
    const count = this.x.detectInfo(DETECT_INFO_FIELD.count) >>> 0;
    if (count === 0) return undefined;
    return {
      count,
      step: this.x.detectInfo(DETECT_INFO_FIELD.step) >>> 0,
      label: this.x.detectInfo(DETECT_INFO_FIELD.class),
      score: this.x.detectInfo(DETECT_INFO_FIELD.score),
    };
  }

  /** Whether the loaded model has a DETECT section (else the detector runs on its defaults). */
  hasDetectSection(): boolean {
    return this.x.modelInfo(MODEL_INFO_FIELD.detectPresent) !== 0;
  }

  /** The detector's parameters now in force (the model's DETECT section, defaults, or overrides). */
  detectParams(): DetectParams {
    const classes = this.x.modelInfo(MODEL_INFO_FIELD.classCount);
    return {
      smoothingShift: this.x.detectParam(DETECT_PARAM_FIELD.smoothingShift),
      suppressSteps: this.x.detectParam(DETECT_PARAM_FIELD.suppressSteps),
      thresholds: Array.from({ length: classes }, (_, j) =>
        this.x.detectParam(DETECT_PARAM_FIELD.threshold + j),
      ),
    };
  }

  /** Overrides the detector's parameters until the next load (out of range throws BAD_DETECT). */
  setDetectParams(params: Partial<DetectParams>): void {
    const set = (field: number, value: number): void => {
      const code = this.x.detectSetParam(field, value);
      if (code !== 0) throw new EngineError('set a detector parameter', code);
    };
    if (params.smoothingShift !== undefined) set(DETECT_PARAM_FIELD.smoothingShift, params.smoothingShift);
    if (params.suppressSteps !== undefined) set(DETECT_PARAM_FIELD.suppressSteps, params.suppressSteps);
    params.thresholds?.forEach((t, j) => set(DETECT_PARAM_FIELD.threshold + j, t));
  }

  /** Writes a step's readout scores for the detector alone (replaying recorded scores, `hetsyn tune`). */
  setScores(scores: ArrayLike<number>): void {
    new Int32Array(this.x.memory.buffer, this.x.scores(), scores.length).set(Array.from(scores));
  }

  /** Sets up the .wasm front-end (which then starts from silence); a bad config throws (BAD_INPUT). */
  frontendConfigure(config: FrontendConfig): void {
    const { sampleRateHz, bands, windowMs, hopMs, thresholdQ8 } = config;
    const code = this.x.frontendConfigure(sampleRateHz, bands, windowMs, hopMs, thresholdQ8);
    if (code !== 0) throw new EngineError('configure the audio front-end', code);
  }

  /** Sets the front-end up from the loaded model's FRONTEND section (BAD_FRONTEND if it has none). */
  frontendConfigureFromModel(): void {
    const code = this.x.frontendConfigureFromModel();
    if (code !== 0) throw new EngineError('configure the audio front-end from the model', code);
  }

  /**
   * Encodes 16-bit samples into spike steps with the .wasm front-end, continuing its stream (call
   * frontendConfigure first; it resets). `chunk` caps the samples written per push, for tests
   * that check streaming against batch.
   */
  encodeAudio(samples: Int16Array, chunk = Infinity): number[][] {
    const steps: number[][] = [];
    for (let at = 0; at < samples.length;) {
      const count = Math.min(this.x.frontendRoom(), chunk, samples.length - at);
      new Int16Array(this.x.memory.buffer, this.x.frontendSamples(), count).set(
        samples.subarray(at, at + count),
      );
      at += count;
      if (this.x.frontendPush(count) < 0) throw new Error('the audio front-end is not configured');
      for (let n = this.x.frontendNextStep(); n >= 0; n = this.x.frontendNextStep()) {
        steps.push(Array.from(new Uint16Array(this.x.memory.buffer, this.x.frontendSpikes(), n)));
      }
    }
    return steps;
  }
}
