// The exports of hetsyn.wasm: the engine API that host simulation calls, and the board's entry
// points (whose protocol handlers reach the engine directly, not through these exports). Untrusted
// arguments (model bytes, input lists, indices from the host) are checked here, once; everything
// below trusts them. Status codes are those of model/errors.ts.
//
// Use: p = modelPlace(); make linear memory reach p + n and write the n model bytes there (the
// module never grows memory itself); modelLoad(p, n) == 0; then per step write the active input
// channels (u16) at inputBuffer() and call step(count); read scores()/decision(). The model's
// bytes are read where they lie for as long as it is loaded.

// The module's own abort, named by --use abort=... in asconfig.json, must be part of the program.
import './runtime/abort';
import * as E from './model/errors';
import * as F from './model-info-fields';
import { FileFormat } from './model/parse';
import { ModelFrontend } from './model/frontend-section';
import { layerAt, Model, KIND_READOUT } from './model/network';
import { resetState, State } from './engine/state';
import { stepNetwork, decide, membraneOf } from './engine/step';
import { ENGINE_VERSION, loadModel } from './engine/model-load';
import { heapStart, STATE_ARENA_BYTES } from './engine/arena';
import {
  Detect,
  detectReset as resetDetector,
  detectStep as runDetector,
  detectThreshold,
  setDetectThreshold,
} from './engine/detect';
import { MAX_SMOOTHING_SHIFT, ModelDetect } from './model/detect-section';

// The board: the firmware calls these two (docs/board-abi.md); tests and the virtual board's
// --max-frame option lower the frame limit with the third.
export { boardInit, boardPoll, boardSetMaxFrame } from './board/board';

/** Where a host places a model: the first 16-aligned address past the module's static data. */
export function modelPlace(): usize {
  return heapStart();
}

/** Validates and loads the `bytes` model bytes at `base` (at or past modelPlace()); a status code. */
export function modelLoad(base: usize, bytes: u32): i32 {
  return loadModel(base, bytes);
}

/** The state arena's size: the most network state a model may need. */
export function stateArenaBytes(): u32 {
  return STATE_ARENA_BYTES;
}

export function modelLoaded(): bool {
  return Model.loaded;
}

export function reset(): i32 {
  if (!Model.loaded) return E.NO_MODEL;
  resetState();
  resetDetector();
  return E.OK;
}

/** The host writes up to inputCount u16 channel numbers here before each step. */
export function inputBuffer(): usize {
  return Model.loaded ? State.inputList : 0;
}

/** One timestep with the first `count` channels of inputBuffer() as the input spikes. */
export function step(count: u32): i32 {
  if (!Model.loaded) return E.NO_MODEL;
  if (count > Model.inputCount) return E.BAD_INPUT;
  for (let e: u32 = 0; e < count; e++) {
    if (<u32>load<u16>(State.inputList + ((<usize>e) << 1)) >= Model.inputCount) return E.BAD_INPUT;
  }
  stepNetwork(count);
  return E.OK;
}

/** Detection on the last step's scores (docs/detection.md): the class detected, or -1. */
export function detectStep(): i32 {
  return Model.loaded ? runDetector() : -1;
}

/** Forgets the running means and past detections (reset() does this too), keeping the parameters. */
export function detectReset(): i32 {
  if (!Model.loaded) return E.NO_MODEL;
  resetDetector();
  return E.OK;
}

/** The class decided over the window so far, or -1 (also when no model is loaded). */
export function decision(): i32 {
  return Model.loaded ? decide() : -1;
}

export function stepCount(): u32 {
  return Model.loaded ? State.stepCount : 0;
}

/** i32[classes]: the readout scores of the last step. */
export function scores(): usize {
  return Model.loaded ? State.scores : 0;
}

/** i64[classes]: the decision accumulators. */
export function scoreSums(): usize {
  return Model.loaded ? State.accumulators : 0;
}


@inline
function validLayer(layer: i32): bool {
  return Model.loaded && layer >= 0 && layer < Model.layerCount;
}

/** u8[neuronCount] spikes (0/1) of a spiking layer at the last step; 0 for a readout or bad index. */
export function spikes(layer: i32): usize {
  return validLayer(layer) && layerAt(layer).kind != KIND_READOUT ? layerAt(layer).spikes : 0;
}

/** u16[spikeCount(layer)]: the indices of the neurons that spiked at the last step, increasing. */
export function spikeList(layer: i32): usize {
  return validLayer(layer) && layerAt(layer).kind != KIND_READOUT ? layerAt(layer).spikeList : 0;
}

export function spikeCount(layer: i32): u32 {
  return validLayer(layer) ? layerAt(layer).spikeCount : 0;
}

/** Membrane potential after the last step (a readout's score); 0 for a bad index. */
export function membrane(layer: i32, neuron: u32): i32 {
  return validLayer(layer) && neuron < layerAt(layer).neuronCount ? membraneOf(layer, neuron) : 0;
}

// Model description, for `hetsyn inspect` and the host wrapper; the field numbers are in
// model-info-fields.ts.
export function modelInfo(field: i32): u32 {
  if (!Model.loaded) return 0;
  switch (field) {
    case F.MODEL_INFO_FORMAT_VERSION:
      return FileFormat.version;
    case F.MODEL_INFO_INPUT_COUNT:
      return Model.inputCount;
    case F.MODEL_INFO_LAYER_COUNT:
      return <u32>Model.layerCount;
    case F.MODEL_INFO_CLASS_COUNT:
      return Model.labelCount;
    case F.MODEL_INFO_TIMESTEP_US:
      return Model.timestepUs;
    case F.MODEL_INFO_DECISION_MODE:
      return Model.decisionMode;
    case F.MODEL_INFO_DECISION_SKIP_STEPS:
      return Model.decisionSkipSteps;
    case F.MODEL_INFO_MODEL_BYTES:
      return Model.bytes;
    case F.MODEL_INFO_STATE_BYTES:
      return Model.stateBytes;
    case F.MODEL_INFO_NAME_BYTES:
      return Model.nameBytes;
    case F.MODEL_INFO_NAME_PTR:
      return <u32>Model.name;
    case F.MODEL_INFO_LABELS_PTR:
      return <u32>Model.labels;
    case F.MODEL_INFO_FRONTEND_PRESENT:
      return <u32>ModelFrontend.present;
    case F.MODEL_INFO_FRONTEND_SAMPLE_RATE_HZ:
      return ModelFrontend.sampleRateHz;
    case F.MODEL_INFO_FRONTEND_BANDS:
      return ModelFrontend.bands;
    case F.MODEL_INFO_FRONTEND_WINDOW_MS:
      return ModelFrontend.windowMs;
    case F.MODEL_INFO_FRONTEND_HOP_MS:
      return ModelFrontend.hopMs;
    case F.MODEL_INFO_FRONTEND_THRESHOLD_Q8:
      return ModelFrontend.thresholdQ8;
    case F.MODEL_INFO_DETECT_PRESENT:
      return <u32>ModelDetect.present;
    default:
      return 0;
  }
}

export function layerInfo(layer: i32, field: i32): u32 {
  if (!validLayer(layer)) return 0;
  const L = layerAt(layer);
  switch (field) {
    case F.LAYER_INFO_KIND:
      return L.kind;
    case F.LAYER_INFO_INPUT_COUNT:
      return L.inputCount;
    case F.LAYER_INFO_NEURON_COUNT:
      return L.neuronCount;
    case F.LAYER_INFO_LEVEL_COUNT:
      return L.levelCount;
    case F.LAYER_INFO_BUCKET_BITS:
      return L.bucketBits;
    case F.LAYER_INFO_SPARSE:
      return <u32>L.sparse;
    case F.LAYER_INFO_SYNAPSE_COUNT:
      return L.synapseCount;
    case F.LAYER_INFO_WEIGHT_SHIFT:
      return L.weightShift;
    case F.LAYER_INFO_STATE_FRAC_BITS:
      return L.stateFracBits;
    case F.LAYER_INFO_RESET_DECAY_Q16:
      return L.resetDecayQ16;
    case F.LAYER_INFO_STATE_WIDTH:
      return L.stateWidth;
    case F.LAYER_INFO_LEVEL_DECAY_PTR:
      return <u32>L.levelDecayQ16;
    default:
      return 0;
  }
}

// The detector's last detection and its parameters (docs/detection.md); field numbers in
// model-info-fields.ts.
export function detectInfo(field: i32): i32 {
  if (!Model.loaded) return 0;
  switch (field) {
    case F.DETECT_INFO_COUNT:
      return <i32>Detect.count;
    case F.DETECT_INFO_STEP:
      return <i32>Detect.lastStep;
    case F.DETECT_INFO_CLASS:
      return Detect.lastClass;
    case F.DETECT_INFO_SCORE:
      return Detect.lastScore;
    default:
      return 0;
  }
}


@inline
function thresholdClass(field: i32): i32 {
  const j = field - F.DETECT_PARAM_THRESHOLD;
  return j >= 0 && <u32>j < Model.labelCount ? j : -1;
}

export function detectParam(field: i32): i32 {
  if (!Model.loaded) return 0;
  if (field == F.DETECT_PARAM_SMOOTHING_SHIFT) return <i32>Detect.smoothingShift;
  if (field == F.DETECT_PARAM_SUPPRESS_STEPS) return <i32>Detect.suppressSteps;
  const j = thresholdClass(field);
  return j >= 0 ? detectThreshold(<u32>j) : 0;
}

/** Overrides a detector parameter until the next load: OK, or BAD_DETECT when out of range. */
export function detectSetParam(field: i32, value: i32): i32 {
  if (!Model.loaded) return E.NO_MODEL;
  if (field == F.DETECT_PARAM_SMOOTHING_SHIFT) {
    if (<u32>value > MAX_SMOOTHING_SHIFT) return E.BAD_DETECT;
    Detect.smoothingShift = <u32>value;
  } else if (field == F.DETECT_PARAM_SUPPRESS_STEPS) {
    if (<u32>value > 0xffff) return E.BAD_DETECT;
    Detect.suppressSteps = <u32>value;
  } else {
    const j = thresholdClass(field);
    if (j < 0) return E.BAD_DETECT;
    setDetectThreshold(<u32>j, value);
  }
  return E.OK;
}

export function engineVersion(): u32 {
  return ENGINE_VERSION;
}

// The audio front-end (docs/frontend.md). Configure, then repeatedly: write up to
// frontendRoom() i16 samples at frontendSamples(), frontendPush(count), and while steps are
// ready frontendNextStep() (the spike count; the channels at frontendSpikes() and, when the
// loaded model has 2 * bands inputs or more, in inputBuffer() so step(count) can follow).
export {
  configure as frontendConfigure,
  reset as frontendReset,
  samplesAt as frontendSamples,
  room as frontendRoom,
  push as frontendPush,
  nextStep as frontendNextStep,
  spikesAt as frontendSpikes,
  configureFromModel as frontendConfigureFromModel,
} from './frontend/frontend';
