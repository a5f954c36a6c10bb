/**
 * The sizes the stream plans with: steps per frame, and the wire bytes of the RESULTs a SPIKES
 * frame brings back (its timeout grows with them, so an estimate below the real size makes a slow
 * link look dead).
 */

import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { encodeFrame } from '../../host/protocol/frame.js';
import {
  DETECTION_BYTES,
  MessageType,
  Report,
  RESULT_FIXED_BYTES,
  type ResultLayout,
} from '../../host/protocol/messages.js';
import { resultWireBytes, stepsPerFrameCap } from '../../host/protocol/spikes-planner.js';

/** The longest RESULT frame of `payloadBytes` on the wire: no zero byte for COBS to save. */
function worstResultOnWire(payloadBytes: number): number {
  return encodeFrame(MessageType.RESULT, 0xff, new Uint8Array(payloadBytes).fill(0x5a)).length;
}

describe('SPIKES frame planning', () => {
  it('caps steps per frame to 1 .. 255', () => {
    assert.deepEqual(
      [stepsPerFrameCap(), stepsPerFrameCap(0), stepsPerFrameCap(40), stepsPerFrameCap(999)],
      [255, 1, 40, 255],
    );
  });

  it('counts every byte of a RESULT on the wire: fixed part, scores, detection, COBS and delimiter', () => {
    assert.equal(RESULT_FIXED_BYTES, 4 + 2 + 4 + 1);
    const layouts: [ResultLayout, number][] = [
      [{ report: 0, classes: 3 }, RESULT_FIXED_BYTES + DETECTION_BYTES],
      [{ report: Report.scores, classes: 3 }, RESULT_FIXED_BYTES + 4 * 3 + DETECTION_BYTES],
      [{ report: Report.scores, classes: 70 }, RESULT_FIXED_BYTES + 4 * 70 + DETECTION_BYTES],
    ];
    for (const [layout, payloadBytes] of layouts) {
      const estimate = resultWireBytes(512, layout);
      const real = worstResultOnWire(payloadBytes);
      assert.ok(
        estimate >= real,
        `${JSON.stringify(layout)}: ${estimate} bytes estimated, ${real} on the wire`,
      );
      assert.ok(
        estimate <= real + 1,
        `${JSON.stringify(layout)}: ${estimate} bytes estimated, ${real} on the wire`,
      );
    }
  });

  it('takes a RESULT with spikes as large as the board lets one be: a whole maxFrame', () => {
    for (const maxFrame of [64, 300, 512]) {
      const estimate = resultWireBytes(maxFrame, { report: Report.spikes, classes: 2 });
      const real = worstResultOnWire(maxFrame - 4);
      assert.ok(estimate >= real && estimate <= real + 1, `maxFrame ${maxFrame}: ${estimate} for ${real}`);
    }
  });
});
