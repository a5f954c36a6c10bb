/**
 * The import graph between the folders of a source tree, and its cycles: what the layering test
 * holds `host/` and `assembly/` to. Imports are read with TypeScript's own pre-processor, so
 * `import`, `export ... from`, side-effect and dynamic imports all count.
 */

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

/** One import of a file in another folder of the same tree. */
export interface FolderEdge {
  from: string;
  to: string;
  /** Where: `file -> imported file`, relative to the tree. */
  via: string;
}

export function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The top folder of a file inside the tree; `.` for a file at the tree's root. */
function folderOf(root: string, file: string): string {
  const parts = relative(root, file).split(sep);
  return parts.length > 1 ? (parts[0] ?? '.') : '.';
}

/** The files a source file imports by relative path, resolved to their .ts sources. */
export function relativeImports(file: string): string[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return importedFiles
    .filter(({ fileName }) => fileName.startsWith('.'))
    .map(({ fileName }) => resolve(dirname(file), fileName).replace(/\.js$/, '.ts'));
}

/** Every import from one top folder of `root` into another (relative imports only: packages are not ours). */
export function folderEdges(root: string): FolderEdge[] {
  const edges: FolderEdge[] = [];
  for (const file of sourceFiles(root)) {
    for (const target of relativeImports(file)) {
      if (relative(root, target).startsWith('..')) continue;
      const from = folderOf(root, file);
      const to = folderOf(root, target);
      if (from !== to) edges.push({ from, to, via: `${relative(root, file)} -> ${relative(root, target)}` });
    }
  }
  return edges;
}

/** The strongly connected groups of two or more folders (Tarjan), each sorted, for a stable message. */
export function folderCycles(edges: readonly FolderEdge[]): string[][] {
  const next = new Map<string, Set<string>>();
  for (const { from, to } of edges) {
    if (!next.has(from)) next.set(from, new Set());
    next.get(from)?.add(to);
    if (!next.has(to)) next.set(to, new Set());
  }
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v) ?? 0, index.get(w) ?? 0));
      }
    }
    if (low.get(v) === index.get(v)) {
      const group: string[] = [];
      let w: string | undefined;
      do {
        w = stack.pop();
        if (w === undefined) break;
        onStack.delete(w);
        group.push(w);
      } while (w !== v);
      if (group.length > 1) groups.push(group.sort());
    }
  };
  for (const v of [...next.keys()].sort()) if (!index.has(v)) visit(v);
  return groups;
}
