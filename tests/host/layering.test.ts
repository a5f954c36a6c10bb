/**
 * The folders of host/ and assembly/ are layers: no import cycle between folders, so a folder's name
 * says what it may depend on. A failure names the cycle and the imports that make it.
 */

import assert from 'node:assert/strict';
import { basename, dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { REPO_ROOT } from './fixtures.js';
import { folderCycles, folderEdges, relativeImports, sourceFiles, type FolderEdge } from './folder-graph.js';

function explain(edges: readonly FolderEdge[], cycles: string[][]): string {
  return cycles
    .map((group) => {
      const inside = edges.filter((e) => group.includes(e.from) && group.includes(e.to));
      return `cycle between ${group.join(', ')}:\n${inside.map((e) => `  ${e.from} -> ${e.to}: ${e.via}`).join('\n')}`;
    })
    .join('\n');
}

describe('folder layering', () => {
  test('the cycle finder finds a cycle, and only a real one', () => {
    const edge = (from: string, to: string): FolderEdge => ({ from, to, via: '' });
    assert.deepEqual(folderCycles([edge('a', 'b'), edge('b', 'c'), edge('c', 'a'), edge('c', 'd')]), [
      ['a', 'b', 'c'],
    ]);
    assert.deepEqual(folderCycles([edge('a', 'b'), edge('b', 'c'), edge('a', 'c')]), []);
  });

  for (const tree of ['host', 'assembly']) {
    test(`${tree}/ has no import cycle between folders`, () => {
      const edges = folderEdges(join(REPO_ROOT, tree));
      assert.ok(edges.length > 10, `${tree}/: the scan found its imports`);
      const cycles = folderCycles(edges);
      assert.deepEqual(cycles, [], explain(edges, cycles));
    });
  }

  test('no command imports another command', () => {
    const commands = join(REPO_ROOT, 'host', 'commands');
    const files = sourceFiles(commands);
    assert.ok(files.length > 10);
    const crossings = files.flatMap((file) =>
      relativeImports(file)
        .filter((target) => dirname(target) === commands)
        .map((target) => `${basename(file)} imports ${basename(target)}`),
    );
    assert.deepEqual(crossings, [], 'shared command plumbing belongs in host/cli/');
  });
});
