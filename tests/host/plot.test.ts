/**
 * `hetsyn plot` as a user runs it (the built CLI in a child process): a model with an audio
 * front-end on a WAV clip, and a 200-neuron model on a spike file. The spike marks in each raster
 * path must equal what `hetsyn sim --json --spikes` and `hetsyn encode` report, labels must come out
 * escaped, and the SVG must stay small.
 */

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { encodeWav } from '../../host/audio/wav.js';
import { writeHsm } from '../../host/model/hsm-writer.js';
import { formatSpikeText, parseSpikeFile } from '../../host/spikes/spike-file.js';
import { GSC12_LABELS } from '../../host/data/dataset.js';
import { audioModel, randomInputs, randomModel, REPO_ROOT, Rng } from './fixtures.js';

const CLI = join(REPO_ROOT, 'dist/host/cli.js');
const dir = mkdtempSync(join(tmpdir(), 'hetsyn-plot-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function hetsyn(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: dir });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

const LABELS = ['yes', 'no <up>', 'a & b'];
const ESCAPED = ['yes', 'no &lt;up&gt;', 'a &amp; b'];

const MODEL = join(dir, 'audio.hsm');
writeFileSync(
  MODEL,
  writeHsm({
    ...audioModel(LABELS, { name: 'audio <kws>' }),
    timestepUs: 10_000,
    decision: { mode: 'sum', skipSteps: 10 },
  }),
);

// A tone whose loudness swells and fades, so bands rise (UP) and fall (DOWN) during the clip.
const CLIP = join(dir, 'tone.wav');
const tone = Int16Array.from({ length: 8000 }, (_, i) =>
  Math.round(12000 * Math.sin(i * 0.3) * (0.55 + 0.45 * Math.sin((2 * Math.PI * i) / 2500))),
);
writeFileSync(CLIP, encodeWav(tone, 8000));

interface SimJson {
  steps: { spikes: number[][] }[];
  label: string | null;
}

/** The `d` of the path with this id. */
function pathData(svg: string, id: string): string {
  const match = new RegExp(`<path id="${id}" [^>]*\\bd="([^"]*)"`).exec(svg);
  assert.ok(match, `no path with id ${id}`);
  return match[1] ?? '';
}

/** Spike marks in a raster path: one `M x y h w` segment each. */
function marks(svg: string, id: string): number {
  const d = pathData(svg, id);
  const segments = d.match(/M[-\d.]+ [-\d.]+h[\d.]+/g) ?? [];
  assert.equal(segments.join(''), d, 'the path holds only spike segments');
  return segments.length;
}

/** Tags balance and every `&` starts an entity: what the escaping has to guarantee. */
function assertWellFormed(svg: string): void {
  assert.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'), svg.slice(0, 80));
  assert.ok(svg.trimEnd().endsWith('</svg>'));
  const open: string[] = [];
  for (const [tag, close, name, selfClosing] of svg.matchAll(/<(\/?)([a-zA-Z]+)\b[^<>]*?(\/?)>/g)) {
    if (close) assert.equal(open.pop(), name, `unbalanced ${tag}`);
    else if (!selfClosing) open.push(name ?? '');
  }
  assert.deepEqual(open, []);
  const text = svg.replace(/<[^<>]*>/g, '');
  assert.doesNotMatch(text, /[<>]/, 'a bare < or > in text');
  assert.doesNotMatch(svg, /&(?!(amp|lt|gt|quot|#\d+);)/, 'a bare &');
}

function spikeTotals(steps: readonly (readonly number[])[], keep: (c: number) => boolean): number {
  return steps.reduce((n, s) => n + s.filter(keep).length, 0);
}

describe('hetsyn plot', () => {
  it('plots a WAV through the front-end: UP/DOWN input, layer spikes as sim reports, escaped labels', () => {
    const out = join(dir, 'tone.svg');
    const run = hetsyn('plot', MODEL, CLIP, '-o', out);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stderr, /wrote .*tone\.svg \([\d,]+ B, 98 steps, decision: /);
    const svg = readFileSync(out, 'utf8');
    assertWellFormed(svg);

    const sim = hetsyn('sim', MODEL, CLIP, '--json', '--spikes');
    assert.equal(sim.status, 0, sim.stderr);
    const simOut = JSON.parse(sim.stdout) as SimJson;
    const layerSpikes = simOut.steps.reduce((n, s) => n + (s.spikes[0]?.length ?? 0), 0);
    assert.ok(layerSpikes > 0, 'the layer spikes, so the count below means something');
    assert.equal(marks(svg, 'layer-0'), layerSpikes);

    const spikes = join(dir, 'tone.spikes');
    assert.equal(hetsyn('encode', CLIP, '--model', MODEL, '-o', spikes).status, 0);
    const input = parseSpikeFile(readFileSync(spikes), spikes).steps;
    assert.ok(spikeTotals(input, (c) => c % 2 === 1) > 0, 'the tone fades, so there are DOWN spikes');
    assert.equal(
      marks(svg, 'input-up'),
      spikeTotals(input, (c) => c % 2 === 0),
    );
    assert.equal(
      marks(svg, 'input-down'),
      spikeTotals(input, (c) => c % 2 === 1),
    );

    const label = simOut.label;
    assert.ok(label !== null, 'a decision after step 10');
    const escaped = ESCAPED[LABELS.indexOf(label)] ?? '';
    assert.ok(svg.includes(`decision: ${escaped}</text>`), 'the title names the decision');
    assert.ok(svg.includes(`>${escaped} ◀ decided</text>`), 'the legend highlights it');
    for (const text of ESCAPED) assert.ok(svg.includes(`>${text}`), `legend entry ${text}`);
    assert.ok(svg.includes('audio &lt;kws&gt; · tone.wav'));
    assert.match(svg, /decision window: steps 10\.\.97/);
    assert.match(svg, /8 bands × UP\/DOWN · \d+ spikes/);
    assert.match(svg, /98 steps of 10 ms \(0\.98 s\)/);
  });

  it('plots a 100-step spike file on a busy 200-neuron layer in well under 200 KB', () => {
    const rng = new Rng(5);
    const big = randomModel(rng, 64, [
      { kind: 'recurrent', neuronCount: 200, bucketBits: 4, levelCount: 16 },
      { kind: 'readout', neuronCount: 12, bucketBits: 4, levelCount: 4 },
    ]);
    const bigPath = join(dir, 'big.hsm');
    writeFileSync(bigPath, writeHsm(big));
    const steps = randomInputs(rng, 64, 100, 0.1);
    const inputPath = join(dir, 'big.spikes');
    writeFileSync(inputPath, formatSpikeText({ steps }, 64));
    const out = join(dir, 'big.svg');

    const run = hetsyn('plot', bigPath, inputPath, '-o', out, '--width', '1200');
    assert.equal(run.status, 0, run.stderr);
    const svg = readFileSync(out, 'utf8');
    assertWellFormed(svg);
    assert.match(svg, /^<svg [^>]*width="1200"/);
    assert.equal(
      marks(svg, 'input'),
      spikeTotals(steps, () => true),
    );
    const sim = JSON.parse(hetsyn('sim', bigPath, inputPath, '--json', '--spikes').stdout) as SimJson;
    const layerSpikes = sim.steps.reduce((n, s) => n + (s.spikes[0]?.length ?? 0), 0);
    assert.ok(layerSpikes > 500, `a busy layer (${layerSpikes} spikes)`);
    assert.equal(marks(svg, 'layer-0'), layerSpikes);
    // This random layer fires at about 45% (9,000 spikes); a trained one at a few percent is far smaller.
    assert.ok(svg.length < 150_000, `${svg.length} bytes`);
  });

  it('writes PNG when the output ends in .png', () => {
    const out = join(dir, 'tone.png');
    const run = hetsyn('plot', MODEL, CLIP, '-o', out, '--width', '640');
    assert.equal(run.status, 0, run.stderr);
    const png = readFileSync(out);
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.equal(png.toString('latin1', 12, 16), 'IHDR');
    assert.equal(png.readUInt32BE(16), 640, 'width');
  });

  it('refuses a bad output with a clear message and the documented exit code', () => {
    const gif = hetsyn('plot', MODEL, CLIP, '-o', join(dir, 'x.gif'));
    assert.equal(gif.status, 2);
    assert.match(gif.stderr, /cannot tell the picture format of .*x\.gif: name the output \.svg or \.png/);
    assert.equal(hetsyn('plot', MODEL, CLIP).status, 2, '-o is required');
    assert.equal(hetsyn('plot', MODEL, CLIP, '-o', 'x.svg', '--width', '10').status, 2);

    const missingDir = hetsyn('plot', MODEL, CLIP, '-o', join(dir, 'absent', 'x.svg'));
    assert.equal(missingDir.status, 8, 'an output error');
    assert.match(missingDir.stderr, /cannot write .*absent\/x\.svg: no such directory/);
    mkdirSync(join(dir, 'folder.svg'));
    const isDir = hetsyn('plot', MODEL, CLIP, '-o', join(dir, 'folder.svg'));
    assert.equal(isDir.status, 8);
    assert.match(isDir.stderr, /cannot write .*folder\.svg: it is a directory/);

    const low = hetsyn('plot', MODEL, CLIP, '-o', 'x.svg', '--height', '200');
    assert.equal(low.status, 2);
    assert.match(low.stderr, /--height 200 leaves no room .* needs at least \d+ px/);

    const help = hetsyn('plot', '--help');
    assert.equal(help.status, 0);
    assert.match(help.stdout, /\.svg or\s+\.png/);
  });

  it('for print: 12 distinct class colours, --width and --height scale the figure, ticks and a legend in words', () => {
    const twelve = join(dir, 'twelve.hsm');
    const labels = GSC12_LABELS;
    const synth = hetsyn(
      'synth',
      '-o',
      'twelve.json',
      '--inputs',
      '16',
      '--layers',
      'r24,12',
      '--labels',
      labels.join(','),
    );
    assert.equal(synth.status, 0, synth.stderr);
    assert.equal(hetsyn('quantize', 'twelve.json', '-o', twelve).status, 0);
    const input = join(dir, 'twelve.spikes');
    writeFileSync(input, formatSpikeText({ steps: randomInputs(new Rng(3), 16, 60, 0.2) }, 16));
    const out = join(dir, 'twelve.svg');
    const run = hetsyn('plot', twelve, input, '-o', out, '--width', '1200', '--height', '700', '--json');
    assert.equal(run.status, 0, run.stderr);
    const json = JSON.parse(run.stdout) as { widthPx: number; heightPx: number };
    assert.deepEqual([json.widthPx, json.heightPx], [1200, 700]);
    const svg = readFileSync(out, 'utf8');
    assert.match(svg, /^<svg [^>]*width="1200" height="700" viewBox="0 0 1200 700"/);
    // One polyline per class, each in its own colour.
    const strokes = labels.map(
      (_, c) => new RegExp(`<polyline id="class-${c}" [^>]*stroke="(#[0-9a-f]{6})"`).exec(svg)?.[1],
    );
    assert.equal(new Set(strokes).size, 12, strokes.join(' '));
    // The legend names every class in words.
    for (const label of labels) assert.ok(svg.includes(`>${label}`), label);
    // At least three score ticks, in compact numbers.
    const scoreTicks =
      svg.slice(svg.indexOf('readout scores')).match(/font-size="10">-?[\d.]+[KMB]?<\/text>/g) ?? [];
    assert.ok(scoreTicks.length >= 3, scoreTicks.join(' '));
    // A taller picture gets taller panels, not a taller margin.
    const tall = hetsyn('plot', twelve, input, '-o', 'tall.svg', '--height', '1400', '--json');
    const short = hetsyn('plot', twelve, input, '-o', 'short.svg', '--height', '700', '--json');
    const rect = (file: string): number =>
      Number(
        /<rect x="[\d.]+" y="[\d.]+" width="[\d.]+" height="([\d.]+)" fill="none"/.exec(
          readFileSync(join(dir, file), 'utf8'),
        )?.[1],
      );
    assert.equal(tall.status, 0);
    assert.equal(short.status, 0);
    assert.ok(rect('tall.svg') > 1.5 * rect('short.svg'), `${rect('tall.svg')} vs ${rect('short.svg')}`);
  });
});
