/**
 * The training augmentations (docs/training.md, "Augmentation"): speed perturbation, the synthetic
 * room and the spike masks do what they say, and with them off a clip is exactly what it was
 * before they existed (their random draws come from streams of their own).
 */

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  AUGMENT_DEFAULT,
  AUGMENT_OFF,
  augmentAudio,
  changeSpeed,
  maskSpikes,
  reverberate,
} from '../../host/train/augment.js';
import type { ClipSpikes } from '../../host/train/bptt.js';

const RATE = 16000;

function tone(hz: number, seconds: number): Int16Array {
  return Int16Array.from({ length: RATE * seconds }, (_, i) =>
    Math.round(8000 * Math.sin((2 * Math.PI * hz * i) / RATE)),
  );
}

function zeroCrossings(x: ArrayLike<number>, from = 0, to = x.length): number {
  let n = 0;
  for (let i = from + 1; i < to; i++) if (x[i - 1] < 0 !== x[i] < 0) n++;
  return n;
}

describe('augmentation', () => {
  it('speed: a clip played 1.25 times faster has its pitch 1.25 times higher and ends in silence', () => {
    const clip = tone(400, 1);
    const fast = changeSpeed(clip, 1.25);
    assert.equal(fast.length, clip.length);
    const played = Math.floor(clip.length / 1.25) - 1;
    const ratio = zeroCrossings(fast, 0, played) / zeroCrossings(clip, 0, played);
    assert.ok(Math.abs(ratio - 1.25) < 0.01, `crossing ratio ${ratio}`);
    assert.ok(
      fast.subarray(played + 2).every((v) => v === 0),
      'silence after the sped-up clip',
    );
    const slow = changeSpeed(clip, 0.8);
    assert.ok(Math.abs(zeroCrossings(slow) / zeroCrossings(clip) - 0.8) < 0.01);
  });

  it('room: an impulse rings on and dies away, the longer the room the slower', () => {
    const impulse = new Float64Array(RATE);
    impulse[0] = 1;
    const energy = (x: Float64Array, fromS: number, toS: number): number =>
      x.subarray(fromS * RATE, toS * RATE).reduce((s, v) => s + v * v, 0);
    const small = reverberate(impulse, RATE, 0.2, 0.5);
    const large = reverberate(impulse, RATE, 0.8, 0.5);
    for (const room of [small, large]) {
      assert.ok(energy(room, 0.05, 0.1) > 0, 'a tail after the impulse');
      assert.ok(energy(room, 0.05, 0.1) > energy(room, 0.3, 0.35), 'decaying');
    }
    // 60 dB per RT60: by 0.3 s the small room has fallen far more than the large one.
    const fall = (room: Float64Array): number => energy(room, 0.3, 0.35) / energy(room, 0.05, 0.1);
    assert.ok(fall(small) < fall(large) / 100, `${fall(small)} vs ${fall(large)}`);
    // wet 0 is the dry signal.
    assert.deepEqual(reverberate(impulse, RATE, 0.5, 0), impulse);
  });

  it('with the new augmentations off, a clip is what it was (gain, shift and noise draws unchanged)', () => {
    const clip = tone(300, 0.25);
    const noise = [tone(1234, 0.5)];
    const plain = { ...AUGMENT_DEFAULT, noiseProbability: 1 };
    const out = augmentAudio(clip, RATE, plain, 42, noise);
    // The hash of this clip as augmentAudio made it before speed, room and masks existed.
    assert.equal(createHash('sha256').update(out).digest('hex').slice(0, 16), 'f1a2d12dcb87b248');
    assert.deepEqual(
      augmentAudio(clip, RATE, { ...plain, speed: [1, 1], reverbProbability: 0 }, 42, noise),
      out,
    );
    assert.notDeepEqual(augmentAudio(clip, RATE, { ...plain, speed: [0.9, 0.9] }, 42, noise), out);
    assert.notDeepEqual(augmentAudio(clip, RATE, { ...plain, reverbProbability: 1 }, 42, noise), out);
    assert.deepEqual(augmentAudio(clip, RATE, AUGMENT_OFF, 42, noise), clip);
  });

  it('spike masks drop whole steps and whole channels, nothing else', () => {
    const steps = 100;
    const inputs = 16;
    const offsets = Int32Array.from({ length: steps + 1 }, (_, t) => t * inputs);
    const channels = Uint16Array.from({ length: steps * inputs }, (_, e) => e % inputs);
    const clip: ClipSpikes = { steps, offsets, channels };
    assert.equal(maskSpikes(clip, inputs, AUGMENT_DEFAULT, 5), clip, 'no masks: the clip itself');
    const masked = maskSpikes(
      clip,
      inputs,
      { ...AUGMENT_OFF, timeMasks: 2, timeMaskSteps: 10, channelMasks: 1, channelMaskWidth: 4 },
      5,
    );
    assert.equal(masked.steps, steps);
    const at = (t: number): number[] =>
      Array.from(masked.channels.subarray(masked.offsets[t], masked.offsets[t + 1]));
    const kept = Array.from({ length: steps }, (_, t) => at(t)).filter((c) => c.length > 0);
    const silentSteps = steps - kept.length;
    assert.ok(silentSteps > 0 && silentSteps <= 20, `${silentSteps} masked steps`);
    // Every step that kept spikes lost the same channels, at most 4 adjacent ones.
    const lost = Array.from({ length: inputs }, (_, c) => c).filter((c) => !kept[0].includes(c));
    assert.ok(kept.every((c) => c.join() === kept[0].join()));
    assert.ok(lost.length <= 4 && (lost.length === 0 || lost[lost.length - 1] - lost[0] === lost.length - 1));
    assert.deepEqual(
      maskSpikes(
        clip,
        inputs,
        { ...AUGMENT_OFF, timeMasks: 2, timeMaskSteps: 10, channelMasks: 1, channelMaskWidth: 4 },
        5,
      ),
      masked,
      'seeded',
    );
  });
});
