/**
 * bench/native/engine.c is a second implementation of docs/fixed-point.md, written from the spec
 * alone. Its step-by-step dump must equal the .wasm engine's, line for line, on every layout the
 * format allows and on a network driven into saturation (both engines skip saturation checks while
 * a bound proves them unneeded, so the saturating path has to be shown to agree too), and on the
 * shipped format-version-2 models (FRONTEND section) with spikes of their own front-end. It also
 * keeps the benchmark honest: the baseline computes exactly what the .wasm computes. The C is
 * compiled with gcc (Debian package gcc): without it these tests are skipped, naming it (under CI
 * they fail).
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEngine } from '../../host/wasm/module.js';
import { writeHsm } from '../../host/model/hsm-writer.js';
import type { HsmModel } from '../../host/model/hsm.js';
import {
  randomNetwork,
  randomSpikeTrain,
  type RandomNetworkOptions,
} from '../../host/float/random-network.js';
import { quantize, type SparseMode } from '../../host/quantize/quantize.js';
import { encodeSpikeBinary } from '../../host/spikes/spike-file.js';
import { simulate } from '../../host/sim/simulate.js';
import { encodeWavAudio } from '../../host/audio/encode.js';
import { readWav } from '../../host/audio/read-wav.js';
import { buildNative, dumpNative, formatDumpLine, NATIVE_O2, NATIVE_O3_NATIVE } from '../../bench/native.js';
import { FILE_FIELD, poke, REPO_ROOT, resealCrc, sectionAt, statusName } from './fixtures.js';
import { GCC, withTools } from './tools.js';

const dir = mkdtempSync(join(tmpdir(), 'hetsyn-native-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

function assertSameDump(name: string, model: HsmModel, steps: number[][]): void {
  assertSameDumpOfFile(name, writeHsm(model), steps);
}

function assertSameDumpOfFile(name: string, bytes: Uint8Array, steps: number[][]): void {
  const modelPath = join(dir, `${name}.hsm`);
  const spikesPath = join(dir, `${name}.spk`);
  writeFileSync(modelPath, bytes);
  const engine = openEngine();
  const info = engine.loadOrThrow(bytes);
  writeFileSync(spikesPath, encodeSpikeBinary({ steps }, info.inputCount));
  const wasm = simulate(engine, { steps }, { spikes: true }).map(formatDumpLine);
  // Both builds the bench times: -O3 -march=native must not change a number either.
  for (const build of [NATIVE_O2, NATIVE_O3_NATIVE]) {
    const native = dumpNative(modelPath, spikesPath, build);
    assert.equal(native.length, wasm.length);
    for (let t = 0; t < wasm.length; t++) {
      assert.equal(native[t], wasm[t], `${name} (${build.label}): step ${t} differs`);
    }
  }
}

const LAYOUTS: [string, RandomNetworkOptions, SparseMode, number][] = [
  [
    'kws-4bit',
    {
      seed: 21,
      inputCount: 64,
      layers: [
        { kind: 'recurrent', size: 37 },
        { kind: 'readout', size: 5 },
      ],
    },
    'never',
    16,
  ],
  [
    'deep-8bit',
    {
      seed: 22,
      inputCount: 33,
      levels: 24,
      layers: [
        { kind: 'feedforward', size: 19 },
        { kind: 'recurrent', size: 21 },
        { kind: 'readout', size: 4 },
      ],
    },
    'never',
    24,
  ],
  [
    'neuron-levels',
    {
      seed: 23,
      inputCount: 20,
      rhoMode: 'neuron',
      levels: 6,
      layers: [
        { kind: 'recurrent', size: 15 },
        { kind: 'readout', size: 3 },
      ],
    },
    'never',
    16,
  ],
  [
    'sparse-all-packings',
    {
      seed: 24,
      inputCount: 40,
      density: 0.25,
      levels: 20,
      heterogeneous: true,
      layers: [
        { kind: 'recurrent', size: 23 },
        { kind: 'feedforward', size: 17 },
        { kind: 'readout', size: 6 },
      ],
    },
    'always',
    20,
  ],
];

for (const [name, options, sparse, levels] of LAYOUTS) {
  test(
    `native C baseline equals the .wasm bit for bit: ${name}`,
    withTools([GCC], () => {
      const { hsm } = quantize(randomNetwork(options), { levels, sparse });
      const steps = randomSpikeTrain(options.seed, options.inputCount, 200, 0.08);
      assertSameDump(name, hsm, steps);
    }),
  );
}

// Every layout through the saturating path: no decay and the largest weight scale drive the sums
// to both limits within a few hundred steps (the .wasm's saturating path is one loop for all of them).
for (const [name, options, sparse, levels] of LAYOUTS) {
  test(
    `native C baseline equals the .wasm bit for bit on saturating sums: ${name}`,
    withTools([GCC], () => {
      const { hsm } = quantize(randomNetwork(options), { levels, sparse });
      const saturating: HsmModel = {
        ...hsm,
        layers: hsm.layers.map((layer) => ({
          ...layer,
          weightShift: 16,
          levelDecayQ16: layer.levelDecayQ16.map(() => 65536),
        })),
      };
      const steps = randomSpikeTrain(options.seed + 1, options.inputCount, 400, 0.3);
      assertSameDump(`${name}-saturating`, saturating, steps);
      const engine = openEngine();
      const info = engine.loadOrThrow(writeHsm(saturating));
      let extremes = 0;
      for (const channels of steps) {
        engine.step(channels);
        info.layers.forEach((layer, l) => {
          for (let j = 0; j < layer.neuronCount; j++) {
            const v = engine.membrane(l, j);
            if (v === 2_147_483_647 || v === -2_147_483_648) extremes++;
          }
        });
      }
      assert.ok(extremes > 0, `${name}: no membrane or score reached an i32 limit`);
    }),
  );
}

test(
  'native C baseline equals the .wasm when sums saturate at both limits',
  withTools([GCC], () => {
    // Input 0 adds +127 and -128 (times 2^16, about 8.3M) to no-decay slots of neurons 0 and 1, twice
    // per step: within 150 steps neuron 1's membrane sticks at i32 min, and neuron 0's reaches
    // exactly i32 max, the threshold, which only saturation (never wrapping) can produce.
    const model: HsmModel = {
      name: 'saturate',
      timestepUs: 1000,
      inputCount: 2,
      decision: { mode: 'sum', skipSteps: 0 },
      labels: ['up', 'down'],
      layers: [
        {
          kind: 'feedforward',
          inputCount: 2,
          neuronCount: 2,
          bucketBits: 4,
          levelDecayQ16: [65536, 65000],
          resetDecayQ16: 65536,
          weightShift: 16,
          stateFracBits: 16,
          threshold: Int32Array.of(2_147_483_647, 2_147_483_647),
          drive: Int32Array.of(0, -5),
          weight: Int8Array.of(127, -128, -128, 127),
          synapseLevel: Uint8Array.of(0, 0, 1, 1),
        },
        {
          kind: 'readout',
          inputCount: 2,
          neuronCount: 2,
          bucketBits: 0,
          levelDecayQ16: [65536],
          resetDecayQ16: 0,
          weightShift: 16,
          stateFracBits: 16,
          drive: Int32Array.of(0, 0),
          neuronLevel: Uint8Array.of(0, 0),
          weight: Int8Array.of(127, -128, -128, 127),
        },
      ],
    };
    const steps = [
      ...Array.from({ length: 150 }, () => [0, 0]),
      ...Array.from({ length: 150 }, () => [1, 1]),
      ...Array.from({ length: 50 }, () => [] as number[]),
    ];
    assertSameDump('saturate', model, steps);
    const engine = openEngine();
    engine.loadOrThrow(writeHsm(model));
    const neuron0: number[] = [];
    let spikes0 = 0;
    for (const channels of steps.slice(0, 150)) {
      engine.step(channels);
      neuron0.push(engine.membrane(0, 0));
      spikes0 += engine.spikes(0)[0] ?? 0;
    }
    assert.equal(engine.membrane(0, 1), -2147483648, 'neuron 1 sticks at i32 min');
    assert.ok(neuron0.includes(2147483647), 'neuron 0 reached i32 max');
    assert.equal(spikes0, 1, 'neuron 0 fired once, at saturation, and its reset current holds it below');
  }),
);

// The shipped models are format version 3: a FRONTEND and a DETECT section sit between LABELS and
// the first LAYER. The C engine takes spike files, so the clip is encoded by the .wasm front-end the model
// describes (as `hetsyn encode CLIP.wav --model MODEL.hsm` does) and both engines run the spikes.
const SHIPPED_CLIPS = [
  { model: 'gsc12-kws', clips: ['gsc12/yes/2c6d3924_nohash_0.wav', 'gsc12/_silence_/1037.wav'] },
  { model: 'fsdd-digits', clips: ['fsdd/recordings/0_george_0.wav'] },
] as const;

for (const { model, clips } of SHIPPED_CLIPS) {
  test(
    `native C baseline equals the .wasm bit for bit on the shipped ${model} (format 3)`,
    withTools([GCC], () => {
      const bytes = readFileSync(join(REPO_ROOT, 'models', `${model}.hsm`));
      assert.equal(bytes[FILE_FIELD.formatVersion], 3, `${model}.hsm is format version 3`);
      const engine = openEngine();
      const info = engine.loadOrThrow(bytes);
      const frontend = info.frontend;
      assert.ok(frontend, `${model}.hsm carries a FRONTEND section`);
      for (const [c, clip] of clips.entries()) {
        const wav = join(REPO_ROOT, 'models/samples', clip);
        const { steps } = encodeWavAudio(readWav(wav), frontend, wav, engine);
        assert.ok(steps.length > 20, `${wav}: ${steps.length} steps`);
        assert.ok(
          steps.some((s) => s.length > 0),
          `${wav} has input spikes`,
        );
        assertSameDumpOfFile(`${model}-${c}`, bytes, steps);
      }
    }),
  );
}

/** Runs the C engine on a model file; its exit status and stderr. */
function runNative(name: string, bytes: Uint8Array): { status: number | null; stderr: string } {
  const modelPath = join(dir, `${name}.hsm`);
  const spikesPath = join(dir, `${name}.spk`);
  writeFileSync(modelPath, bytes);
  writeFileSync(spikesPath, encodeSpikeBinary({ steps: [[]] }, 64));
  const run = spawnSync(buildNative(), [modelPath, spikesPath, '--dump'], { encoding: 'utf8' });
  return { status: run.status, stderr: run.stderr };
}

test(
  'native C baseline rejects a format version it does not read (4), saying so',
  withTools([GCC], () => {
    // A copy as a plain Uint8Array: Buffer's slice() would share the bytes, not copy them.
    const shipped = new Uint8Array(readFileSync(join(REPO_ROOT, 'models', 'gsc12-kws.hsm')));
    assert.equal(runNative('v2', shipped).status, 0, 'the version 2 file itself loads');
    for (const version of [4, 0]) {
      const bytes = shipped.slice();
      poke(bytes, FILE_FIELD.formatVersion, 'u16', version);
      const sealed = resealCrc(bytes);
      assert.equal(
        statusName(openEngine().load(sealed)),
        'BAD_VERSION',
        `the .wasm rejects version ${version} too`,
      );
      const { status, stderr } = runNative(`v${version}`, sealed);
      assert.equal(status, 2, `version ${version}: exit status 2 (a bad model file); stderr: ${stderr}`);
      assert.match(
        stderr,
        new RegExp(
          `v${version}\\.hsm: bad file at byte 4: formatVersion ${version} is not one this engine reads \\(1 to 3\\)`,
        ),
      );
    }
  }),
);

test(
  'native C baseline validates the FRONTEND section and keeps it out of version 1 files',
  withTools([GCC], () => {
    // A copy as a plain Uint8Array: Buffer's slice() would share the bytes, not copy them.
    const shipped = new Uint8Array(readFileSync(join(REPO_ROOT, 'models', 'gsc12-kws.hsm')));
    const frontend = sectionAt(shipped, 2);
    assert.equal(frontend.id, 3, 'the third section of gsc12-kws.hsm is its FRONTEND');
    // Each edit, the .wasm's verdict on it, and the C engine's message.
    const cases: [string, (bytes: Uint8Array) => void, string, RegExp][] = [
      [
        'version 1 with a FRONTEND',
        (b) => poke(b, FILE_FIELD.formatVersion, 'u16', 1),
        'UNKNOWN_SECTION',
        /section 2: unknown section id 3 in format version 1/,
      ],
      [
        'sample rate',
        (b) => poke(b, frontend.payload, 'u32', 44100),
        'BAD_FRONTEND',
        /FRONTEND sampleRateHz 44100 is not 8000 or 16000/,
      ],
      [
        'bands',
        (b) => poke(b, frontend.payload + 4, 'u16', 16),
        'BAD_FRONTEND',
        /FRONTEND 2 \* bands = 32 != the model's inputCount 64/,
      ],
      [
        'hop over window',
        (b) => poke(b, frontend.payload + 7, 'u8', 26),
        'BAD_FRONTEND',
        /FRONTEND hopMs 26 not in 1\.\.windowMs \(25\)/,
      ],
      [
        'encoding',
        (b) => poke(b, frontend.payload + 10, 'u8', 1),
        'BAD_FRONTEND',
        /FRONTEND encoding 1 unknown/,
      ],
      [
        'section count',
        (b) => poke(b, FILE_FIELD.sectionCount, 'u32', 4),
        'SECTION_ORDER',
        /sectionCount 4 != 6 \(MODEL, LABELS, FRONTEND, DETECT, 2 layers\)/,
      ],
    ];
    for (const [name, edit, wasmVerdict, message] of cases) {
      const bytes = shipped.slice();
      edit(bytes);
      const sealed = resealCrc(bytes);
      assert.equal(statusName(openEngine().load(sealed)), wasmVerdict, `${name}: the .wasm's verdict`);
      const { status, stderr } = runNative('frontend-edit', sealed);
      assert.equal(status, 2, `${name}: exit status 2; stderr: ${stderr}`);
      assert.match(stderr, message, name);
    }
  }),
);
