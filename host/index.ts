/**
 * The hetsyn library: what the `hetsyn` commands are built from, for use from another program.
 * docs/api.md shows it at work. Everything runs the one build/hetsyn.wasm, so a simulation here
 * equals a board's run bit for bit.
 */

// Models: load and inspect a .hsm, write one, what it costs on a board.
export { loadModel, type LoadedModel } from './wasm/load-model.js';
export { Engine } from './wasm/engine.js';
export type { LayerInfo, ModelInfo } from './model/model-info.js';
export type { FrontendConfig } from './model/frontend-config.js';
export type { HsmLayer, HsmModel } from './model/hsm.js';
export { writeHsm } from './model/hsm-writer.js';
export { estimateCost, type ModelCost } from './model/cost.js';
export { describeStatus, EngineError, STATUS_CODES, type StatusCode } from './model/errors.js';

// Inputs: spike files, WAV audio, and audio encoded into spikes by the model's front-end.
export {
  parseSpikeFile,
  readSpikeFile,
  formatSpikeText,
  encodeSpikeBinary,
  type SpikeTrain,
} from './spikes/spike-file.js';
export { parseWav, type WavAudio } from './audio/wav.js';
export { readWav } from './audio/read-wav.js';
export { encodeWavAudio as encode } from './audio/encode.js';

// Simulation on the host, through the .wasm.
export { simulate, type StepRecord } from './sim/simulate.js';

// Float models and the quantizer.
export type { FloatLayer, FloatModel } from './float/model.js';
export { floatModelToJson, parseFloatModel, type FloatModelJson } from './float/json.js';
export { FloatReference } from './float/reference.js';
export { randomNetwork, randomSpikeTrain } from './float/random-network.js';
export { quantize, type QuantizeOptions, type QuantizeReport } from './quantize/quantize.js';
export { dequantize } from './quantize/dequantize.js';

// Data sets (FSDD, gsc12 folders) and accuracy on a split.
export { openDataset, type Dataset, type Split } from './data/dataset.js';
export { evaluate, type Evaluation } from './data/evaluate.js';

// Boards: a serial port, the protocol client, flashing and streaming, the virtual board.
export { SerialTransport, listPorts } from './transport/serial.js';
export type { Transport } from './transport/transport.js';
export { BoardClient, type DeviceResult } from './protocol/client.js';
export { flashModel, type FlashOutcome, type UploadProgress } from './protocol/upload.js';
export { runStream, streamSpikes, type StreamOptions, type StreamStep } from './protocol/stream.js';
export { streamAudio } from './protocol/audio-sender.js';
export { openPcmInput, type PcmInput } from './audio/pcm-input.js';
export type { HelloInfo } from './protocol/messages.js';
export { formatDeviceError, type DeviceError } from './protocol/device-errors.js';
export { startVirtualBoard, type VirtualBoardOptions } from './board/virtual-board.js';

// Failures: user-fixable input, a broken link.
export { InputError } from './util/input-error.js';
export { LinkError, LinkClosedError } from './transport/errors.js';
export { LinkTimeoutError, ProtocolError } from './protocol/errors.js';
