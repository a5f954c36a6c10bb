/**
 * .hsm bytes back into an HsmModel (docs/model-format.md), the inverse of hsm-writer.ts, so a
 * shipped model can be dequantized and trained further (`hetsyn train --init`). The engine's parser
 * stays the judge of a file: this reader is for files the engine has loaded. Sections it does not
 * know (added by later formats) are skipped, as the engine skips them.
 */

import { crc32 } from './crc32.js';
import {
  DECAY_ONE_Q16,
  LAYER_KIND_CODE,
  MAGIC,
  SECTION_DETECT,
  SECTION_FRONTEND,
  SECTION_LABELS,
  SECTION_LAYER,
  SECTION_MODEL,
  rowCount,
  type BucketBits,
  type HsmFrontend,
  type HsmLayer,
  type HsmModel,
  type LayerKind,
} from './hsm.js';
import { InputError } from '../util/input-error.js';

export class HsmReadError extends InputError {
  constructor(message: string) {
    super(message);
    this.name = 'HsmReadError';
  }
}

class ByteReader {
  private readonly view: DataView;
  constructor(
    private readonly bytes: Uint8Array,
    public at = 0,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  private need(n: number): void {
    if (this.at + n > this.bytes.length) throw new HsmReadError('the .hsm file ends inside a section');
  }
  u8(): number {
    this.need(1);
    return this.view.getUint8(this.at++);
  }
  u16(): number {
    this.need(2);
    const v = this.view.getUint16(this.at, true);
    this.at += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.at, true);
    this.at += 4;
    return v;
  }
  i32(): number {
    this.need(4);
    const v = this.view.getInt32(this.at, true);
    this.at += 4;
    return v;
  }
  take(n: number): Uint8Array {
    this.need(n);
    // A copy of its own: Buffer's slice() shares the (pooled) memory, whose .buffer is not these bytes.
    const out = new Uint8Array(this.bytes.subarray(this.at, this.at + n));
    this.at += n;
    return out;
  }
  text(): string {
    return new TextDecoder().decode(this.take(this.u8()));
  }
  pad4(): void {
    this.at = (this.at + 3) & ~3;
  }
}

const KIND_OF_CODE = Object.fromEntries(Object.entries(LAYER_KIND_CODE).map(([k, v]) => [v, k])) as Record<
  number,
  LayerKind
>;

function readLayer(r: ByteReader): HsmLayer {
  const kind = KIND_OF_CODE[r.u8()];
  if (kind === undefined) throw new HsmReadError('a layer of unknown kind');
  const bucketBits = r.u8() as BucketBits;
  const K = r.u8();
  const isSparse = r.u8() === 1;
  const inputCount = r.u16();
  const neuronCount = r.u16();
  const weightShift = r.u8();
  const stateFracBits = r.u8();
  r.u16();
  const resetDecayQ16 = r.u32();
  const synapses = r.u32();
  const levelDecayQ16 = Array.from({ length: K }, () => r.u32());
  const threshold = kind === 'readout' ? undefined : Int32Array.from({ length: neuronCount }, () => r.i32());
  const drive = Int32Array.from({ length: neuronCount }, () => r.i32());
  let neuronLevel: Uint8Array | undefined;
  if (bucketBits === 0) {
    neuronLevel = r.take(neuronCount);
    r.pad4();
  }
  let sparse: HsmLayer['sparse'];
  if (isSparse) {
    const rows = rowCount({ kind, inputCount, neuronCount });
    const rowStart = Uint32Array.from({ length: rows + 1 }, () => r.u32());
    const column = Uint16Array.from({ length: synapses }, () => r.u16());
    r.pad4();
    sparse = { rowStart, column };
  }
  const weight = new Int8Array(r.take(synapses).buffer);
  r.pad4();
  let synapseLevel: Uint8Array | undefined;
  if (bucketBits === 8) synapseLevel = r.take(synapses);
  if (bucketBits === 4) {
    const packed = r.take((synapses + 1) >> 1);
    synapseLevel = Uint8Array.from({ length: synapses }, (_, s) => (packed[s >> 1] >> ((s & 1) * 4)) & 15);
  }
  if (levelDecayQ16.some((d) => d > DECAY_ONE_Q16)) throw new HsmReadError('a level decay above 1');
  return {
    kind,
    inputCount,
    neuronCount,
    bucketBits,
    levelDecayQ16,
    resetDecayQ16,
    weightShift,
    stateFracBits,
    threshold,
    drive,
    neuronLevel,
    sparse,
    weight,
    synapseLevel,
  };
}

/** The model in `bytes`; throws HsmReadError on a file that is not a whole, intact .hsm. */
export function readHsm(bytes: Uint8Array): HsmModel {
  if (bytes.length < 20 || new TextDecoder().decode(bytes.subarray(0, 4)) !== MAGIC) {
    throw new HsmReadError('not an .hsm file (no HSYN magic)');
  }
  const body = bytes.subarray(0, bytes.length - 4);
  const stored = new DataView(bytes.buffer, bytes.byteOffset + bytes.length - 4, 4).getUint32(0, true);
  if (crc32(body) !== stored) throw new HsmReadError('the .hsm file is damaged (CRC-32 mismatch)');
  const r = new ByteReader(body, 12);
  const sections = r.u32();
  const model: Partial<HsmModel> & { layers: HsmLayer[] } = { layers: [] };
  for (let s = 0; s < sections; s++) {
    const id = r.u16();
    r.u16();
    const length = r.u32();
    const end = r.at + length;
    if (id === SECTION_MODEL) {
      model.timestepUs = r.u32();
      model.inputCount = r.u16();
      r.u16();
      const mode = r.u8();
      if (mode !== 0) throw new HsmReadError(`decision mode ${mode} is unknown`);
      r.u8();
      model.decision = { mode: 'sum', skipSteps: r.u16() };
      model.name = r.text();
    } else if (id === SECTION_LABELS) {
      const count = r.u16();
      model.labels = Array.from({ length: count }, () => r.text());
    } else if (id === SECTION_FRONTEND) {
      const frontend: HsmFrontend = {
        sampleRateHz: r.u32(),
        bands: r.u16(),
        windowMs: r.u8(),
        hopMs: r.u8(),
        thresholdQ8: r.u16(),
        encoding: 'delta',
      };
      model.frontend = frontend;
    } else if (id === SECTION_DETECT) {
      const smoothingShift = r.u8();
      r.u8();
      const suppressSteps = r.u16();
      const count = r.u16();
      r.u16();
      model.detect = {
        smoothingShift,
        suppressSteps,
        thresholds: Array.from({ length: count }, () => r.i32()),
      };
    } else if (id === SECTION_LAYER) {
      model.layers.push(readLayer(r));
    }
    r.at = end;
    r.pad4();
  }
  const { name, timestepUs, inputCount, decision, labels, frontend, detect, layers } = model;
  if (name === undefined || timestepUs === undefined || inputCount === undefined || !decision || !labels) {
    throw new HsmReadError('the .hsm file has no MODEL or LABELS section');
  }
  return {
    name,
    timestepUs,
    inputCount,
    decision,
    labels,
    ...(frontend ? { frontend } : {}),
    ...(detect ? { detect } : {}),
    layers,
  };
}
