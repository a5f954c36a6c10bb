/**
 * The `hetsyn` package as another project uses it: imported by name from a scratch folder (its
 * node_modules/hetsyn points at this repository, as `npm install <path>` would), types included,
 * and the examples in docs/api.md run exactly as written.
 */

import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import * as api from '../../host/index.js';
import { startVirtualBoard, type VirtualBoard } from '../../host/board/virtual-board.js';
import { PtyUnavailableError } from '../../host/transport/pty.js';
import { REPO_ROOT } from './fixtures.js';

const scratch = mkdtempSync(join(tmpdir(), 'hetsyn-api-'));
const DOC = readFileSync(join(REPO_ROOT, 'docs/api.md'), 'utf8');
const EXAMPLES = [...DOC.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');

/**
 * Runs an ES module from the scratch project, with the repository as the working directory; in a
 * child process that does not block this one (the virtual board runs here).
 */
async function runScript(name: string, source: string): Promise<string> {
  const path = join(scratch, name);
  writeFileSync(path, source);
  const { stdout } = await promisify(execFile)(process.execPath, [path], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  return stdout;
}

before(() => {
  writeFileSync(
    join(scratch, 'package.json'),
    JSON.stringify({ name: 'scratch', type: 'module', private: true }),
  );
  mkdirSync(join(scratch, 'node_modules'));
  symlinkSync(REPO_ROOT, join(scratch, 'node_modules', 'hetsyn'), 'dir');
});
after(() => rmSync(scratch, { recursive: true, force: true }));

describe('library API', () => {
  it("imports by name and spots 'yes' in the shipped clip (docs/api.md's first example)", async () => {
    assert.ok(EXAMPLES.length >= 2, 'docs/api.md has its examples');
    assert.equal((await runScript('first.mjs', EXAMPLES[0] ?? '')).trim(), 'yes');
  });

  it('runs from node -e with a dynamic import', () => {
    const model = JSON.stringify(join(REPO_ROOT, 'models/demo-kws-shape.hsm'));
    const spikes = JSON.stringify(join(REPO_ROOT, 'models/samples/demo-kws-shape.spikes'));
    const out = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const h = await import('hetsyn'); const m = h.loadModel(${model}); ` +
          `console.log(m.info.name, h.simulate(m.engine, h.readSpikeFile(${spikes})).length);`,
      ],
      { cwd: scratch, encoding: 'utf8' },
    );
    assert.equal(out, 'demo-kws-shape 100\n');
  });

  it('ships types that a strict TypeScript project compiles against', () => {
    writeFileSync(
      join(scratch, 'check.ts'),
      "import { loadModel, simulate, type StepRecord, type ModelInfo } from 'hetsyn';\n" +
        "const m = loadModel('m.hsm');\nconst info: ModelInfo = m.info;\n" +
        'const steps: StepRecord[] = simulate(m.engine, { steps: [[0]] });\n' +
        'console.log(info.labels[steps[0]?.decision ?? 0]);\n',
    );
    writeFileSync(
      join(scratch, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          types: ['node'],
          typeRoots: [join(REPO_ROOT, 'node_modules/@types')],
        },
        files: ['check.ts'],
      }),
    );
    execFileSync(process.execPath, [join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', scratch], {
      encoding: 'utf8',
      stdio: 'pipe',
    });
  });

  it('names in docs/api.md exactly what the package exports', () => {
    const lines = DOC.slice(DOC.indexOf('| group | names |')).split('\n');
    const table = lines
      .slice(
        0,
        lines.findIndex((line) => !line.startsWith('|')),
      )
      .join('\n');
    const documented = new Set([...table.matchAll(/`(\w+)`/g)].map((m) => m[1] ?? ''));
    const source = readFileSync(join(REPO_ROOT, 'host/index.ts'), 'utf8');
    const exported = new Set<string>();
    for (const block of source.matchAll(/export (?:type )?\{([^}]*)\}/g)) {
      for (const part of (block[1] ?? '').split(',')) {
        const name = part
          .trim()
          .replace(/^type /, '')
          .split(/\s+as\s+/)
          .pop();
        if (name) exported.add(name);
      }
    }
    assert.ok(exported.has('loadModel') && exported.has('encode') && exported.has('BoardClient'));
    assert.deepEqual([...documented].sort(), [...exported].sort());
    // Values the table promises exist at run time too.
    for (const name of [
      'loadModel',
      'simulate',
      'encode',
      'quantize',
      'BoardClient',
      'flashModel',
      'runStream',
    ]) {
      assert.ok(name in api, `${name} is exported`);
    }
  });

  it("runs docs/api.md's board example against the virtual board", async (t: TestContext) => {
    let board: VirtualBoard;
    try {
      board = await startVirtualBoard({ storagePath: join(scratch, 'board.bin') });
    } catch (error) {
      if (!(error instanceof PtyUnavailableError) || process.env.CI === 'true') throw error;
      t.skip(error.message);
      return;
    }
    try {
      const source = (EXAMPLES[1] ?? '').replace("'/dev/ttyACM0'", JSON.stringify(board.path));
      assert.match(await runScript('board.mjs', source), /^100 steps on the board, ok\n$/);
    } finally {
      await board.stop();
    }
  });
});
