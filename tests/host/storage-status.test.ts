/**
 * The storage status codes live in three places: the table in docs/board-abi.md, the C enum the
 * firmware returns (firmware-bindings/include/hetsyn/hs_abi.h) and the virtual board's table
 * (host/wasm/storage-status.ts). They must list the same codes under the same names and meanings,
 * and the virtual board must return the code the C firmware returns for the same failure.
 */

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { MemoryStorage } from '../../host/board/storage.js';
import { formatDeviceError, makeDeviceError } from '../../host/protocol/device-errors.js';
import { MessageType } from '../../host/protocol/messages.js';
import { boardImports } from '../../host/wasm/board-imports.js';
import { STORAGE_STATUS_CODES, StorageStatus } from '../../host/wasm/storage-status.js';
import { REPO_ROOT } from './fixtures.js';

type Table = [code: number, name: string, meaning: string][];

function docsTable(): Table {
  const doc = readFileSync(join(REPO_ROOT, 'docs/board-abi.md'), 'utf8');
  const lines = doc.slice(doc.indexOf('## Storage status codes')).split('\n');
  const header = lines.findIndex((line) => /^\|\s*code\s*\|\s*name\s*\|\s*meaning\s*\|$/.test(line.trim()));
  assert.ok(
    header >= 0,
    'docs/board-abi.md: no "| code | name | meaning |" table under "Storage status codes"',
  );
  const table: Table = [];
  for (const line of lines.slice(header + 2)) {
    if (!line.startsWith('|')) break;
    const match = /^\|\s*(-?\d+)\s*\|\s*([A-Z_]+)\s*\|\s*(\S.*?)\s*\|$/.exec(line.trim());
    assert.ok(match, `docs/board-abi.md: malformed row "${line}"`);
    table.push([Number(match[1]), match[2], match[3]]);
  }
  return table;
}

/** The enum hs_storage_status, names without HS_ / HS_E_, meanings from the member comments. */
function cTable(): Table {
  const header = readFileSync(join(REPO_ROOT, 'firmware-bindings/include/hetsyn/hs_abi.h'), 'utf8');
  const body = /enum hs_storage_status \{([^}]*)\};/.exec(header)?.[1];
  assert.ok(body, 'hs_abi.h: no enum hs_storage_status');
  const members = body
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
  return members.map((line) => {
    const match = /^HS_(?:E_)?([A-Z_]+) = (-?\d+),?\s+\/\*\*< (.*) \*\/$/.exec(line);
    assert.ok(match, `hs_abi.h: malformed member "${line}"`);
    return [Number(match[2]), match[1], match[3]];
  });
}

const hostTable = (): Table => STORAGE_STATUS_CODES.map((s) => [s.code, s.name, s.meaning]);

describe('storage status codes', () => {
  it('docs/board-abi.md, the C header and the virtual board list the same codes, names and meanings', () => {
    const host = hostTable();
    assert.ok(host.length >= 6, `${host.length} codes`);
    assert.deepEqual(docsTable(), host);
    assert.deepEqual(cTable(), host);
  });

  it('are OK (0) and distinct negative codes', () => {
    assert.equal(StorageStatus.OK, 0);
    const failures = STORAGE_STATUS_CODES.filter((s) => s.name !== 'OK').map((s) => s.code);
    assert.ok(failures.every((code) => code < 0));
    assert.equal(new Set(failures).size, failures.length);
  });

  it('the virtual board returns the code the C firmware returns for the same failure', () => {
    // The C side of these cases: firmware-bindings/tests/test_storage.c and test_natives.c.
    const storage = new MemoryStorage({ slotBytes: 64 });
    assert.equal(storage.erase(2), StorageStatus.SLOT);
    assert.equal(storage.write(-1, 0, Uint8Array.of(1)), StorageStatus.SLOT);
    assert.equal(storage.write(0, 63, Uint8Array.of(1, 2)), StorageStatus.RANGE);
    assert.equal(storage.write(0, 4, Uint8Array.of(1)), StorageStatus.OK);
    assert.equal(storage.write(0, 4, Uint8Array.of(1)), StorageStatus.NOT_ERASED);

    const memory = new WebAssembly.Memory({ initial: 1 });
    const { env } = boardImports({ uart: null, storage }, () => memory);
    assert.equal(env.storage_erase(2), StorageStatus.SLOT);
    assert.equal(env.storage_read(1, 60, 0, 8), StorageStatus.RANGE);
    assert.equal(env.storage_write(1, 60, 0, 8), StorageStatus.RANGE);
    assert.equal(env.storage_read(1, 0, 0, 8), StorageStatus.OK);
    const none = boardImports({ uart: null, storage: null }, () => memory).env;
    assert.equal(none.storage_erase(0), StorageStatus.SLOT);
    assert.equal(none.storage_read(0, 0, 0, 1), StorageStatus.SLOT);
  });

  it('the host names the status of a STORAGE error, and says when it does not know one', () => {
    const storage = (detail: number): string =>
      formatDeviceError('upload the model', makeDeviceError(MessageType.UPLOAD_CHUNK, 8, detail));
    assert.equal(
      storage(StorageStatus.NOT_ERASED),
      'Failed to upload the model: STORAGE (a storage import failed; storage status -3 (NOT_ERASED: a write over bytes that are not erased))',
    );
    assert.match(storage(-9), /storage status -9 \(UNKNOWN: a storage status this host does not know\)/);
  });
});
