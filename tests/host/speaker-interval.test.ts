/** The by-speaker bootstrap of an accuracy (host/data/speaker-interval.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { speakerInterval, tallyBySpeaker } from '../../host/data/speaker-interval.js';

test('clips are tallied per speaker, in order of first appearance', () => {
  const clips = ['ann', 'bob', 'ann', 'cy', 'bob'].map((speaker) => ({ speaker }));
  assert.deepEqual(tallyBySpeaker(clips, [true, false, true, true, true]), [
    { speaker: 'ann', clips: 2, correct: 2 },
    { speaker: 'bob', clips: 2, correct: 1 },
    { speaker: 'cy', clips: 1, correct: 1 },
  ]);
});

test('speakers who all score alike leave no spread; speakers who differ widen it, however many clips each has', () => {
  const alike = Array.from({ length: 20 }, (_, k) => ({ speaker: `s${k}`, clips: 50, correct: 45 }));
  const same = speakerInterval(alike);
  assert.equal(same.low, 0.9);
  assert.equal(same.high, 0.9);
  assert.equal(same.speakers, 20);
  // Half the speakers at 100%, half at 80%: clip counting alone (1,000 clips at 90%) would give
  // about +-1.9 points; resampling 20 speakers gives about +-4.4 (the sd of the mean of 20 draws).
  const split = alike.map((t, k) => ({ ...t, correct: k % 2 === 0 ? 50 : 40 }));
  const wide = speakerInterval(split);
  assert.ok(wide.low < 0.87 && wide.low > 0.82, `low ${wide.low}`);
  assert.ok(wide.high > 0.93 && wide.high < 0.98, `high ${wide.high}`);
  // The same tallies give the same interval: the resampling is seeded.
  assert.deepEqual(speakerInterval(split), wide);
  // A group of one speaker is one of the two kinds: the interval runs from one to the other.
  const one = speakerInterval(split, 1);
  assert.deepEqual([one.speakers, one.low, one.high], [1, 0.8, 1]);
  assert.ok(one.median === 0.8 || one.median === 1);
  // A group four times as large halves the spread.
  const big = speakerInterval(split, 80);
  assert.ok(Math.abs((big.high - big.low) / (wide.high - wide.low) - 0.5) < 0.1);
  assert.throws(() => speakerInterval([]), /no speakers/);
});
