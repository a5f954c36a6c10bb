/** The adaptive retransmission wait of one request type (RFC 6298 with a small backoff cap). */

import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import {
  MAX_BACKOFF_DOUBLINGS,
  MIN_RETRANSMIT_MS,
  RoundTripEstimate,
} from '../../host/protocol/round-trip.js';

describe('round-trip estimate', () => {
  it('waits the first retransmission time before a sample, doubling per silent try up to the cap', () => {
    const rt = new RoundTripEstimate();
    const waits = [0, 1, 2, 3, 4].map((silent) => rt.retransmitMs(100, silent));
    assert.equal(MAX_BACKOFF_DOUBLINGS, 2);
    assert.deepEqual(waits, [100, 200, 400, 400, 400]);
  });

  it('takes the first sample as srtt with rttvar half of it, then smooths (1/8, 1/4)', () => {
    const rt = new RoundTripEstimate();
    rt.sample(40);
    assert.equal(rt.retransmitMs(100, 0), 40 + 4 * 20);
    rt.sample(80);
    // rttvar = 0.75 * 20 + 0.25 * |40 - 80| = 25; srtt = 0.875 * 40 + 0.125 * 80 = 45
    assert.equal(rt.retransmitMs(100, 0), 45 + 4 * 25);
  });

  it('never waits less than MIN_RETRANSMIT_MS', () => {
    const rt = new RoundTripEstimate();
    rt.sample(0);
    assert.equal(rt.retransmitMs(100, 0), MIN_RETRANSMIT_MS);
    assert.equal(rt.retransmitMs(100, 1), 2 * MIN_RETRANSMIT_MS);
  });

  it('backs off after one-try timeouts, and forgets it on an answer or a sample', () => {
    const rt = new RoundTripEstimate();
    rt.timedOut();
    assert.equal(rt.retransmitMs(100, 0), 200);
    rt.timedOut();
    rt.timedOut();
    assert.equal(rt.retransmitMs(100, 0), 400);
    rt.answered();
    assert.equal(rt.retransmitMs(100, 0), 100);
    rt.timedOut();
    rt.sample(50);
    assert.equal(rt.retransmitMs(100, 0), 50 + 4 * 25);
  });
});

describe('round-trip estimate scaled by work', () => {
  it('waits the larger of the whole round trip and the per-unit one times the work', () => {
    const rt = new RoundTripEstimate();
    assert.equal(rt.measured, false);
    assert.equal(rt.expectedMs(40), 0);
    rt.sample(400, 20);
    assert.equal(rt.measured, true);
    // whole: 400 + 4 * 200 = 1200; per step: 20 + 4 * 10 = 60, x 40 steps = 2400
    assert.equal(rt.retransmitMs(100, 0, 40), 2400);
    assert.equal(rt.retransmitMs(100, 0, 5), 1200, 'a small frame still waits the whole round trip');
    assert.equal(rt.expectedMs(40), 800);
  });
});
