/**
 * The native C baseline (bench/native/engine.c): the same integer algorithm, compiled by gcc twice,
 * portably at -O2 and for this very CPU at -O3 -march=native (which may vectorise the synapse
 * loops); the bench compares the .wasm against the faster. Built on demand into build/bench/, with
 * gcc (Debian package gcc); without gcc, buildNative says so.
 */

import { execFileSync } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { StepRecord } from '../host/sim/simulate.js';

const SOURCE = fileURLToPath(new URL('../../bench/native/engine.c', import.meta.url));

export interface NativeBuild {
  /** How the bench's table names it. */
  label: string;
  binary: string;
  flags: readonly string[];
}

const binary = (name: string): string => fileURLToPath(new URL(`../../build/bench/${name}`, import.meta.url));

export const NATIVE_O2: NativeBuild = { label: 'gcc -O2', binary: binary('engine-native'), flags: ['-O2'] };
export const NATIVE_O3_NATIVE: NativeBuild = {
  label: 'gcc -O3 -march=native',
  binary: binary('engine-native-o3'),
  flags: ['-O3', '-march=native'],
};

export interface NativeTiming {
  steps: number;
  /** CPU time per step (engine.c's --time), nanoseconds. */
  nsPerStep: number;
  checksum: string;
}

/** Compiles a build of the baseline if its binary is missing or older than the source. */
export function buildNative(build: NativeBuild = NATIVE_O2): string {
  const stale = (() => {
    try {
      return statSync(build.binary).mtimeMs < statSync(SOURCE).mtimeMs;
    } catch {
      return true;
    }
  })();
  if (stale) {
    mkdirSync(fileURLToPath(new URL('.', `file://${build.binary}`)), { recursive: true });
    try {
      execFileSync(
        'gcc',
        [...build.flags, '-std=c11', '-Wall', '-Wextra', '-Werror', '-o', build.binary, SOURCE],
        {
          stdio: ['ignore', 'inherit', 'inherit'],
        },
      );
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      throw new Error(
        'gcc is not on PATH: the native C baseline needs the Debian package gcc (apt-get install gcc)',
      );
    }
  }
  return build.binary;
}

export function timeNative(
  modelPath: string,
  spikesPath: string,
  repeats: number,
  build: NativeBuild = NATIVE_O2,
): NativeTiming {
  const out = execFileSync(buildNative(build), [modelPath, spikesPath, '--time', String(repeats)], {
    encoding: 'utf8',
  });
  const parsed = JSON.parse(out) as { steps: number; ns_per_step: number; checksum: string };
  return { steps: parsed.steps, nsPerStep: parsed.ns_per_step, checksum: parsed.checksum };
}

/** The baseline's per-step dump (its format is documented at the top of engine.c). */
export function dumpNative(modelPath: string, spikesPath: string, build: NativeBuild = NATIVE_O2): string[] {
  return execFileSync(buildNative(build), [modelPath, spikesPath, '--dump'], { encoding: 'utf8' })
    .trimEnd()
    .split('\n');
}

/** One step in engine.c's --dump format, from a host simulation record. */
export function formatDumpLine(record: StepRecord): string {
  const groups = (record.spikes ?? []).map((list) => ` ${list.length}:${list.join(',')}`).join(' |');
  return `t ${record.t} scores ${record.scores.join(' ')} spikes${groups} decision ${record.decision}`;
}
