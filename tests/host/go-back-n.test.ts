/**
 * The go-back-N window of the stream, alone: what it lets out, what an ack or a loss does to it,
 * and how the byte budget of the next frame shrinks and grows.
 */

import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import {
  GoBackNWindow,
  GROW_AFTER_FRAMES,
  MIN_STEP_BUDGET_BYTES,
  type SentFrame,
} from '../../host/protocol/go-back-n.js';

/** Sends frames of `count` steps while the window lets them out; returns them. */
function fill(gbn: GoBackNWindow, totalSteps: number, count: number): SentFrame[] {
  const sent: SentFrame[] = [];
  while (gbn.canSend(totalSteps)) {
    sent.push(gbn.sent({ first: gbn.nextStep, count: Math.min(count, totalSteps - gbn.nextStep) }, 0));
  }
  return sent;
}

describe('go-back-N window', () => {
  it('lets out frames until the window is full, and no more', () => {
    const gbn = new GoBackNWindow(3, 100);
    const sent = fill(gbn, 100, 5);
    assert.deepEqual(
      sent.map((f) => [f.first, f.count, f.retry]),
      [
        [0, 5, false],
        [5, 5, false],
        [10, 5, false],
      ],
    );
    assert.equal(gbn.inFlightCount, 3);
    assert.deepEqual([gbn.nextStep, gbn.sentEnd], [15, 15]);
    assert.throws(() => gbn.sent({ first: 15, count: 5 }, 0), RangeError);
    assert.throws(() => new GoBackNWindow(0, 100), RangeError);
  });

  it('stops at the end of the train', () => {
    const gbn = new GoBackNWindow(4, 100);
    assert.equal(fill(gbn, 7, 5).length, 2);
    assert.equal(gbn.canSend(7), false);
    assert.equal(gbn.inFlightCount, 2);
  });

  it('frees one place per in-order ack, and the window never exceeds its size', () => {
    const gbn = new GoBackNWindow(2, 100);
    let most = 0;
    const acked: number[] = [];
    fill(gbn, 20, 4);
    while (gbn.boardNext < 20) {
      most = Math.max(most, gbn.inFlightCount);
      const step = Math.min(20, gbn.boardNext + 4);
      gbn.advanceTo(step);
      acked.push(step);
      fill(gbn, 20, 4);
    }
    assert.equal(most, 2);
    assert.deepEqual(acked, [4, 8, 12, 16, 20]);
    assert.equal(gbn.inFlightCount, 0);
    assert.equal(gbn.epoch, 0);
  });

  it('takes a cumulative ack for every frame it covers, and ignores an older one', () => {
    const gbn = new GoBackNWindow(4, 100);
    fill(gbn, 100, 5);
    gbn.advanceTo(12); // the acks of the first two frames were lost; the third's ack names step 12
    assert.deepEqual([gbn.boardNext, gbn.inFlightCount], [12, 2]);
    gbn.advanceTo(5);
    assert.deepEqual([gbn.boardNext, gbn.inFlightCount], [12, 2]);
  });

  it('after a lost frame sends again from the board step, in a new epoch, with half the bytes', () => {
    const gbn = new GoBackNWindow(4, 100);
    const first = fill(gbn, 100, 5);
    gbn.advanceTo(5); // frame 0 arrived, frame 1 was lost
    gbn.goBack();
    assert.deepEqual([gbn.epoch, gbn.nextStep, gbn.inFlightCount, gbn.budget], [1, 5, 0, 50]);
    assert.equal(gbn.isCurrent(first[2]), false);
    const again = fill(gbn, 100, 5);
    assert.deepEqual(
      again.map((f) => [f.first, f.retry, f.epoch]),
      [
        [5, true],
        [10, true],
        [15, true],
        [20, false],
      ].map(([step, retry]) => [step, retry, 1]),
    );
    assert.equal(gbn.sentEnd, 25);
  });

  it('halves the budget per loss down to the minimum (or the full budget, when that is smaller)', () => {
    const gbn = new GoBackNWindow(4, 200);
    const budgets: number[] = [];
    for (let i = 0; i < 6; i++) {
      gbn.goBack();
      budgets.push(gbn.budget);
    }
    assert.deepEqual(budgets, [
      100,
      50,
      25,
      MIN_STEP_BUDGET_BYTES,
      MIN_STEP_BUDGET_BYTES,
      MIN_STEP_BUDGET_BYTES,
    ]);
    const small = new GoBackNWindow(4, 10);
    small.goBack();
    assert.equal(small.budget, 10);
  });

  it(`doubles the budget after ${GROW_AFTER_FRAMES} acks in a row of the current epoch, up to the full budget`, () => {
    const gbn = new GoBackNWindow(GROW_AFTER_FRAMES * 4, 100);
    const old = fill(gbn, 1, 1)[0];
    gbn.goBack();
    gbn.goBack();
    assert.equal(gbn.budget, 25);
    // Acks of frames of an older epoch do not count.
    for (let i = 0; i < 2 * GROW_AFTER_FRAMES; i++) gbn.acked(old);
    assert.equal(gbn.budget, 25);
    const current = fill(gbn, 100, 1);
    const budgets: number[] = [];
    for (const frame of current.slice(0, 3 * GROW_AFTER_FRAMES)) {
      gbn.acked(frame);
      budgets.push(gbn.budget);
    }
    const at = (n: number): number => budgets[n - 1];
    assert.deepEqual(
      [
        at(GROW_AFTER_FRAMES - 1),
        at(GROW_AFTER_FRAMES),
        at(2 * GROW_AFTER_FRAMES),
        at(3 * GROW_AFTER_FRAMES),
      ],
      [25, 50, 100, 100],
    );
  });

  it('starts the count of good acks again after a loss', () => {
    const gbn = new GoBackNWindow(GROW_AFTER_FRAMES * 2, 100);
    gbn.goBack();
    let frames = fill(gbn, 100, 1);
    for (const frame of frames.slice(0, GROW_AFTER_FRAMES - 1)) gbn.acked(frame);
    gbn.goBack();
    assert.equal(gbn.budget, 25);
    frames = fill(gbn, 100, 1);
    for (const frame of frames.slice(0, GROW_AFTER_FRAMES - 1)) gbn.acked(frame);
    assert.equal(gbn.budget, 25);
    gbn.acked(frames[GROW_AFTER_FRAMES - 1]);
    assert.equal(gbn.budget, 50);
  });
});
