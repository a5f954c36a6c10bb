/**
 * Running the real `hetsyn` CLI against the virtual board over a real pseudo-terminal: the board
 * is `hetsyn board` in its own process (so it can be killed like a board losing power), the host
 * side is `hetsyn flash/info/stream` in child processes, and every byte crosses the pty.
 */

import type { Detection } from '../../host/model/detection.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openEngine } from '../../host/wasm/module.js';
import type { HelloInfo } from '../../host/protocol/messages.js';
import { parseSpikeFile, type SpikeTrain } from '../../host/spikes/spike-file.js';
import { simulate, type StepRecord } from '../../host/sim/simulate.js';

/** The model hash the board reports (docs/protocol.md): a .hsm's own CRC-32. */
export { modelHash } from '../../host/protocol/upload.js';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const CLI = join(ROOT, 'dist/host/cli.js');
export const DEMO_MODEL = join(ROOT, 'models/demo-kws-shape.hsm');
export const DEMO_INPUT = join(ROOT, 'models/samples/demo-kws-shape.spikes');

export function tempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `hetsyn ARGS` to completion (async, so a board process in the background keeps running). */
export function hetsyn(
  args: string[],
  options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.env ? { env: { ...process.env, ...options.env } } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`hetsyn ${args.join(' ')} did not finish in ${options.timeoutMs ?? 60_000} ms\n${stderr}`),
      );
    }, options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export interface Board {
  port: string;
  process: ChildProcess;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  stderr: () => string;
  stop: () => Promise<void>;
}

/** Starts `hetsyn board` and waits for the port path it prints on its first stdout line. */
export function startBoard(storage: string, extra: string[] = []): Promise<Board> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'board', '--storage', storage, '--no-board-log', ...extra], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => reject(new Error(`hetsyn board printed no port\n${stderr}`)), 15_000);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      const newline = stdout.indexOf('\n');
      if (newline < 0) return;
      clearTimeout(timer);
      resolve({
        port: stdout.slice(0, newline).trim(),
        process: child,
        exited,
        stderr: () => stderr,
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          await exited;
        },
      });
    });
    child.on('exit', (code) =>
      reject(new Error(`hetsyn board exited (${code}) before printing a port\n${stderr}`)),
    );
  });
}

/** What `hetsyn info --json` prints: the port and the board's INFO. */
export type BoardInfo = HelloInfo & { port: string };

export async function boardInfo(port: string): Promise<BoardInfo> {
  const run = await hetsyn(['info', '--port', port, '--json']);
  if (run.code !== 0) throw new Error(`hetsyn info failed (${run.code}): ${run.stderr}`);
  return JSON.parse(run.stdout) as BoardInfo;
}

/** What the board must produce for a spike file: the .wasm engine on the host, step by step. */
export function expectedRun(
  modelPath: string,
  inputPath: string,
): { train: SpikeTrain; records: StepRecord[] } {
  const engine = openEngine();
  engine.loadOrThrow(readFileSync(modelPath));
  const train = parseSpikeFile(readFileSync(inputPath), inputPath);
  return { train, records: simulate(engine, train, { spikes: true }) };
}

export interface StreamedStep {
  t: number;
  scores?: number[];
  spikes?: number[];
  decision?: number;
  stepUs?: number;
  lost?: boolean;
}

export function parseStreamLines(stdout: string): StreamedStep[] {
  return stdout
    .trim()
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as StreamedStep);
}

/** One step of `hetsyn sim --json`: its scores, the decision and the detection made at it. */
export interface SimStep {
  t: number;
  scores: number[];
  decision: number;
  detection?: Detection;
}
