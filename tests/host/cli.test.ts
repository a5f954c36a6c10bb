/**
 * The `hetsyn` CLI as a user runs it: the compiled entry point in a child process, on the shipped
 * demo model and sample input, checking stdout, stderr and the documented exit codes.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openEngine } from '../../host/wasm/module.js';
import { parseSpikeFile } from '../../host/spikes/spike-file.js';
import { simulate } from '../../host/sim/simulate.js';
import { writeHsm } from '../../host/model/hsm-writer.js';
import { quantize } from '../../host/quantize/quantize.js';
import { randomNetwork } from '../../host/float/random-network.js';
import { defaultFrontend } from '../../host/model/frontend-config.js';
import { EXIT_CODE_HELP, EXIT_CODES } from '../../host/cli/exit-codes.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = join(ROOT, 'dist/host/cli.js');
const DEMO = join(ROOT, 'models/demo-kws-shape.hsm');
const DEMO_INPUT = join(ROOT, 'models/samples/demo-kws-shape.spikes');
const dir = mkdtempSync(join(tmpdir(), 'hetsyn-cli-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

function hetsyn(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: dir });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

test('sim --json prints every step of the .wasm run and the decision', () => {
  const run = hetsyn('sim', DEMO, DEMO_INPUT, '--json', '--spikes');
  assert.equal(run.status, 0, run.stderr);
  const out = JSON.parse(run.stdout) as {
    steps: { t: number; scores: number[]; spikes: number[][]; decision: number }[];
    decision: number;
    label: string;
  };
  const engine = openEngine();
  const info = engine.loadOrThrow(readFileSync(DEMO));
  const expected = simulate(engine, parseSpikeFile(readFileSync(DEMO_INPUT), DEMO_INPUT), { spikes: true });
  assert.deepEqual(out.steps, expected);
  assert.equal(out.decision, engine.decision());
  assert.equal(out.label, info.labels[engine.decision()]);
  assert.ok(
    out.steps.some((s) => (s.spikes[0]?.length ?? 0) > 0),
    'the demo network spikes',
  );
});

test('sim prints a step table and a decision line for people', () => {
  const run = hetsyn('sim', DEMO, DEMO_INPUT);
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /^step\s+top\s+class0/m);
  assert.match(run.stdout, /^decision: class\d+ \(class \d+, summed over steps 0\.\.99\)$/m);
  assert.equal(hetsyn('sim', DEMO, DEMO_INPUT, '-q').stdout.trim().split('\n').length, 1);
});

test('inspect reports sizes, levels and costs that match the engine', () => {
  const run = hetsyn('inspect', DEMO, '--json');
  assert.equal(run.status, 0, run.stderr);
  const out = JSON.parse(run.stdout) as {
    model: { modelBytes: number; stateBytes: number; layers: { levelCount: number; kind: string }[] };
    cost: { flashBytes: number; stateBytes: number; opsPerStep: { total: number } };
    wasmBytes: number;
  };
  assert.equal(out.model.modelBytes, readFileSync(DEMO).length);
  assert.equal(out.cost.stateBytes, out.model.stateBytes);
  assert.deepEqual(
    out.model.layers.map((l) => [l.kind, l.levelCount]),
    [
      ['recurrent', 16],
      ['readout', 16],
    ],
  );
  assert.ok(out.cost.opsPerStep.total > 4000 && out.cost.opsPerStep.total < 8000);
  assert.match(
    hetsyn('inspect', DEMO).stdout,
    /^RAM\s+10,736 B of state, in the engine's 24,576 B state arena/m,
  );
  assert.match(hetsyn('inspect', DEMO).stdout, /^front-end none: the model takes spike files/m);
  const withFrontend = join(dir, 'audio.hsm');
  const float = randomNetwork({
    seed: 8,
    inputCount: 64,
    layers: [
      { kind: 'recurrent', size: 8 },
      { kind: 'readout', size: 2 },
    ],
  });
  writeFileSync(
    withFrontend,
    writeHsm({ ...quantize(float).hsm, frontend: { ...defaultFrontend(16000), encoding: 'delta' } }),
  );
  assert.match(
    hetsyn('inspect', withFrontend).stdout,
    /^front-end 16000 Hz audio, 32 mel bands, 25 ms window, 10 ms hop, up\/down delta at 9\.0 dB/m,
  );
});

test('synth and quantize reproduce the shipped demo model byte for byte', () => {
  const json = join(dir, 'demo.json');
  const spikes = join(dir, 'demo.spikes');
  const model = join(dir, 'demo.hsm');
  const args = [
    '--inputs',
    '64',
    '--layers',
    'r128,12',
    '--levels',
    '16',
    '--seed',
    '1',
    '--name',
    'demo-kws-shape',
  ];
  assert.equal(hetsyn('synth', ...args, '-o', json, '--spikes-out', spikes, '--steps', '100').status, 0);
  const quantized = hetsyn('quantize', json, '-o', model);
  assert.equal(quantized.status, 0, quantized.stderr);
  assert.match(quantized.stdout, /wrote .*demo\.hsm \(40576 bytes\)/);
  assert.deepEqual(readFileSync(model), readFileSync(DEMO));
  assert.equal(readFileSync(spikes, 'utf8'), readFileSync(DEMO_INPUT, 'utf8'));
});

test('exit codes: usage 2, unreadable or malformed input 3, rejected model 4', () => {
  assert.equal(hetsyn('sim').status, 2);
  assert.equal(hetsyn('sim', DEMO, DEMO_INPUT, '--bogus').status, 2);
  assert.equal(hetsyn('synth', '-o', 'x.json', '--layers', 'r12,f3').status, 2);

  const missing = hetsyn('sim', DEMO, join(dir, 'absent.spikes'));
  assert.equal(missing.status, 3);
  assert.match(missing.stderr, /cannot read spike file .*absent\.spikes: no such file/);

  writeFileSync(join(dir, 'bad.spikes'), '0 1\n2 x\n');
  const malformed = hetsyn('sim', DEMO, join(dir, 'bad.spikes'));
  assert.equal(malformed.status, 3);
  assert.match(malformed.stderr, /bad\.spikes:2:3: "x" is not a channel number/);

  writeFileSync(join(dir, 'wide.spikes'), '0 64\n');
  assert.match(
    hetsyn('sim', DEMO, join(dir, 'wide.spikes')).stderr,
    /channel 64 is not below the model's 64 inputs/,
  );

  const corrupt = Uint8Array.from(readFileSync(DEMO));
  corrupt[1000] = (corrupt[1000] ?? 0) ^ 0x40;
  writeFileSync(join(dir, 'corrupt.hsm'), corrupt);
  const rejected = hetsyn('inspect', join(dir, 'corrupt.hsm'));
  assert.equal(rejected.status, 4);
  assert.match(
    rejected.stderr,
    /Failed to load model .*corrupt\.hsm: BAD_CRC \(CRC-32 mismatch: the file is corrupted\)/,
  );

  writeFileSync(join(dir, 'bad.json'), '{"format": "hetsyn-float"');
  assert.equal(hetsyn('quantize', join(dir, 'bad.json'), '-o', 'x.hsm').status, 3);
});

test('--help lists the commands and the exit codes, and so does every command', () => {
  const run = hetsyn('--help');
  assert.equal(run.status, 0);
  for (const command of ['sim', 'inspect', 'quantize', 'synth'])
    assert.match(run.stdout, new RegExp(`^  ${command} `, 'm'));
  assert.ok(run.stdout.includes(EXIT_CODE_HELP), run.stdout);
  assert.match(run.stdout, /4 {2}model rejected/);
  for (const command of ['sim', 'flash', 'board']) {
    const sub = hetsyn(command, '--help');
    assert.equal(sub.status, 0);
    assert.ok(sub.stdout.includes(EXIT_CODE_HELP), `${command} --help:\n${sub.stdout}`);
  }
});

test("the README's exit code table is the CLI's table", () => {
  const lines = readFileSync(join(ROOT, 'README.md'), 'utf8').split('\n');
  const header = lines.findIndex((line) => /^\|\s*code\s*\|\s*meaning\s*\|$/.test(line.trim()));
  assert.ok(header >= 0, 'README.md: no "| code | meaning |" table');
  const rows: [number, string][] = [];
  for (const line of lines.slice(header + 2)) {
    const match = /^\|\s*(\d+)\s*\|\s*(.*?)\s*\|$/.exec(line.trim());
    if (!match) break;
    rows.push([Number(match[1]), match[2]]);
  }
  assert.deepEqual(
    rows,
    EXIT_CODES.map((row) => [row.code, row.meaning]),
  );
});

test('a reader that closes the pipe early (| head) ends the output quietly, exit code 0', async () => {
  const child = spawn(process.execPath, [CLI, 'sim', DEMO, DEMO_INPUT], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // Closed before the first write, so every write the command makes meets a closed pipe.
  child.stdout.destroy();
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(stderr, '');
  assert.equal(code, 0);
});
