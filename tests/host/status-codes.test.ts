/**
 * The engine's status codes live in three places: the numbers the .wasm returns
 * (assembly/model/errors.ts), the host's messages (host/model/errors.ts) and the table in
 * docs/model-format.md. They must list the same codes under the same names, and the host's
 * messages must be the doc's meanings word for word.
 */

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { STATUS_CODES } from '../../host/model/errors.js';
import { REPO_ROOT } from './fixtures.js';

type Table = [code: number, name: string][];
type MeaningTable = [code: number, name: string, meaning: string][];

function engineTable(): Table {
  const source = readFileSync(join(REPO_ROOT, 'assembly/model/errors.ts'), 'utf8');
  const table: Table = [];
  for (const line of source.split('\n')) {
    if (!line.startsWith('export ')) continue;
    const match = /^export const ([A-Z_]+): i32 = (\d+);$/.exec(line);
    assert.ok(match, `assembly/model/errors.ts: unexpected export "${line}"`);
    table.push([Number(match[2]), match[1]]);
  }
  return table;
}

function docsTable(): MeaningTable {
  const lines = readFileSync(join(REPO_ROOT, 'docs/model-format.md'), 'utf8').split('\n');
  const header = lines.findIndex((line) => /^\|\s*code\s*\|\s*name\s*\|\s*meaning\s*\|$/.test(line.trim()));
  assert.ok(header >= 0, 'docs/model-format.md: no "| code | name | meaning |" table');
  const table: MeaningTable = [];
  // Skip the header and its |---| line; the table ends at the first line that is not a row.
  for (const line of lines.slice(header + 2)) {
    if (!line.startsWith('|')) break;
    const match = /^\|\s*(\d+)\s*\|\s*([A-Z_]+)\s*\|\s*(\S.*?)\s*\|$/.exec(line.trim());
    assert.ok(match, `docs/model-format.md: malformed row "${line}"`);
    table.push([Number(match[1]), match[2], match[3]]);
  }
  return table;
}

const hostTable = (): Table => STATUS_CODES.map((s) => [s.code, s.name]);

describe('status codes', () => {
  it('the engine numbers them 0, 1, 2, ... without gaps or repeats', () => {
    const engine = engineTable();
    assert.ok(engine.length >= 23, `${engine.length} codes`);
    assert.deepEqual(
      engine.map(([code]) => code),
      engine.map((_, i) => i),
    );
    assert.equal(new Set(engine.map(([, name]) => name)).size, engine.length);
  });

  it('host/model/errors.ts lists the same codes and names as the engine', () => {
    assert.deepEqual(hostTable(), engineTable());
  });

  it('docs/model-format.md lists the same codes and names as the engine', () => {
    assert.deepEqual(
      docsTable().map(([code, name]) => [code, name]),
      engineTable(),
    );
  });

  it('host/model/errors.ts words each code as docs/model-format.md does', () => {
    assert.deepEqual(
      STATUS_CODES.map((s) => [s.code, s.name, s.message]),
      docsTable(),
    );
  });

  it('every host message is written out', () => {
    for (const status of STATUS_CODES)
      assert.ok(status.message.length > 5, `${status.name}: "${status.message}"`);
  });
});
