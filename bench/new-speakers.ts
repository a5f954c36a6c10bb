/**
 * `node dist/bench/new-speakers.js MODEL DATA [GROUP]` (after `npm run build`): what a model is
 * likely to score on a fresh group of GROUP speakers (default 49) from the population of a data
 * set, and how far that lies below its TEST figure (docs/results.md, "New speakers"). The pool is
 * every speaker the model was not trained on, the validation and TEST speakers of a gsc12 folder,
 * and only their words: a `_silence_` clip has no speaker, and a fresh set of people has none.
 * GROUP speakers are drawn from the pool with replacement, 2,000 times (speaker-interval.ts).
 */
import { evaluate } from '../host/data/evaluate.js';
import { openDataset, type Split } from '../host/data/dataset.js';
import { speakerInterval, type SpeakerTally } from '../host/data/speaker-interval.js';
import { loadModel } from '../host/wasm/load-model.js';

const [modelPath, dataDir, group = '49'] = process.argv.slice(2);
if (!modelPath || !dataDir) {
  process.stderr.write('usage: node dist/bench/new-speakers.js MODEL.hsm DATA_DIR [GROUP_SPEAKERS]\n');
  process.exit(2);
}
const dataset = openDataset(dataDir);
if (dataset.kind !== 'gsc12') {
  process.stderr.write(
    `${dataDir} is ${dataset.kind}: only gsc12 splits its speakers (FSDD tests every speaker)\n`,
  );
  process.exit(2);
}
const { engine, info } = loadModel(modelPath);
const silence = dataset.labels.indexOf('_silence_');
const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;
const accuracyOf = (tallies: readonly SpeakerTally[]): number =>
  tallies.reduce((n, t) => n + t.correct, 0) / tallies.reduce((n, t) => n + t.clips, 0);

const pool: SpeakerTally[] = [];
let testAccuracy = NaN;
for (const split of ['validation', 'test'] as Split[]) {
  const result = evaluate({ path: modelPath, info, engine }, dataset, split);
  const speakerless = new Set(
    dataset
      .clips(split)
      .filter((c) => c.label === silence)
      .map((c) => c.speaker),
  );
  const words = result.speakers.filter((t) => !speakerless.has(t.speaker));
  if (split === 'test') testAccuracy = result.accuracy;
  process.stdout.write(
    `${split}: ${pct(result.accuracy)} of ${result.count} clips; words only ${pct(accuracyOf(words))} of ${words.reduce((n, t) => n + t.clips, 0)} clips from ${words.length} speakers\n`,
  );
  pool.push(...words);
}
const fresh = speakerInterval(pool, Number(group));
const drop = (at: number): string => (100 * (testAccuracy - at)).toFixed(1);
process.stdout.write(
  `pool: ${pct(accuracyOf(pool))} of ${pool.reduce((n, t) => n + t.clips, 0)} word clips from ${pool.length} speakers\n` +
    `a fresh group of ${fresh.speakers} speakers: ${pct(fresh.low)} to ${pct(fresh.high)} (95%), median ${pct(fresh.median)}; ` +
    `below TEST by ${drop(fresh.high)} to ${drop(fresh.low)} points, ${drop(fresh.median)} at the median\n`,
);
