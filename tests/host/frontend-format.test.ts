/**
 * The FRONTEND section (format version 2): written only when a model has a front-end (v1 files stay
 * byte for byte as before), read back through the engine's info, used by frontendConfigureFromModel,
 * and every rejection path of the parser's FRONTEND checks. Then the CLI: `hetsyn sim MODEL clip.wav`
 * equals `hetsyn encode` + `hetsyn sim` on the spike file.
 */

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { defaultFrontend } from '../../host/model/frontend-config.js';
import { encodeWav } from '../../host/audio/wav.js';
import { openEngine } from '../../host/wasm/module.js';
import type { HsmFrontend, HsmModel } from '../../host/model/hsm.js';
import { HsmWriteError, writeHsm } from '../../host/model/hsm-writer.js';
import {
  assemble,
  audioModel,
  edited,
  FILE_FIELD,
  peek,
  poke,
  rawInstance,
  REPO_ROOT,
  sectionAt,
  splitSections,
  statusName,
  tinyModel,
  type RawExports,
  type RawSection,
  placeModel,
} from './fixtures.js';

const FRONTEND_FIELD = {
  sampleRateHz: 0,
  bands: 4,
  windowMs: 6,
  hopMs: 7,
  thresholdQ8: 8,
  encoding: 10,
  reserved: 11,
} as const;
const SECTION_FRONTEND = 3;

const frontend: HsmFrontend = { ...defaultFrontend(8000), bands: 8, encoding: 'delta' };

function withFrontend(fe: HsmFrontend | null = frontend): HsmModel {
  const model = audioModel(['yes', 'no', 'up']);
  if (fe) return { ...model, frontend: fe };
  delete model.frontend;
  return model;
}

const engine = openEngine();
const WITH = writeHsm(withFrontend());

/** The sections of WITH: MODEL, LABELS, FRONTEND, the first LAYER, then the other layers. */
function parts(): { m: RawSection; l: RawSection; f: RawSection; a: RawSection; rest: RawSection[] } {
  const [m, l, f, a, ...rest] = splitSections(WITH);
  if (!m || !l || !f || !a) throw new Error('WITH lacks a section');
  return { m, l, f, a, rest };
}

/** WITH with a v2 header around these sections. */
function v2(sections: RawSection[]): Uint8Array {
  return edited(assemble(sections), (b) => poke(b, FILE_FIELD.formatVersion, 'u16', 2));
}

function frontendWith(
  field: keyof typeof FRONTEND_FIELD,
  type: 'u8' | 'u16' | 'u32',
  value: number,
): Uint8Array {
  const at = sectionAt(WITH, 2).payload + FRONTEND_FIELD[field];
  return edited(WITH, (b) => poke(b, at, type, value));
}

function loads(bytes: Uint8Array): string {
  return statusName(engine.load(bytes));
}

describe('FRONTEND section (.hsm format 2)', () => {
  it('round-trips: writer -> parser -> info, and configures the front-end from the model', () => {
    assert.equal(peek(WITH, FILE_FIELD.formatVersion, 'u16'), 2);
    assert.equal(sectionAt(WITH, 2).id, SECTION_FRONTEND);
    const info = engine.loadOrThrow(WITH);
    assert.equal(info.formatVersion, 2);
    const { sampleRateHz, bands, windowMs, hopMs, thresholdQ8 } = frontend;
    const config = { sampleRateHz, bands, windowMs, hopMs, thresholdQ8 };
    assert.deepEqual(info.frontend, config);
    engine.frontendConfigureFromModel();
    const tone = Int16Array.from({ length: 4000 }, (_, i) => Math.round(9000 * Math.sin(i * 0.3)));
    const fromModel = engine.encodeAudio(tone);
    engine.frontendConfigure(config);
    assert.deepEqual(engine.encodeAudio(tone), fromModel);
    assert.ok(fromModel.flat().length > 0);
  });

  it('with such a model loaded, each step lands in the engine input list, ready for step(count)', () => {
    const raw = rawInstance() as RawExports & {
      inputBuffer(): number;
      step(count: number): number;
      frontendConfigureFromModel(): number;
      frontendSamples(): number;
      frontendPush(count: number): number;
      frontendNextStep(): number;
      frontendSpikes(): number;
    };
    const at = placeModel(raw, WITH);
    assert.equal(statusName(raw.modelLoad(at, WITH.length)), 'OK');
    assert.equal(raw.frontendConfigureFromModel(), 0);
    const samples = new Int16Array(raw.memory.buffer, raw.frontendSamples(), 400);
    samples.set(Int16Array.from({ length: 400 }, (_, i) => Math.round(20000 * Math.sin(i * 0.4))));
    assert.equal(raw.frontendPush(400), 3); // 8 kHz: frames of 200 samples every 80
    const count = raw.frontendNextStep();
    assert.ok(count > 0);
    const spikes = new Uint16Array(raw.memory.buffer, raw.frontendSpikes(), count);
    assert.deepEqual(new Uint16Array(raw.memory.buffer, raw.inputBuffer(), count), spikes);
    assert.equal(raw.step(count), 0);
  });

  it('writes format 1, byte for byte as before, for a model without a front-end', () => {
    const plain = writeHsm(withFrontend(null));
    assert.equal(peek(plain, FILE_FIELD.formatVersion, 'u16'), 1);
    assert.equal(splitSections(plain).length, 2 + 2);
    const info = engine.loadOrThrow(plain);
    assert.equal(info.formatVersion, 1);
    assert.equal(info.frontend, undefined);
    assert.throws(() => engine.frontendConfigureFromModel(), /BAD_FRONTEND/);
    // The shipped v1 files still load.
    for (const path of ['models/demo-kws-shape.hsm', 'tests/fixtures/golden/golden.hsm']) {
      assert.equal(loads(readFileSync(join(REPO_ROOT, path))), 'OK', path);
    }
    // A version 2 file needs no FRONTEND section.
    assert.equal(loads(edited(plain, (b) => poke(b, FILE_FIELD.formatVersion, 'u16', 2))), 'OK');
  });

  it('the writer refuses a front-end whose channels differ from the inputs', () => {
    assert.throws(() => writeHsm({ ...withFrontend(), frontend: { ...frontend, bands: 7 } }), HsmWriteError);
  });

  const cases: [string, () => Uint8Array, string][] = [
    ['sample rate 44100', () => frontendWith('sampleRateHz', 'u32', 44100), 'BAD_FRONTEND'],
    ['sample rate 0', () => frontendWith('sampleRateHz', 'u32', 0), 'BAD_FRONTEND'],
    ['bands 0', () => frontendWith('bands', 'u16', 0), 'BAD_FRONTEND'],
    ['bands 65', () => frontendWith('bands', 'u16', 65), 'BAD_FRONTEND'],
    ['2 * bands != inputCount', () => frontendWith('bands', 'u16', 7), 'BAD_FRONTEND'],
    ['window 0 ms', () => frontendWith('windowMs', 'u8', 0), 'BAD_FRONTEND'],
    ['window 33 ms', () => frontendWith('windowMs', 'u8', 33), 'BAD_FRONTEND'],
    ['hop 0 ms', () => frontendWith('hopMs', 'u8', 0), 'BAD_FRONTEND'],
    ['hop longer than the window', () => frontendWith('hopMs', 'u8', 26), 'BAD_FRONTEND'],
    ['threshold 0', () => frontendWith('thresholdQ8', 'u16', 0), 'BAD_FRONTEND'],
    ['encoding 1', () => frontendWith('encoding', 'u8', 1), 'BAD_FRONTEND'],
    ['reserved byte set', () => frontendWith('reserved', 'u8', 1), 'BAD_FRONTEND'],
    [
      'payload of 16 bytes',
      () => {
        const { m, l, f, a, rest } = parts();
        return v2([
          m,
          l,
          { id: SECTION_FRONTEND, payload: new Uint8Array([...f.payload, 0, 0, 0, 0]) },
          a,
          ...rest,
        ]);
      },
      'BAD_SECTION',
    ],
    [
      'a FRONTEND section in a version 1 file',
      () => edited(WITH, (b) => poke(b, FILE_FIELD.formatVersion, 'u16', 1)),
      'UNKNOWN_SECTION',
    ],
    [
      'FRONTEND before LABELS',
      () => {
        const { m, l, f, a, rest } = parts();
        return v2([m, f, l, a, ...rest]);
      },
      'SECTION_ORDER',
    ],
    [
      'FRONTEND after the first LAYER',
      () => {
        const { m, l, f, a, rest } = parts();
        return v2([m, l, a, f, ...rest]);
      },
      'SECTION_ORDER',
    ],
    [
      'FRONTEND twice',
      () => {
        const { m, l, f, a, rest } = parts();
        return v2([m, l, f, f, a, ...rest]);
      },
      'SECTION_ORDER',
    ],
    [
      'format version 4',
      () => edited(WITH, (b) => poke(b, FILE_FIELD.formatVersion, 'u16', 4)),
      'BAD_VERSION',
    ],
  ];
  for (const [title, build, expected] of cases) {
    it(`${title} -> ${expected}`, () => {
      assert.equal(loads(writeHsm(tinyModel())), 'OK');
      assert.equal(loads(build()), expected);
      assert.equal(engine.loaded, false);
    });
  }
});

describe('hetsyn sim MODEL clip.wav', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hetsyn-fe-cli-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const cli = (...args: string[]): { status: number | null; stdout: string; stderr: string } => {
    const run = spawnSync(process.execPath, [join(REPO_ROOT, 'dist/host/cli.js'), ...args], {
      encoding: 'utf8',
      cwd: dir,
    });
    return { status: run.status, stdout: run.stdout, stderr: run.stderr };
  };
  const model = join(dir, 'audio.hsm');
  const plainModel = join(dir, 'plain.hsm');
  const clip = join(dir, 'clip.wav');
  writeFileSync(model, WITH);
  writeFileSync(plainModel, writeHsm(withFrontend(null)));
  const samples = Int16Array.from({ length: 8000 }, (_, i) =>
    Math.round((i > 2000 && i < 6000 ? 12000 : 0) * Math.sin(i * i * 0.00004)),
  );
  writeFileSync(clip, encodeWav(samples, 8000));

  it('encodes with the model front-end, exactly as encode + sim on the spike file', () => {
    const direct = cli('sim', model, clip, '--json', '--spikes');
    assert.equal(direct.status, 0, direct.stderr);
    const encoded = cli('encode', clip, '-o', 'clip.spikes', '--model', model);
    assert.equal(encoded.status, 0, encoded.stderr);
    assert.match(encoded.stderr, /wrote clip\.spikes: 98 steps, 16 channels/);
    const viaFile = cli('sim', model, join(dir, 'clip.spikes'), '--json', '--spikes');
    assert.equal(viaFile.status, 0, viaFile.stderr);
    const a = JSON.parse(direct.stdout) as { steps: unknown[]; decision: number };
    const b = JSON.parse(viaFile.stdout) as { steps: unknown[]; decision: number };
    assert.equal(a.steps.length, 98);
    assert.deepEqual(a.steps, b.steps);
    assert.equal(a.decision, b.decision);
    // The same options by hand give the same file.
    const byHand = cli('encode', clip, '-o', 'hand.spikes', '--bands', '8');
    assert.equal(byHand.status, 0, byHand.stderr);
    assert.equal(
      readFileSync(join(dir, 'hand.spikes'), 'utf8'),
      readFileSync(join(dir, 'clip.spikes'), 'utf8'),
    );
  });

  it('refuses a WAV for a model without a front-end, and a bad WAV, with exit code 3', () => {
    const plain = cli('sim', plainModel, clip);
    assert.equal(plain.status, 3);
    assert.match(plain.stderr, /carries no audio front-end.*spike file/);
    const bad = join(dir, 'bad.wav');
    writeFileSync(bad, encodeWav(samples, 8000).subarray(0, 30));
    const run = cli('sim', model, bad);
    assert.equal(run.status, 3);
    assert.match(run.stderr, /bad\.wav: truncated/);
    const wrongRate = join(dir, 'wide.wav');
    writeFileSync(wrongRate, encodeWav(samples, 16000));
    assert.match(cli('sim', model, wrongRate).stderr, /16000 Hz; the front-end takes 8000 Hz/);
  });
});
