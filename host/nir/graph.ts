/**
 * A NIR graph in memory (docs/nir.md): what host/nir/hdf5.ts reads from and writes to an HDF5 file,
 * independent of HDF5. A node has a type, numeric parameters (each with its shape) and metadata; a
 * NIRGraph node also has nodes and edges. `flattenGraph` turns nested graphs (snnTorch writes each
 * RSynaptic as a subgraph) into one graph of plain nodes.
 */

import { InputError } from '../util/input-error.js';

/** A file that is not NIR, or a NIR graph that does not map onto a float model: says which node and why. */
export class NirError extends InputError {
  constructor(message: string) {
    super(message);
    this.name = 'NirError';
  }
}

export interface NirArray {
  /** [] for a scalar. */
  shape: number[];
  values: Float64Array;
  /** Written as int64 (Input/Output `shape`); read files keep whatever type they had. */
  integer?: boolean;
}

export type NirMetadataValue = number | string | number[] | string[];

export interface NirNode {
  type: string;
  params: Record<string, NirArray>;
  metadata: Record<string, NirMetadataValue>;
  /** NIRGraph only. */
  nodes?: Record<string, NirNode>;
  /** NIRGraph only: [source, destination] names. */
  edges?: [string, string][];
}

export interface NirDocument {
  /** The file's `version` string ('' when it has none). */
  version: string;
  graph: NirNode;
}

/** The NIR version whose node types and file layout this code follows (neuromorphs/NIR v1.0.x). */
export const NIR_VERSION = '1.0.7';

export function nirArray(values: ArrayLike<number>, shape: number[] = [values.length]): NirArray {
  return { shape, values: Float64Array.from(values) };
}

/** Node types that only pass a flat vector on: removed by flattenGraph. */
const PASS_THROUGH = new Set(['Flatten', 'Identity']);

export interface FlatGraph {
  nodes: Map<string, NirNode>;
  edges: [string, string][];
}

/**
 * One graph of plain nodes: a subgraph's nodes are renamed `sub.name`, edges into and out of the
 * subgraph are connected to what its Input and Output nodes connect to, and pass-through nodes
 * (Flatten, Identity, a subgraph's Input and Output) are contracted. The top level's Input and
 * Output nodes stay.
 */
export function flattenGraph(graph: NirNode): FlatGraph {
  const nodes = new Map<string, NirNode>();
  const edges: [string, string][] = [];
  const passThrough = new Set<string>();

  function walk(g: NirNode, prefix: string): { inputs: string[]; outputs: string[] } {
    const inputs: string[] = [];
    const outputs: string[] = [];
    const subgraphs = new Map<string, { inputs: string[]; outputs: string[] }>();
    for (const [name, node] of Object.entries(g.nodes ?? {})) {
      const full = prefix + name;
      if (node.type === 'NIRGraph') {
        subgraphs.set(name, walk(node, `${full}.`));
        continue;
      }
      nodes.set(full, node);
      if (node.type === 'Input') inputs.push(full);
      if (node.type === 'Output') outputs.push(full);
      if (PASS_THROUGH.has(node.type) || (prefix !== '' && (node.type === 'Input' || node.type === 'Output')))
        passThrough.add(full);
    }
    const resolve = (name: string, end: 'src' | 'dst', edge: string): string => {
      const sub = subgraphs.get(name);
      if (sub !== undefined) {
        const ends = end === 'src' ? sub.outputs : sub.inputs;
        if (ends.length !== 1) {
          throw new NirError(
            `edge ${edge}: subgraph '${prefix}${name}' has ${ends.length} ${end === 'src' ? 'Output' : 'Input'} nodes, expected 1`,
          );
        }
        return ends[0];
      }
      // Older nirtorch exports name a subgraph's node from outside as "sub.node".
      if (nodes.has(prefix + name)) return prefix + name;
      throw new NirError(`edge ${edge}: no node named '${prefix}${name}'`);
    };
    for (const [src, dst] of g.edges ?? []) {
      const edge = `${prefix}${src} -> ${prefix}${dst}`;
      edges.push([resolve(src, 'src', edge), resolve(dst, 'dst', edge)]);
    }
    return { inputs, outputs };
  }

  walk(graph, '');
  let flat = edges;
  for (const name of passThrough) {
    const into = flat.filter(([, d]) => d === name).map(([s]) => s);
    const outOf = flat.filter(([s]) => s === name).map(([, d]) => d);
    flat = flat.filter(([s, d]) => s !== name && d !== name);
    for (const s of into) for (const d of outOf) flat.push([s, d]);
    nodes.delete(name);
  }
  return { nodes, edges: flat };
}
