/**
 * One CLI vocabulary: --json on every command a machine reads, one meaning per option name, exit
 * codes in every command's help, HETSYN_PORT for --port, and shell completion made from the
 * program itself. Runs the compiled CLI in a child process.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXIT_CODE_HELP } from '../../host/cli/exit-codes.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = join(ROOT, 'dist/host/cli.js');
const DEMO = join(ROOT, 'models/demo-kws-shape.hsm');
const DEMO_INPUT = join(ROOT, 'models/samples/demo-kws-shape.spikes');
const GSC = join(ROOT, 'models/gsc12-kws.hsm');
const CLIP = join(ROOT, 'models/samples/gsc12/yes/2c6d3924_nohash_0.wav');
const dir = mkdtempSync(join(tmpdir(), 'hetsyn-vocabulary-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

function hetsyn(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): { status: number | null; stdout: string; stderr: string } {
  const { HETSYN_PORT: _, ...rest } = process.env;
  const run = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    cwd: dir,
    env: { ...rest, ...env },
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** The command names `hetsyn --help` lists. */
function commandNames(): string[] {
  const help = hetsyn(['--help']).stdout;
  const section = help.slice(help.indexOf('Commands:'));
  return [...section.matchAll(/^ {2}([a-z]+)\b/gm)].map((m) => m[1] ?? '');
}

test('every command, and every subcommand, prints the exit codes in its --help', () => {
  const names = commandNames();
  assert.ok(names.length >= 15, names.join(' '));
  for (const name of [...names.filter((n) => n !== 'help'), 'firmware embed']) {
    const run = hetsyn([...name.split(' '), '--help']);
    assert.equal(run.status, 0, name);
    assert.ok(run.stdout.includes(EXIT_CODE_HELP), `${name} --help:\n${run.stdout}`);
  }
});

test('--json: the commands a machine reads each have it (encode, synth and plot print what they wrote)', () => {
  const withJson = [
    'sim',
    'train',
    'plot',
    'encode',
    'inspect',
    'quantize',
    'synth',
    'ports',
    'info',
    'flash',
    'stream',
  ];
  for (const name of withJson) assert.match(hetsyn([name, '--help']).stdout, /--json/, name);
  assert.match(hetsyn(['firmware', 'embed', '--help']).stdout, /--json/);
  const embedded = hetsyn(['firmware', 'embed', '-o', 'module.c', '--json']);
  assert.equal(embedded.status, 0, embedded.stderr);
  const f = JSON.parse(embedded.stdout) as { output: string; format: string; missingExports: string[] };
  assert.deepEqual([f.output, f.format, f.missingExports], ['module.c', 'bytecode', []]);

  const spikes = join(dir, 'yes.spk');
  const encoded = hetsyn(['encode', CLIP, '-o', spikes, '--model', GSC, '--json']);
  assert.equal(encoded.status, 0, encoded.stderr);
  const e = JSON.parse(encoded.stdout) as Record<string, unknown>;
  assert.deepEqual(
    [e.input, e.output, e.format, e.bytes, e.channels],
    [CLIP, spikes, 'binary', readFileSync(spikes).length, 64],
  );
  assert.equal(encoded.stderr, '');

  const synth = hetsyn([
    'synth',
    '-o',
    'net.json',
    '--layers',
    'r8,3',
    '--inputs',
    '4',
    '--spikes-out',
    'in.spikes',
    '--steps',
    '7',
    '--json',
  ]);
  assert.equal(synth.status, 0, synth.stderr);
  const s = JSON.parse(synth.stdout) as {
    output: string;
    bytes: number;
    classes: number;
    synapses: number;
    spikesOut: { path: string; steps: number; bytes: number };
  };
  assert.deepEqual([s.output, s.classes, s.synapses], ['net.json', 3, (4 + 8) * 8 + 8 * 3]);
  assert.equal(s.bytes, readFileSync(join(dir, 'net.json')).length);
  assert.deepEqual([s.spikesOut.path, s.spikesOut.steps], ['in.spikes', 7]);
  assert.equal(s.spikesOut.bytes, readFileSync(join(dir, 'in.spikes')).length);

  const plot = hetsyn(['plot', DEMO, DEMO_INPUT, '-o', 'demo.svg', '--json']);
  assert.equal(plot.status, 0, plot.stderr);
  const p = JSON.parse(plot.stdout) as Record<string, unknown>;
  assert.deepEqual(
    [p.output, p.format, p.bytes, p.steps, p.widthPx],
    ['demo.svg', 'svg', readFileSync(join(dir, 'demo.svg')).length, 100, 900],
  );
});

test('one meaning per option name: the old spellings are gone', () => {
  // synth --spikes FILE is --spikes-out, synth --rate is --input-rate (as in inspect).
  assert.equal(hetsyn(['synth', '-o', 'x.json', '--spikes', 'x.spikes']).status, 2);
  assert.equal(hetsyn(['synth', '-o', 'x.json', '--rate', '0.1']).status, 2);
  assert.equal(
    hetsyn(['synth', '-o', 'x.json', '--input-rate', '0.1', '--spikes-out', 'x.spikes']).status,
    0,
  );
  // stream/monitor --spikes LAYER is --spike-layer, monitor --steps-per-second is --rate (as in
  // stream), monitor --input FILE is the INPUT positional, board -q is --no-board-log.
  for (const args of [
    ['stream', DEMO_INPUT, '--port', '/dev/null', '--spikes', '0'],
    ['monitor', DEMO_INPUT, '--port', '/dev/null', '--steps-per-second', '10'],
    ['monitor', '--port', '/dev/null', '--input', DEMO_INPUT],
    ['board', '-q'],
  ]) {
    const run = hetsyn(args);
    assert.equal(run.status, 2, `${args.join(' ')}: ${run.stderr}`);
  }
  // Each option name means one thing wherever it appears.
  const seen = new Map<string, string>();
  for (const name of commandNames().filter((n) => n !== 'help' && n !== 'firmware')) {
    const help = hetsyn([name, '--help']).stdout;
    for (const m of help.matchAll(/^ {2}(?:(-\w), )?(--[\w-]+)( <[^>]+>)?/gm)) {
      const shape = `${m[1] ?? ''} ${m[3] ? 'takes a value' : 'flag'}`;
      const flag = m[2] ?? '';
      if (flag === '--help' || flag === '--version') continue;
      const before = seen.get(flag);
      if (before) assert.equal(shape, before.split(': ')[1], `${flag} in ${name} vs ${before}`);
      else seen.set(flag, `${name}: ${shape}`);
    }
  }
});

test('HETSYN_PORT stands in for --port on every board command, and the help says so', () => {
  for (const name of ['info', 'flash', 'stream', 'monitor']) {
    assert.match(hetsyn([name, '--help']).stdout.replace(/\s+/g, ' '), /HETSYN_PORT/, name);
  }
  const missing = hetsyn(['info']);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /--port/);
  const empty = hetsyn(['info'], { HETSYN_PORT: '' });
  assert.equal(empty.status, 2);
  assert.match(empty.stderr, /\$HETSYN_PORT empty\?/);
  const absent = join(dir, 'no-board');
  const viaEnv = hetsyn(['info'], { HETSYN_PORT: absent });
  assert.equal(viaEnv.status, 5, viaEnv.stderr);
  assert.match(viaEnv.stderr, /no-board/);
  const wins = hetsyn(['info', '--port', join(dir, 'other-board')], { HETSYN_PORT: absent });
  assert.match(wins.stderr, /other-board/);
  assert.doesNotMatch(wins.stderr, /no-board/);
});

test('completion: bash and zsh scripts made from the program name every command and its options', () => {
  const bash = hetsyn(['completion', 'bash']);
  assert.equal(bash.status, 0, bash.stderr);
  const commands = /'' \) echo '([^']*)'|''\) echo '([^']*)'/.exec(bash.stdout);
  const listed = (commands?.[1] ?? commands?.[2] ?? '').split(' ');
  for (const name of commandNames()) assert.ok(listed.includes(name), `bash completion lacks ${name}`);
  const sim = /'sim'\) echo '([^']*)'/.exec(bash.stdout)?.[1]?.split(' ') ?? [];
  const simHelp = hetsyn(['sim', '--help']).stdout;
  const simOptions = [...simHelp.matchAll(/^ {2}(?:(-\w), )?(--[\w-]+)/gm)].flatMap((m) =>
    [m[1], m[2]].filter((x): x is string => x !== undefined),
  );
  assert.ok(simOptions.length >= 6);
  assert.deepEqual([...sim].sort(), [...simOptions].sort());
  assert.match(bash.stdout, /'sim --split'\) echo 'choices [a-z ]+'/);
  assert.match(bash.stdout, /'firmware'\) echo 'embed'/);
  assert.match(bash.stdout, /^complete .* -F _hetsyn hetsyn$/m);

  const zsh = hetsyn(['completion', 'zsh']);
  assert.equal(zsh.status, 0, zsh.stderr);
  assert.match(zsh.stdout, /^#compdef hetsyn$/m);
  for (const name of commandNames()) assert.match(zsh.stdout, new RegExp(`'${name}:`), name);
  assert.match(zsh.stdout, /'--spike-layer\[/);
  assert.equal(hetsyn(['completion', 'fish']).status, 2);

  const shells = [
    ['bash', bash.stdout],
    ['zsh', zsh.stdout],
  ] as const;
  for (const [shell, script] of shells) {
    const found = spawnSync('sh', ['-c', `command -v ${shell}`], { encoding: 'utf8' });
    if (found.status !== 0 || !existsSync(found.stdout.trim())) continue;
    const file = join(dir, `completion.${shell}`);
    writeFileSync(file, script);
    const check = spawnSync(shell, ['-n', file], { encoding: 'utf8' });
    assert.equal(check.status, 0, `${shell} -n: ${check.stderr}`);
    if (shell === 'bash') {
      // And it completes: options of sim, values of --split, the subcommands of firmware.
      const complete = (words: string[]): string =>
        spawnSync(
          'bash',
          [
            '-c',
            `source ${file}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _hetsyn; echo "\${COMPREPLY[*]}"`,
          ],
          { encoding: 'utf8' },
        ).stdout.trim();
      assert.equal(complete(['hetsyn', 'sim', '--sp']), '--split --spikes');
      assert.equal(complete(['hetsyn', 'sim', 'm.hsm', '--split', 'tr']), 'train');
      assert.equal(complete(['hetsyn', 'firmware', '']), 'embed');
      assert.equal(complete(['hetsyn', 'completion', '']), 'bash zsh');
      assert.equal(complete(['hetsyn', 'stream', 'x', '--spike-']), '--spike-layer');
    }
  }
});
