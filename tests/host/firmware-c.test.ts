/**
 * firmware-bindings/ (the C side of a board) without WAMR, as CI builds it: the static libraries for
 * Cortex-M4 and the host compile warning-free with -Wall -Wextra -Werror, the library's sizes are
 * printed and kept within a budget, and the host unit tests (natives against a fake runtime
 * boundary, slot storage at its limits, the UART ring, log lines, the POSIX port's microphone
 * file) pass. The cross compiler is the
 * Debian package gcc-arm-none-eabi (with libnewlib-arm-none-eabi), installed by .ci/run with gcc and
 * make; without them these tests are skipped, naming what to install (under CI they fail).
 */

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it, type TestContext } from 'node:test';
import { REPO_ROOT } from './fixtures.js';
import { ARM_GCC, GCC, MAKE, requireTools } from './tools.js';

const FIRMWARE = join(REPO_ROOT, 'firmware-bindings');
/**
 * Flash budget of our C (text of the core library plus the MPS2 and STM32F4 ports, whose shared
 * SysTick and semihosting objects count twice), bytes; measured 6.5 KB.
 */
const MAX_TEXT_BYTES = 8192;

function make(build: string, ...targets: string[]): string {
  const run = spawnSync('make', ['-C', FIRMWARE, `BUILD=${build}`, ...targets], { encoding: 'utf8' });
  if (run.error) assert.fail(`make: ${run.error.message} (install the Debian package make)`);
  const output = `${run.stdout}${run.stderr}`;
  assert.equal(run.status, 0, `make ${targets.join(' ')} failed:\n${output}`);
  return output;
}

describe('firmware-bindings C, without WAMR', () => {
  const build = mkdtempSync(join(tmpdir(), 'hetsyn-fw-'));
  after(() => rmSync(build, { recursive: true, force: true }));

  it('compiles warning-free for Cortex-M4 and the host, within its flash budget', (t: TestContext) => {
    const skip = requireTools(MAKE, GCC, ARM_GCC);
    if (skip) {
      t.skip(skip);
      return;
    }
    const output = make(build, 'all');
    assert.doesNotMatch(output, /warning:/, 'no warning may slip through');
    const sizes = output.split('\n').filter((line) => /^\s*\d+\s+\d+\s+\d+\s+\d+\s+[0-9a-f]+\s/.test(line));
    for (const line of sizes) t.diagnostic(line.trim().replace(/ \(ex .*\/(lib\w+\.a)\)$/, ' ($1)'));
    const total = sizes.find((line) => line.includes('(TOTALS)'));
    assert.ok(total, `no size totals in:\n${output}`);
    const text = Number(total.trim().split(/\s+/)[0]);
    assert.ok(text > 1000 && text <= MAX_TEXT_BYTES, `text ${text} B, budget ${MAX_TEXT_BYTES} B`);
  });

  it('passes its host unit tests (fake runtime boundary, storage limits, ring, log, mic file)', (t: TestContext) => {
    const skip = requireTools(MAKE, GCC);
    if (skip) {
      t.skip(skip);
      return;
    }
    const output = make(build, 'test');
    for (const line of output.split('\n').filter((l) => /^(== |\d+ checks)/.test(l))) t.diagnostic(line);
    assert.doesNotMatch(output, /^FAIL /m);
    const summaries = [...output.matchAll(/^(\d+) checks, (\d+) failed$/gm)];
    assert.equal(summaries.length, 5, 'five test programs ran');
    for (const m of summaries) assert.equal(m[2], '0');
  });

  it('recompiles when PORT_DEFS change, and only then', (t: TestContext) => {
    const skip = requireTools(MAKE, ARM_GCC);
    if (skip) {
      t.skip(skip);
      return;
    }
    const compiles = (output: string) =>
      output.split('\n').filter((l) => l.startsWith('arm-none-eabi-gcc')).length;
    make(build, 'libs');
    assert.equal(compiles(make(build, 'libs')), 0, 'nothing changed, nothing to compile');
    const changed = make(build, 'libs', 'PORT_DEFS=-DHS_FLAG_STAMP_TEST=1');
    assert.ok(compiles(changed) >= 4, `every Cortex-M4 object again:\n${changed}`);
    assert.equal(compiles(make(build, 'libs', 'PORT_DEFS=-DHS_FLAG_STAMP_TEST=1')), 0);
  });
});
