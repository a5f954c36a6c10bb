/**
 * Tests that need a program npm cannot provide (a C compiler, make, a pty helper). On a machine
 * without it such a test is skipped, naming the program and the Debian package that provides it;
 * under CI (CI=true, as .ci/run sets it) a missing program is a failure with the same message,
 * so CI always runs everything. Call these inside the test (or its before hook), never at module
 * level, so that under CI it is the test that fails:
 *
 *     it('compiles', (t) => {
 *       const skip = requireTool('gcc', 'gcc');
 *       if (skip) return t.skip(skip);
 *       ...
 *     });
 *
 * or, for a test that needs the tool throughout, wrap its body:
 *
 *     test('runs the C engine', withTools([GCC], () => { ... }));
 */

import type { TestContext } from 'node:test';
import { onPath } from '../../host/transport/pty.js';

/** A program the tests run, and the Debian package(s) that install it. */
export interface Tool {
  name: string;
  debianPackage: string;
  /** Programs that do the same job: the need is met when any of them is on PATH. */
  or?: string[];
}

export const GCC: Tool = { name: 'gcc', debianPackage: 'gcc' };
export const MAKE: Tool = { name: 'make', debianPackage: 'make' };
export const ARM_GCC: Tool = {
  name: 'arm-none-eabi-gcc',
  debianPackage: 'gcc-arm-none-eabi libnewlib-arm-none-eabi',
};
/** The virtual board's pseudo-terminal pair (host/transport/pty.ts): socat, or its python3 fallback. */
export const PTY: Tool = { name: 'socat', debianPackage: 'socat', or: ['python3'] };

/** CI=true (or any value but "", "0" and "false"): a missing tool fails instead of skipping. */
export function underCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const ci = (env.CI ?? '').trim().toLowerCase();
  return ci !== '' && ci !== '0' && ci !== 'false';
}

function describeMissing(tool: Tool): string {
  const which = tool.or?.length
    ? `neither ${[tool.name, ...tool.or].join(' nor ')} is`
    : `${tool.name} is not`;
  return `${which} on PATH (install the Debian package ${tool.debianPackage}: apt-get install ${tool.debianPackage})`;
}

/**
 * undefined when every tool is on PATH. Otherwise the reason to skip, naming each missing tool and
 * its package; under CI this throws that reason instead.
 */
export function requireTools(...tools: Tool[]): string | undefined {
  const missing = tools.filter((tool) => ![tool.name, ...(tool.or ?? [])].some((name) => onPath(name)));
  if (missing.length === 0) return undefined;
  const reason = missing.map(describeMissing).join('; ');
  if (underCi())
    throw new Error(`${reason}; under CI a missing tool is a failure, not a skip (.ci/run installs it)`);
  return reason;
}

/** requireTools for one program. */
export function requireTool(name: string, debianPackage: string): string | undefined {
  return requireTools({ name, debianPackage });
}

/**
 * The test function `fn`, run only when every tool is on PATH; otherwise the test is skipped with
 * requireTools' reason (under CI it fails with it).
 */
export function withTools<R>(tools: Tool[], fn: (t: TestContext) => R): (t: TestContext) => R | undefined {
  return (t) => {
    const skip = requireTools(...tools);
    if (skip) {
      t.skip(skip);
      return undefined;
    }
    return fn(t);
  };
}
