/**
 * Packs an HsmModel into .hsm bytes (docs/model-format.md). It checks the shapes it packs, so a
 * quantizer bug fails here with a message rather than as an engine error code; the engine's
 * parser stays the judge of the result (the writer's tests load every file they write).
 */

import { crc32 } from './crc32.js';
import {
  DECISION_MODE_CODE,
  FORMAT_VERSION,
  FORMAT_VERSION_FRONTEND,
  FORMAT_VERSION_PLAIN,
  FRONTEND_ENCODING_CODE,
  HSM_LIMITS,
  LAYER_KIND_CODE,
  MAGIC,
  SECTION_DETECT,
  SECTION_FRONTEND,
  SECTION_LABELS,
  SECTION_LAYER,
  SECTION_MODEL,
  rowCount,
  type HsmLayer,
  type HsmModel,
} from './hsm.js';
import { MAX_SMOOTHING_SHIFT, type DetectParams } from './detection.js';

/** A growable little-endian byte buffer that keeps 4-byte alignment where asked. */
class ByteWriter {
  private buf = new Uint8Array(1024);
  private view = new DataView(this.buf.buffer);
  length = 0;

  private room(bytes: number): void {
    if (this.length + bytes <= this.buf.length) return;
    const grown = new Uint8Array(Math.max(this.buf.length * 2, this.length + bytes));
    grown.set(this.buf);
    this.buf = grown;
    this.view = new DataView(grown.buffer);
  }
  u8(v: number): void {
    this.room(1);
    this.view.setUint8(this.length, v);
    this.length += 1;
  }
  u16(v: number): void {
    this.room(2);
    this.view.setUint16(this.length, v, true);
    this.length += 2;
  }
  u32(v: number): void {
    this.room(4);
    this.view.setUint32(this.length, v, true);
    this.length += 4;
  }
  i32(v: number): void {
    this.room(4);
    this.view.setInt32(this.length, v, true);
    this.length += 4;
  }
  bytes(data: ArrayLike<number>): void {
    this.room(data.length);
    this.buf.set(data, this.length);
    this.length += data.length;
  }
  pad4(): void {
    while (this.length % 4 !== 0) this.u8(0);
  }
  patchU32(at: number, v: number): void {
    this.view.setUint32(at, v, true);
  }
  result(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

export class HsmWriteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HsmWriteError';
  }
}

function check(ok: boolean, message: string): void {
  if (!ok) throw new HsmWriteError(message);
}

function utf8(text: string, what: string, max: number, min = 0): Uint8Array {
  const bytes = new TextEncoder().encode(text);
  check(bytes.length >= min && bytes.length <= max, `${what} "${text}" must be ${min}-${max} UTF-8 bytes`);
  return bytes;
}

function section(w: ByteWriter, id: number, body: (w: ByteWriter) => void): void {
  w.u16(id);
  w.u16(0);
  const lengthAt = w.length;
  w.u32(0);
  const start = w.length;
  body(w);
  w.patchU32(lengthAt, w.length - start);
  w.pad4();
}

function checkLayer(layer: HsmLayer, index: number): void {
  const at = `layer ${index}`;
  const rows = rowCount(layer);
  const spiking = layer.kind !== 'readout';
  const K = layer.levelDecayQ16.length;
  const synapses = layer.sparse ? layer.sparse.column.length : rows * layer.neuronCount;
  check(layer.neuronCount >= 1 && layer.neuronCount <= HSM_LIMITS.u16, `${at}: neuronCount out of range`);
  check(
    K >= 1 && K <= (layer.bucketBits === 8 ? HSM_LIMITS.levelsByte : HSM_LIMITS.levelsNibble),
    `${at}: ${K} levels do not fit bucketBits ${layer.bucketBits}`,
  );
  check(layer.weight.length === synapses, `${at}: ${layer.weight.length} weights for ${synapses} synapses`);
  check(layer.drive.length === layer.neuronCount, `${at}: drive length`);
  check(!spiking || layer.threshold?.length === layer.neuronCount, `${at}: threshold length`);
  check(
    layer.bucketBits !== 0 || layer.neuronLevel?.length === layer.neuronCount,
    `${at}: neuronLevel length`,
  );
  check(layer.bucketBits === 0 || layer.synapseLevel?.length === synapses, `${at}: synapseLevel length`);
  check(!layer.sparse || layer.sparse.rowStart.length === rows + 1, `${at}: rowStart length`);
  const levels = layer.bucketBits === 0 ? layer.neuronLevel : layer.synapseLevel;
  check(levels?.every((l) => l < K) ?? true, `${at}: a level index >= ${K}`);
}

function writeLayer(w: ByteWriter, layer: HsmLayer): void {
  const synapses = layer.weight.length;
  w.u8(LAYER_KIND_CODE[layer.kind]);
  w.u8(layer.bucketBits);
  w.u8(layer.levelDecayQ16.length);
  w.u8(layer.sparse ? 1 : 0);
  w.u16(layer.inputCount);
  w.u16(layer.neuronCount);
  w.u8(layer.weightShift);
  w.u8(layer.stateFracBits);
  w.u16(0);
  w.u32(layer.resetDecayQ16);
  w.u32(synapses);
  for (const d of layer.levelDecayQ16) w.u32(d);
  if (layer.kind !== 'readout') for (const t of layer.threshold ?? []) w.i32(t);
  for (const b of layer.drive) w.i32(b);
  if (layer.bucketBits === 0) {
    w.bytes(layer.neuronLevel ?? []);
    w.pad4();
  }
  if (layer.sparse) {
    for (const r of layer.sparse.rowStart) w.u32(r);
    for (const c of layer.sparse.column) w.u16(c);
    w.pad4();
  }
  w.bytes(new Uint8Array(layer.weight.buffer, layer.weight.byteOffset, synapses));
  w.pad4();
  const levels = layer.synapseLevel ?? new Uint8Array(0);
  if (layer.bucketBits === 8) w.bytes(levels);
  if (layer.bucketBits === 4) {
    const packed = new Uint8Array((synapses + 1) >> 1);
    for (let s = 0; s < synapses; s++)
      packed[s >> 1] = (packed[s >> 1] ?? 0) | ((levels[s] ?? 0) << ((s & 1) * 4));
    w.bytes(packed);
  }
  w.pad4();
}

function checkDetect(detect: DetectParams, classes: number): void {
  const { smoothingShift, suppressSteps, thresholds } = detect;
  check(
    Number.isInteger(smoothingShift) && smoothingShift >= 0 && smoothingShift <= MAX_SMOOTHING_SHIFT,
    `the detector's smoothing shift must be 0..${MAX_SMOOTHING_SHIFT}`,
  );
  check(
    Number.isInteger(suppressSteps) && suppressSteps >= 0 && suppressSteps <= HSM_LIMITS.u16,
    `the detector's suppression must be 0..${HSM_LIMITS.u16} steps`,
  );
  check(
    thresholds.length === classes,
    `the detector has ${thresholds.length} thresholds for ${classes} classes`,
  );
  check(
    thresholds.every((t) => Number.isInteger(t) && t >= -0x80000000 && t <= 0x7fffffff),
    'detector thresholds are 32-bit integers',
  );
}

/** The .hsm bytes of a model, sealed with its CRC-32. */
export function writeHsm(model: HsmModel): Uint8Array {
  check(
    model.layers.length >= 1 && model.layers.length <= HSM_LIMITS.layers,
    `a model has 1 to ${HSM_LIMITS.layers} layers`,
  );
  check(
    model.inputCount >= 1 && model.inputCount <= HSM_LIMITS.u16,
    `inputCount must be 1..${HSM_LIMITS.u16}`,
  );
  model.layers.forEach(checkLayer);
  const frontend = model.frontend;
  if (frontend) {
    check(
      2 * frontend.bands === model.inputCount,
      `the front-end's ${frontend.bands} bands make ${2 * frontend.bands} channels; the model has ${model.inputCount} inputs`,
    );
  }
  const detect = model.detect;
  if (detect) checkDetect(detect, model.labels.length);
  const w = new ByteWriter();
  w.bytes(new TextEncoder().encode(MAGIC));
  w.u16(detect ? FORMAT_VERSION : frontend ? FORMAT_VERSION_FRONTEND : FORMAT_VERSION_PLAIN);
  w.u16(0);
  w.u32(0);
  w.u32(2 + model.layers.length + (frontend ? 1 : 0) + (detect ? 1 : 0));
  section(w, SECTION_MODEL, (s) => {
    const name = utf8(model.name, 'model name', HSM_LIMITS.textBytes);
    s.u32(model.timestepUs);
    s.u16(model.inputCount);
    s.u16(model.layers.length);
    s.u8(DECISION_MODE_CODE[model.decision.mode]);
    s.u8(0);
    s.u16(model.decision.skipSteps);
    s.u8(name.length);
    s.bytes(name);
  });
  section(w, SECTION_LABELS, (s) => {
    s.u16(model.labels.length);
    for (const label of model.labels) {
      const bytes = utf8(label, 'label', HSM_LIMITS.textBytes, 1);
      s.u8(bytes.length);
      s.bytes(bytes);
    }
  });
  if (frontend) {
    section(w, SECTION_FRONTEND, (s) => {
      s.u32(frontend.sampleRateHz);
      s.u16(frontend.bands);
      s.u8(frontend.windowMs);
      s.u8(frontend.hopMs);
      s.u16(frontend.thresholdQ8);
      s.u8(FRONTEND_ENCODING_CODE[frontend.encoding]);
      s.u8(0);
    });
  }
  if (detect) {
    section(w, SECTION_DETECT, (s) => {
      s.u8(detect.smoothingShift);
      s.u8(0);
      s.u16(detect.suppressSteps);
      s.u16(detect.thresholds.length);
      s.u16(0);
      for (const t of detect.thresholds) s.i32(t);
    });
  }
  for (const layer of model.layers) section(w, SECTION_LAYER, (s) => writeLayer(s, layer));
  w.patchU32(8, w.length + 4);
  const body = w.result();
  w.u32(crc32(body));
  return w.result();
}
