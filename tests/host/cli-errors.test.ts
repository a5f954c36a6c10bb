/**
 * Errors a user can act on, found by fuzzing the CLI: failed writes (exit 8, naming the file or
 * stdout), file content escaped in messages, the spike-file grammar's messages (line and column),
 * inspect's long label lists, and train --limit's accuracies on one set of clips.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ExitCode } from '../../host/cli/exit-codes.js';
import { encodeWav } from '../../host/audio/wav.js';
import { printable, quoted } from '../../host/util/printable.js';
import { parseSpikeText } from '../../host/spikes/spike-file.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = join(ROOT, 'dist/host/cli.js');
const DEMO = join(ROOT, 'models/demo-kws-shape.hsm');
const DEMO_INPUT = join(ROOT, 'models/samples/demo-kws-shape.spikes');
const CLIP = join(ROOT, 'models/samples/gsc12/yes/2c6d3924_nohash_0.wav');
const FSDD = join(ROOT, 'models/samples/fsdd');
const dir = mkdtempSync(join(tmpdir(), 'hetsyn-errors-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function hetsyn(args: string[], stdout?: number): Run {
  const run = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    cwd: dir,
    ...(stdout === undefined ? {} : { stdio: ['ignore', stdout, 'pipe'] }),
  });
  return { status: run.status, stdout: run.stdout ?? '', stderr: run.stderr };
}

/** The error: one line at the end of stderr (progress lines may come before it), no stack trace. */
function oneLine(run: Run): string {
  const lines = run.stderr.trim().split('\n');
  assert.doesNotMatch(run.stderr, /internal error|\n\s+at /);
  const last = lines[lines.length - 1] ?? '';
  assert.match(last, /^hetsyn: /, run.stderr);
  return last;
}

const haveDevFull = existsSync('/dev/full');

test(
  'a full disk: every command that writes a file fails with exit 8 and names the file',
  { skip: !haveDevFull },
  () => {
    const svg = join(dir, 'full.svg');
    symlinkSync('/dev/full', svg);
    assert.equal(hetsyn(['synth', '-o', 'net.json', '--inputs', '4', '--layers', 'r8,2']).status, 0);
    const cases: string[][] = [
      ['encode', CLIP, '-o', '/dev/full'],
      ['synth', '-o', '/dev/full'],
      ['synth', '-o', 'ok.json', '--spikes-out', '/dev/full'],
      ['quantize', join(dir, 'net.json'), '-o', '/dev/full'],
      ['plot', DEMO, DEMO_INPUT, '-o', svg],
      ['firmware', 'embed', '-o', '/dev/full'],
      [
        'train',
        '--data',
        FSDD,
        '-o',
        '/dev/full',
        '--limit',
        '2',
        '--epochs',
        '1',
        '--finish-epochs',
        '0',
        '--hidden',
        '4',
        '--workers',
        '1',
        '--json',
      ],
    ];
    for (const args of cases) {
      const run = hetsyn(args);
      assert.equal(run.status, ExitCode.output, `${args.join(' ')}: ${run.stderr}`);
      assert.match(
        oneLine(run),
        /^hetsyn: cannot write .*(\/dev\/full|full\.svg): no space left on the device$/,
        args[0],
      );
    }
  },
);

test(
  'a full stdout: sim, inspect, ports, completion fail with exit 8 naming stdout',
  { skip: !haveDevFull },
  () => {
    const full = openSync('/dev/full', 'w');
    for (const args of [
      ['sim', DEMO, DEMO_INPUT, '--json'],
      ['sim', DEMO, DEMO_INPUT],
      ['inspect', DEMO],
      ['encode', CLIP, '-o', 'x.spikes', '--json'],
      ['completion', 'bash'],
      ['ports', '--json'],
    ]) {
      const run = hetsyn(args, full);
      assert.equal(run.status, ExitCode.output, `${args.join(' ')}: ${run.stderr}`);
      assert.equal(oneLine(run), 'hetsyn: cannot write stdout: no space left on the device');
    }
  },
);

test('an output in a missing folder, or a folder itself, is an output error naming the file', () => {
  const missing = hetsyn(['encode', CLIP, '-o', join(dir, 'no-such-dir', 'x.spikes')]);
  assert.equal(missing.status, ExitCode.output);
  assert.match(oneLine(missing), /cannot write .*no-such-dir\/x\.spikes: no such directory$/);
  const folder = hetsyn(['synth', '-o', dir]);
  assert.equal(folder.status, ExitCode.output);
  assert.match(oneLine(folder), /: it is a directory$/);
  const log = hetsyn(['monitor', DEMO_INPUT, '--port', '/dev/null', '--log', join(dir, 'nope', 'x.jsonl')]);
  assert.equal(log.status, ExitCode.output, log.stderr);
  assert.match(oneLine(log), /cannot write .*nope\/x\.jsonl: no such directory$/);
});

test('printable and quoted escape control characters JSON-style', () => {
  assert.equal(printable('a\x1b[31mb\n\t\x7f\u009b\u202e\\'), 'a\\x1b[31mb\\n\\t\\x7f\\x9b\\u202e\\\\');
  assert.equal(quoted('say "hi"\x07'), '"say \\"hi\\"\\x07"');
  assert.equal(printable('yes _silence_ è'), 'yes _silence_ è');
});

test('WAV chunk ids, spike tokens, float JSON and labels reach the terminal escaped', () => {
  // A RIFF/WAVE file whose second chunk id is ESC [ 2 J (clear screen) and runs past the end.
  const wav = Buffer.from(encodeWav(new Int16Array(100), 16000));
  const crafted = Buffer.concat([wav.subarray(0, 12), Buffer.from('\x1b[2J'), Buffer.from([255, 255, 0, 0])]);
  crafted.writeUInt32LE(crafted.length - 8, 4);
  writeFileSync(join(dir, 'evil.wav'), crafted);
  const run = hetsyn(['encode', join(dir, 'evil.wav'), '-o', 'x.spikes']);
  assert.equal(run.status, ExitCode.input);
  assert.ok(!run.stderr.includes('\x1b'), JSON.stringify(run.stderr));
  assert.match(oneLine(run), /chunk "\\x1b\[2J" at byte 12 runs past the end/);

  writeFileSync(join(dir, 'evil.spikes'), '0 \x1b]0;pwned\x07\n');
  const spikes = hetsyn(['sim', DEMO, join(dir, 'evil.spikes')]);
  assert.equal(spikes.status, ExitCode.input);
  assert.ok(!spikes.stderr.includes('\x1b'));
  assert.match(oneLine(spikes), /evil\.spikes:1:3: "\\x1b\]0;pwned\\x07" is not a channel number/);

  writeFileSync(join(dir, 'evil.json'), '{"format": "\x1b[2J"}');
  const float = hetsyn(['quantize', join(dir, 'evil.json'), '-o', 'x.hsm']);
  assert.equal(float.status, ExitCode.input);
  assert.ok(!float.stderr.includes('\x1b'), JSON.stringify(float.stderr));

  const labelled = hetsyn([
    'synth',
    '-o',
    'labels.json',
    '--inputs',
    '4',
    '--layers',
    'r8,2',
    '--labels',
    'a\x1b[31mred,b',
  ]);
  assert.equal(labelled.status, 0, labelled.stderr);
  assert.equal(hetsyn(['quantize', 'labels.json', '-o', 'labels.hsm']).status, 0);
  const inspect = hetsyn(['inspect', 'labels.hsm']);
  assert.ok(!inspect.stdout.includes('\x1b'));
  assert.match(inspect.stdout, /^classes {3}2: a\\x1b\[31mred, b$/m);
});

test('spike-file grammar: one separator rule, a strict "# channels:", line:column in every message', () => {
  const fails = (text: string): string => {
    try {
      parseSpikeText(text, 'f');
    } catch (error) {
      return (error as Error).message;
    }
    return 'accepted';
  };
  assert.deepEqual(parseSpikeText('0,1\n2 , 3\t4\n\n-\n').steps, [[0, 1], [2, 3, 4], [], []]);
  assert.equal(fails('0,1,\n'), 'f:1:4: the line ends with a comma');
  assert.equal(fails('0,,1\n'), 'f:1:3: field 2 is empty (two commas in a row)');
  assert.equal(fails(', 1\n'), 'f:1:1: the line starts with a comma');
  assert.equal(fails('0\n1 x\n'), 'f:2:3: "x" is not a channel number (decimal digits)');
  assert.equal(fails('1 -2\n'), 'f:1:3: "-2" is not a channel number (decimal digits)');
  assert.equal(fails('Infinity\n'), 'f:1:1: "Infinity" is not a channel number (decimal digits)');
  assert.equal(fails(`0 ${'9'.repeat(400)}\n`), `f:1:3: channel "${'9'.repeat(24)}..." is above 65535`);
  assert.equal(fails('65536\n'), 'f:1:1: channel "65536" is above 65535');
  assert.equal(
    fails('# channels: -4\n0\n'),
    'f:1: "# channels:" takes a whole number from 0 to 65535, not "-4"',
  );
  assert.equal(
    fails('# Channels : 1e3\n'),
    'f:1: "# channels:" takes a whole number from 0 to 65535, not "1e3"',
  );
  assert.equal(fails('# channels: 4\n0 4\n'), 'f:2:3: channel 4 is not below the declared 4');
  assert.equal(
    fails('0\n# channels: 4\n'),
    'f:2: "# channels:" must come before the first timestep (1 came before it)',
  );
  assert.equal(
    fails('# channels: 4\n# channels: 8\n'),
    'f:2: a second "# channels:" line (the first said 4)',
  );
  assert.equal(
    parseSpikeText('# a comment: channels 3\n5\n').steps.length,
    1,
    'other comments stay comments',
  );
  // The doc says what the reader does.
  const doc = readFileSync(join(ROOT, 'docs/spike-format.md'), 'utf8');
  assert.match(doc, /two in\s+a row \(`0,,1`\)/);
  assert.match(doc, /FILE:LINE:COLUMN/);
});

test('inspect shows the first 20 labels and counts the rest; --json has them all', () => {
  // One time constant per layer keeps the 300 classes' state (20 B each) within the state arena.
  const synth = ['synth', '-o', 'many.json', '--inputs', '4', '--layers', 'r8,300', '--rho', 'layer'];
  assert.equal(hetsyn(synth).status, 0);
  assert.equal(hetsyn(['quantize', 'many.json', '-o', 'many.hsm']).status, 0);
  const text = hetsyn(['inspect', 'many.hsm']).stdout;
  assert.match(text, /^classes {3}300: class0, class1,/m);
  assert.match(text, /^ {10}\.\.\. 280 more \(hetsyn inspect --json lists them all\)$/m);
  assert.ok(!text.includes('class20,'));
  for (const line of text.split('\n').filter((l) => /^(classes| {10}(class|\.\.\.))/.test(l))) {
    assert.ok(line.length <= 110, line);
  }
  const json = JSON.parse(hetsyn(['inspect', 'many.hsm', '--json']).stdout) as {
    model: { labels: string[] };
  };
  assert.equal(json.model.labels.length, 300);
});

test('train --limit: float and fixed-point accuracy on the same test clips', () => {
  // One tiny run of the trainer on 6 FSDD clips; `--json` for the machine, without it for people.
  const train = (output: string, ...more: string[]) =>
    hetsyn([
      'train',
      '--data',
      FSDD,
      '-o',
      output,
      '--limit',
      '6',
      '--epochs',
      '1',
      '--finish-epochs',
      '0',
      '--hidden',
      '8',
      '--workers',
      '1',
      ...more,
    ]);
  const run = train('limited.hsm', '--json');
  assert.equal(run.status, 0, run.stderr);
  const report = JSON.parse(run.stdout) as { testClips: number; accuracyClips: number };
  assert.deepEqual([report.testClips, report.accuracyClips], [6, 6]);
  const text = train('limited2.hsm');
  assert.match(text.stdout, /^test accuracy on 6 test clips \(--limit\): float .*\(\d\/6\)$/m);
});
