/**
 * NIR graphs from and to HDF5 files, the layout `nir.write` makes (neuromorphs/NIR,
 * nir/serialization.py): a root string dataset `version` and a group `node` holding the top graph.
 * A node is a group with a string dataset `type` (an attribute `type` is accepted too) and one
 * dataset per parameter; a graph node has a group `nodes` (one group per node, by name) and a string
 * dataset `edges` of shape [E, 2]; any node may have a group `metadata`. HDF5 itself comes from
 * h5wasm (the HDF5 C library compiled to wasm), loaded on first use.
 */

import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Dataset, Group } from 'h5wasm';
import { NirError, type NirArray, type NirDocument, type NirMetadataValue, type NirNode } from './graph.js';

type H5 = typeof import('h5wasm').default;
let h5: Promise<H5> | undefined;

async function h5wasm(): Promise<H5> {
  h5 ??= import('h5wasm/node').then(async (module) => {
    await module.default.ready;
    return module.default;
  });
  return h5;
}

const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/** HDF5's signature sits at byte 0, 512, 1024, 2048, ... (a user block may come first). */
function isHdf5(path: string): boolean {
  const size = statSync(path).size;
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(SIGNATURE.length);
    for (let offset = 0; offset + SIGNATURE.length <= size; offset = offset === 0 ? 512 : offset * 2) {
      if (readSync(fd, buffer, 0, SIGNATURE.length, offset) !== SIGNATURE.length) return false;
      if (SIGNATURE.every((b, i) => buffer[i] === b)) return true;
    }
    return false;
  } finally {
    closeSync(fd);
  }
}

function isDataset(entity: unknown): entity is Dataset {
  return (entity as { type?: string } | null)?.type === 'Dataset';
}

function isGroup(entity: unknown): entity is Group {
  return (entity as { type?: string } | null)?.type === 'Group';
}

function strings(value: unknown): string[] | undefined {
  if (typeof value === 'string') return [value];
  if (value instanceof Uint8Array) return [Buffer.from(value).toString('utf8')];
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value;
  return undefined;
}

function numbers(value: unknown): Float64Array | undefined {
  if (typeof value === 'number') return Float64Array.of(value);
  if (typeof value === 'bigint') return Float64Array.of(Number(value));
  if (typeof value === 'boolean') return Float64Array.of(value ? 1 : 0);
  if (value instanceof BigInt64Array || value instanceof BigUint64Array)
    return Float64Array.from(value, Number);
  if (ArrayBuffer.isView(value) && !(value instanceof DataView))
    return Float64Array.from(value as Float32Array);
  if (Array.isArray(value) && value.every((v) => typeof v === 'number' || typeof v === 'boolean'))
    return Float64Array.from(value as number[], Number);
  return undefined;
}

function readMetadata(group: Group): Record<string, NirMetadataValue> {
  const out: Record<string, NirMetadataValue> = {};
  for (const key of group.keys()) {
    const entity = group.get(key);
    if (!isDataset(entity)) continue;
    const value = entity.value;
    const text = strings(value);
    const scalar = (entity.shape ?? []).length === 0;
    if (text !== undefined) out[key] = scalar ? text[0] : text;
    else {
      const nums = numbers(value);
      if (nums !== undefined) out[key] = scalar ? nums[0] : Array.from(nums);
    }
  }
  return out;
}

function readNode(group: Group, where: string): NirNode {
  const typeEntity = group.get('type');
  const typeValue = isDataset(typeEntity)
    ? strings(typeEntity.value)
    : 'type' in group.attrs
      ? strings(group.attrs.type.value)
      : undefined;
  if (typeValue === undefined || typeValue.length !== 1)
    throw new NirError(`${where}: no 'type' (a NIR node names its type in a string dataset 'type')`);
  const node: NirNode = { type: typeValue[0], params: {}, metadata: {} };
  for (const key of group.keys()) {
    if (key === 'type') continue;
    const entity = group.get(key);
    if (key === 'metadata' && isGroup(entity)) node.metadata = readMetadata(entity);
    else if (key === 'nodes' && isGroup(entity) && node.type === 'NIRGraph') {
      node.nodes = {};
      for (const name of entity.keys()) {
        const child = entity.get(name);
        if (!isGroup(child)) throw new NirError(`${where}/nodes/${name}: expected a group (a NIR node)`);
        node.nodes[name] = readNode(child, `${where}/nodes/${name}`);
      }
    } else if (key === 'edges' && isDataset(entity) && node.type === 'NIRGraph') {
      const names = (entity.shape ?? []).some((d) => d === 0) ? [] : strings(entity.value);
      if (names === undefined || names.length % 2 !== 0)
        throw new NirError(`${where}/edges: expected pairs of node names, shape [E, 2]`);
      node.edges = [];
      for (let e = 0; e < names.length; e += 2) node.edges.push([names[e], names[e + 1]]);
    } else if (isDataset(entity)) {
      const values = numbers(entity.value);
      // Strings and other non-numeric parameters are kept out: no node type this reader maps has them.
      if (values !== undefined) node.params[key] = { shape: entity.shape ?? [], values };
    }
  }
  if (node.type === 'NIRGraph') {
    if (node.nodes === undefined) throw new NirError(`${where}: a NIRGraph without 'nodes'`);
    node.edges ??= [];
  }
  return node;
}

/** Reads a NIR file; a file that is not HDF5, or not NIR, is a NirError naming what is wrong. */
export async function readNirFile(path: string): Promise<NirDocument> {
  if (!isHdf5(path)) {
    throw new NirError(
      `${path} is not an HDF5 file (no HDF5 signature): a NIR file is HDF5, as nir.write makes it`,
    );
  }
  const lib = await h5wasm();
  const file = new lib.File(resolve(path), 'r');
  try {
    const root = file.get('node');
    if (!isGroup(root)) throw new NirError(`${path}: no group 'node' at the root, so not a NIR file`);
    const versionEntity = file.get('version');
    const version = isDataset(versionEntity) ? (strings(versionEntity.value)?.[0] ?? '') : '';
    const graph = readNode(root, `${path}:/node`);
    if (graph.type !== 'NIRGraph')
      throw new NirError(`${path}:/node is a ${graph.type}, expected a NIRGraph at the top`);
    return { version, graph };
  } finally {
    file.close();
  }
}

function writeArray(group: Group, name: string, array: NirArray): void {
  if (array.integer) {
    const data = BigInt64Array.from(array.values, (v) => BigInt(Math.round(v)));
    group.create_dataset({ name, data, shape: array.shape, dtype: '<q' });
  } else if (array.shape.length === 0) {
    group.create_dataset({ name, data: array.values[0], dtype: '<d' });
  } else {
    group.create_dataset({ name, data: array.values, shape: array.shape, dtype: '<d' });
  }
}

function writeMetadata(group: Group, metadata: Record<string, NirMetadataValue>): void {
  const entries = Object.entries(metadata);
  if (entries.length === 0) return;
  const meta = group.create_group('metadata');
  for (const [key, value] of entries) {
    if (typeof value === 'string') meta.create_dataset({ name: key, data: value });
    else if (typeof value === 'number') meta.create_dataset({ name: key, data: value, dtype: '<d' });
    else if (value.length > 0 && typeof value[0] === 'string')
      meta.create_dataset({ name: key, data: value });
    else meta.create_dataset({ name: key, data: Float64Array.from(value as number[]), dtype: '<d' });
  }
}

function writeNode(group: Group, node: NirNode): void {
  group.create_dataset({ name: 'type', data: node.type });
  for (const [name, array] of Object.entries(node.params)) writeArray(group, name, array);
  if (node.nodes !== undefined) {
    const nodes = group.create_group('nodes');
    for (const [name, child] of Object.entries(node.nodes)) writeNode(nodes.create_group(name), child);
    const edges = node.edges ?? [];
    group.create_dataset({ name: 'edges', data: edges.flat(), shape: [edges.length, 2] });
  }
  writeMetadata(group, node.metadata);
}

/**
 * Writes a NIR file as nir.write does (without compression), in the HDF5 1.10 file format so that
 * h5py builds of the last years read it.
 */
export async function writeNirFile(path: string, document: NirDocument): Promise<void> {
  const lib = await h5wasm();
  const file = new lib.File(resolve(path), 'w', { libver: ['earliest', 'v110'] });
  try {
    file.create_dataset({ name: 'version', data: document.version });
    writeNode(file.create_group('node'), document.graph);
  } finally {
    file.close();
  }
}
