/**
 * The data sets' split rules (each data set's SOURCE.md) on synthetic file trees, the errors for
 * names and folders that do not fit, and the shipped sample clips in models/samples/.
 */

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { encodeWav } from '../../host/audio/wav.js';
import { exitCodeFor } from '../../host/cli/handle-error.js';
import { ExitCode } from '../../host/cli/exit-codes.js';
import {
  DatasetError,
  FSDD_LABELS,
  GSC12_LABELS,
  openDataset,
  type Dataset,
  type Split,
} from '../../host/data/dataset.js';
import { REPO_ROOT } from './fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'hetsyn-dataset-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

let trees = 0;
/** A fresh folder holding a tiny valid WAV at each relative path. */
function tree(paths: string[]): string {
  const root = join(tmp, `tree${trees++}`);
  for (const path of paths) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), encodeWav(new Int16Array(80), 8000));
  }
  mkdirSync(root, { recursive: true });
  return root;
}

/** The split's clips as paths relative to the data set root. */
function names(dataset: Dataset, split: Split): string[] {
  return dataset.clips(split).map((c) => c.path.slice(dataset.root.length + 1));
}

describe('FSDD', () => {
  const files = [
    '7_jackson_0.wav',
    '7_jackson_4.wav',
    '7_jackson_5.wav',
    '7_jackson_9.wav',
    '7_jackson_10.wav',
    '7_jackson_49.wav',
    '0_theo_3.wav',
    '0_theo_27.wav',
  ].map((f) => `recordings/${f}`);

  it('puts takes 0-4 in test, 5-49 in train, and 5-9 of those in validation', () => {
    const root = tree(files);
    writeFileSync(join(root, 'SOURCE.md'), 'notes beside the recordings are not clips\n');
    const fsdd = openDataset(root);
    assert.equal(fsdd.kind, 'fsdd');
    assert.deepEqual(fsdd.labels, FSDD_LABELS);
    // Sorted by path (code units: "10" before "4").
    assert.deepEqual(names(fsdd, 'test'), [
      'recordings/0_theo_3.wav',
      'recordings/7_jackson_0.wav',
      'recordings/7_jackson_4.wav',
    ]);
    assert.deepEqual(names(fsdd, 'train'), [
      'recordings/0_theo_27.wav',
      'recordings/7_jackson_10.wav',
      'recordings/7_jackson_49.wav',
      'recordings/7_jackson_5.wav',
      'recordings/7_jackson_9.wav',
    ]);
    assert.deepEqual(names(fsdd, 'validation'), ['recordings/7_jackson_5.wav', 'recordings/7_jackson_9.wav']);
    assert.equal(fsdd.clips('all').length, files.length);
    assert.deepEqual(fsdd.clips('test')[1], {
      path: join(root, 'recordings/7_jackson_0.wav'),
      label: 7,
      speaker: 'jackson',
    });
  });

  it('also opens the recordings folder itself', () => {
    const fsdd = openDataset(join(tree(files), 'recordings'));
    assert.equal(fsdd.kind, 'fsdd');
    assert.equal(fsdd.clips('test').length, 3);
  });

  for (const bad of ['7_jackson.wav', 'seven_jackson_1.wav', '12_jackson_1.wav', '7_jackson_1.WAV']) {
    it(`rejects the file name ${bad}, naming it`, () => {
      const root = tree([...files, `recordings/${bad}`]);
      assert.throws(
        () => openDataset(root),
        (e: Error) => e instanceof DatasetError && e.message.includes(join(root, 'recordings', bad)),
      );
    });
  }
});

describe('gsc12', () => {
  // sha1 of each speaker id, first 8 hex digits, from `printf %s ID | sha1sum` (not from the code
  // under test). Test: % 4 === 0; validation: % 8 === 1.
  const SHA1_PREFIX: Record<string, string> = {
    '2c6d3924': 'fb1fb6ac', // % 4 = 0: test
    '0cb74144': 'ec97f6b3', // % 4 = 3, % 8 = 3: train
    '210f3aa9': '63f1d249', // % 8 = 1: validation
    bob: '48181acd', // % 4 = 1, % 8 = 5: train, not validation
    a6f2fd71: '07326e54', // test
    '1037.wav': '16da87a8', // test (the whole file name: the stem "1037" would be train)
    '1024.wav': '5e2ec5ff', // % 4 = 3: train
  };
  const files: [path: string, speaker: string][] = [
    ['yes/2c6d3924_nohash_0.wav', '2c6d3924'],
    ['yes/2c6d3924_nohash_1.wav', '2c6d3924'],
    ['yes/0cb74144_nohash_0.wav', '0cb74144'],
    ['go/210f3aa9_nohash_2.wav', '210f3aa9'],
    ['go/bob_nohash_0.wav', 'bob'],
    ['_unknown_/bed_a6f2fd71_nohash_3.wav', 'a6f2fd71'],
    ['_unknown_/dog_0cb74144_nohash_0.wav', '0cb74144'],
    ['_silence_/1037.wav', '1037.wav'],
    ['_silence_/1024.wav', '1024.wav'],
  ];
  const hash = (speaker: string): number => parseInt(SHA1_PREFIX[speaker] ?? 'missing', 16);
  const expected = (keep: (h: number) => boolean): string[] =>
    files
      .filter(([, speaker]) => keep(hash(speaker)))
      .map(([path]) => path)
      .sort();

  it('splits by the hash of the speaker id, per class folder layout', () => {
    const root = tree(files.map(([path]) => path));
    writeFileSync(join(root, 'LICENSE'), 'not a clip\n');
    const gsc = openDataset(root);
    assert.equal(gsc.kind, 'gsc12');
    assert.deepEqual(gsc.labels, GSC12_LABELS);
    assert.deepEqual(
      names(gsc, 'test'),
      expected((h) => h % 4 === 0),
    );
    assert.deepEqual(
      names(gsc, 'train'),
      expected((h) => h % 4 !== 0),
    );
    assert.deepEqual(names(gsc, 'validation'), ['go/210f3aa9_nohash_2.wav']);
    assert.deepEqual(
      names(gsc, 'validation'),
      expected((h) => h % 4 !== 0 && h % 8 === 1),
    );
    assert.deepEqual(
      names(gsc, 'all'),
      expected(() => true),
    );
    for (const clip of gsc.clips('all')) {
      const [path, speaker] = files.find(([p]) => join(root, p) === clip.path) ?? [];
      assert.equal(clip.speaker, speaker, path);
      assert.equal(GSC12_LABELS[clip.label], path?.split('/')[0]);
    }
  });

  for (const bad of [
    'yes/2c6d3924.wav',
    'yes/bed_2c6d3924_nohash_0.wav',
    '_unknown_/2c6d3924_nohash_0.wav',
  ]) {
    it(`rejects the file name ${bad}, naming it`, () => {
      const root = tree([...files.map(([path]) => path), bad]);
      assert.throws(
        () => openDataset(root),
        (e: Error) => e instanceof DatasetError && e.message.includes(join(root, bad)),
      );
    });
  }
});

describe('not a data set', () => {
  it('says which layouts it expected, and the CLI exits with code 3', () => {
    const root = tree(['clips/a.wav']);
    assert.throws(
      () => openDataset(root),
      (e: Error) =>
        e instanceof DatasetError &&
        /not a data set: expected FSDD .*recordings.* or gsc12 .*_unknown_/.test(e.message),
    );
    assert.throws(() => openDataset(join(root, 'missing')), DatasetError);
    assert.throws(() => openDataset(tree(['recordings/notes.txt'])), /without any \.wav clips/);
    assert.equal(exitCodeFor(new DatasetError('x')), ExitCode.input);
  });
});

describe('the shipped samples (models/samples)', () => {
  const samples = join(REPO_ROOT, 'models/samples');

  function filesUnder(dir: string): string[] {
    return readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .map((name) => join(dir, name))
      .filter((path) => statSync(path).isFile())
      .sort();
  }

  it('stay under 1 MB together', () => {
    const bytes = ['fsdd', 'gsc12']
      .flatMap((name) => filesUnder(join(samples, name)))
      .reduce((sum, path) => sum + statSync(path).size, 0);
    assert.ok(bytes < 1_000_000, `${bytes} bytes`);
  });

  for (const [name, perLabel, total] of [
    ['fsdd', 2, 20],
    ['gsc12', 2, 24],
  ] as const) {
    it(`${name}: every clip, ${perLabel} per label, all in the test split`, () => {
      const root = join(samples, name);
      const dataset = openDataset(root);
      assert.equal(dataset.kind, name);
      const all = dataset.clips('all');
      assert.deepEqual(
        all.map((c) => c.path),
        filesUnder(root).filter((path) => path.endsWith('.wav')),
      );
      assert.equal(all.length, total);
      assert.deepEqual(dataset.clips('test'), all);
      assert.deepEqual(dataset.clips('train'), []);
      for (const label of dataset.labels.keys()) {
        const clips = all.filter((c) => c.label === label);
        assert.equal(clips.length, perLabel, dataset.labels[label]);
        assert.equal(new Set(clips.map((c) => c.speaker)).size, perLabel, 'one clip per speaker');
      }
    });
  }
});
