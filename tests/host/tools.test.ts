/**
 * tests/host/tools.ts, the one place that decides whether a test needing a system tool runs, is
 * skipped (naming the tool and its Debian package) or, under CI, fails: against a PATH of fake
 * programs in a scratch directory, so the verdict does not depend on this machine.
 */

import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ARM_GCC, GCC, PTY, requireTool, requireTools, underCi } from './tools.js';

describe('tests/host/tools.ts', () => {
  const bin = mkdtempSync(join(tmpdir(), 'hetsyn-tools-'));
  after(() => rmSync(bin, { recursive: true, force: true }));
  const fake = (name: string): void => {
    writeFileSync(join(bin, name), '#!/bin/sh\n');
    chmodSync(join(bin, name), 0o755);
  };

  /** Runs `fn` with PATH = the scratch directory and CI as given, then restores both. */
  function withEnv<T>(ci: string | undefined, fn: () => T): T {
    const saved = { PATH: process.env.PATH, CI: process.env.CI };
    process.env.PATH = bin;
    if (ci === undefined) delete process.env.CI;
    else process.env.CI = ci;
    try {
      return fn();
    } finally {
      process.env.PATH = saved.PATH;
      if (saved.CI === undefined) delete process.env.CI;
      else process.env.CI = saved.CI;
    }
  }

  it('reads CI as .ci/run sets it', () => {
    assert.equal(underCi({ CI: 'true' }), true);
    assert.equal(underCi({ CI: '1' }), true);
    assert.equal(underCi({}), false);
    assert.equal(underCi({ CI: '' }), false);
    assert.equal(underCi({ CI: 'false' }), false);
    assert.equal(underCi({ CI: '0' }), false);
  });

  it('gives a skip reason naming each missing tool and its Debian package', () => {
    const reason = withEnv(undefined, () => requireTools(GCC, ARM_GCC));
    assert.ok(reason);
    assert.match(reason, /gcc is not on PATH \(install the Debian package gcc: apt-get install gcc\)/);
    assert.match(reason, /arm-none-eabi-gcc is not on PATH .*gcc-arm-none-eabi libnewlib-arm-none-eabi/);
    assert.match(
      withEnv(undefined, () => requireTool('make', 'make')) ?? '',
      /make is not on PATH \(install the Debian package make/,
    );
  });

  it('under CI throws that reason instead of skipping', () => {
    assert.throws(
      () => withEnv('true', () => requireTools(GCC)),
      /gcc is not on PATH \(install the Debian package gcc.*under CI a missing tool is a failure/,
    );
  });

  it('gives no reason, under CI or not, once the tools are on PATH', () => {
    fake('gcc');
    fake('arm-none-eabi-gcc');
    assert.equal(
      withEnv(undefined, () => requireTools(GCC, ARM_GCC)),
      undefined,
    );
    assert.equal(
      withEnv('true', () => requireTools(GCC, ARM_GCC)),
      undefined,
    );
  });

  it('takes either socat or python3 for the pty pair, and names socat when neither is there', () => {
    const reason = withEnv(undefined, () => requireTools(PTY));
    assert.match(reason ?? '', /neither socat nor python3 is on PATH \(install the Debian package socat/);
    fake('python3');
    assert.equal(
      withEnv('true', () => requireTools(PTY)),
      undefined,
    );
  });
});
