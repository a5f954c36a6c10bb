/**
 * The streaming evaluation and the detector tuning (docs/detection.md) on the shipped sample clips
 * (models/samples/gsc12, a small gsc12-layout data set): scoring by hand-made cases, the CLI's
 * figures adding up and repeating per seed, a tuned setting scoring the same when replayed and
 * when run live from the written model, and `tune` writing only the DETECT section.
 */

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { scoreStream, STREAM_EVAL_DEFAULTS, type RanStream } from '../../host/data/stream-eval.js';
import { readHsm } from '../../host/model/hsm-reader.js';
import { writeHsm } from '../../host/model/hsm-writer.js';
import type { ModelInfo } from '../../host/model/model-info.js';
import { REPO_ROOT } from './fixtures.js';

const CLI = join(REPO_ROOT, 'dist/host/cli.js');
const MODEL = join(REPO_ROOT, 'models/gsc12-kws.hsm');
const SAMPLES = join(REPO_ROOT, 'models/samples/gsc12');

function cliJson(args: string[]): Record<string, unknown> {
  return JSON.parse(execFileSync(process.execPath, [CLI, ...args], { encoding: 'utf8' })) as Record<
    string,
    unknown
  >;
}

describe('stream scoring', () => {
  const info = { name: 'm', labels: ['yes', 'no', '_unknown_'], timestepUs: 10000 } as ModelInfo;
  const options = { ...STREAM_EVAL_DEFAULTS };
  it('counts the first detection in a word as a hit or wrong class, everything else as a false alarm', () => {
    const ran: RanStream = {
      words: [
        { start: 100, until: 200, label: 0 }, // hit at 150 (latency 500 ms), then a second one: false alarm
        { start: 300, until: 400, label: 1 }, // wrong class at 320
        { start: 500, until: 600, label: 2 }, // _unknown_: its detection is a false alarm
        { start: 700, until: 800, label: 1 }, // missed
      ],
      detections: [
        { step: 50, label: 0, score: 1 }, // in the noise before any word
        { step: 150, label: 0, score: 1 },
        { step: 190, label: 0, score: 1 },
        { step: 320, label: 0, score: 1 },
        { step: 550, label: 1, score: 1 },
      ],
      steps: 1000,
      hours: 0.5,
    };
    const r = scoreStream(info, ran, options);
    assert.deepEqual(
      [r.keywords, r.other_words, r.hits, r.wrong_class, r.misses, r.false_alarms],
      [3, 1, 1, 1, 1, 3],
    );
    assert.equal(r.false_alarms_per_hour, 6);
    assert.deepEqual(
      [r.false_alarms_in_noise, r.false_alarms_on_other_words, r.repeat_detections],
      [1, 1, 1],
    );
    assert.equal(r.latency_ms_p50, 500);
    assert.deepEqual(r.per_class, { yes: { words: 1, hits: 1 }, no: { words: 2, hits: 0 } });
  });
});

describe('hetsyn sim --stream and hetsyn tune', () => {
  const stream = ['sim', MODEL, '--data', SAMPLES, '--split', 'all', '--stream', '--hours', '0.02', '--json'];

  it('prints figures that add up, the same for the same seed and different for another', () => {
    const r = cliJson(stream);
    const n = (k: string): number => r[k] as number;
    assert.ok(n('keywords') > 10, `${n('keywords')} keywords in 72 s`);
    assert.equal(n('hits') + n('wrong_class') + n('misses'), n('keywords'));
    assert.ok(Math.abs(n('hours') - 0.02) < 1e-9);
    assert.equal(n('false_alarms_per_hour'), n('false_alarms') / n('hours'));
    assert.equal(r.split, 'all');
    assert.deepEqual(cliJson(stream), r);
    assert.notDeepEqual(cliJson([...stream, '--seed', '2']), r);
  });

  it('tune picks a setting within the target whose live run from the written model scores as tuned', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'hetsyn-tune-')), 'tuned.hsm');
    const common = ['--data', SAMPLES, '--split', 'all', '--hours', '0.02'];
    const tuned = cliJson(['tune', MODEL, ...common, '--target-fa', '50', '-o', out, '--json']);
    const tuning = tuned.tuning as Record<string, number>;
    assert.equal(tuned.metTarget, true);
    assert.ok(tuning.false_alarms_per_hour <= 50);
    const live = cliJson(['sim', out, ...common, '--stream', '--json']);
    const { dataset, ...figures } = live;
    assert.equal(dataset, 'gsc12');
    assert.deepEqual(figures, { ...tuning, model: 'gsc12-kws' });
    // Only the DETECT section differs: the network is the shipped one.
    const before = readHsm(readFileSync(MODEL));
    const after = readHsm(readFileSync(out));
    assert.deepEqual({ ...after, detect: undefined }, { ...before, detect: undefined });
    assert.deepEqual(after.detect, tuned.detect);
  });

  it('reads a model back from a file buffer exactly (a pooled Buffer is not its own bytes)', () => {
    const bytes = readFileSync(MODEL);
    assert.deepEqual(writeHsm(readHsm(bytes)), new Uint8Array(bytes));
  });

  it('refuses stream options without --stream, and --stream without --data', () => {
    const run = (args: string[]): { status: number | null; stderr: string } =>
      spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
    const noStream = run(['sim', MODEL, '--data', SAMPLES, '--hours', '1']);
    assert.equal(noStream.status, 2);
    assert.match(noStream.stderr, /--hours goes with --data DIR --stream/);
    const noData = run(['sim', MODEL, '--stream']);
    assert.equal(noData.status, 2);
    assert.match(noData.stderr, /--stream builds its stream from a data set/);
  });
});
