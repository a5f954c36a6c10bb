/**
 * The native C baseline (bench/native/engine.c): the same integer algorithm compiled with gcc -O2,
 * the physical limit on this machine. Built on demand into build/bench/, with gcc (Debian package
 * gcc); without gcc, buildNative says so.
 */

import { execFileSync } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { StepRecord } from '../host/sim/simulate.js';

const SOURCE = fileURLToPath(new URL('../../bench/native/engine.c', import.meta.url));
const BINARY = fileURLToPath(new URL('../../build/bench/engine-native', import.meta.url));

export interface NativeTiming {
  steps: number;
  nsPerStep: number;
  checksum: string;
}

/** Compiles the baseline if the binary is missing or older than its source. */
export function buildNative(): string {
  const stale = (() => {
    try {
      return statSync(BINARY).mtimeMs < statSync(SOURCE).mtimeMs;
    } catch {
      return true;
    }
  })();
  if (stale) {
    mkdirSync(fileURLToPath(new URL('.', `file://${BINARY}`)), { recursive: true });
    try {
      execFileSync('gcc', ['-O2', '-std=c11', '-Wall', '-Wextra', '-Werror', '-o', BINARY, SOURCE], {
        stdio: ['ignore', 'inherit', 'inherit'],
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      throw new Error(
        'gcc is not on PATH: the native C baseline needs the Debian package gcc (apt-get install gcc)',
      );
    }
  }
  return BINARY;
}

export function timeNative(modelPath: string, spikesPath: string, repeats: number): NativeTiming {
  const out = execFileSync(buildNative(), [modelPath, spikesPath, '--time', String(repeats)], {
    encoding: 'utf8',
  });
  const parsed = JSON.parse(out) as { steps: number; ns_per_step: number; checksum: string };
  return { steps: parsed.steps, nsPerStep: parsed.ns_per_step, checksum: parsed.checksum };
}

/** The baseline's per-step dump (its format is documented at the top of engine.c). */
export function dumpNative(modelPath: string, spikesPath: string): string[] {
  return execFileSync(buildNative(), [modelPath, spikesPath, '--dump'], { encoding: 'utf8' })
    .trimEnd()
    .split('\n');
}

/** One step in engine.c's --dump format, from a host simulation record. */
export function formatDumpLine(record: StepRecord): string {
  const groups = (record.spikes ?? []).map((list) => ` ${list.length}:${list.join(',')}`).join(' |');
  return `t ${record.t} scores ${record.scores.join(' ')} spikes${groups} decision ${record.decision}`;
}
