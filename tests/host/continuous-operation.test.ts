/**
 * Continuous operation (issue: always-on keyword spotting): ten hours of audio at full speed through
 * the real .wasm, two ways at once: the board path (AUDIO frames into the device's own front-end,
 * network and detector, RESULTs decoded off the wire) and the sim path (the host engine's front-end,
 * step and detector). After every minute the two agree on the steps run and on every detection,
 * the readout and membranes are nowhere near saturation, and neither module's memory has grown.
 *
 * The audio is one seeded minute of the shipped FSDD samples at random gaps in noise, played over
 * and over: the network never resets, so its state at each repeat is new.
 */

import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { readWav } from '../../host/audio/read-wav.js';
import { openEngine } from '../../host/wasm/module.js';
import { detectAfterStep } from '../../host/sim/simulate.js';
import { buildSequence, syntheticNoise, type Word } from '../../host/train/sequence.js';
import type { Detection } from '../../host/model/detection.js';
import { decodeResult, Out, T, TestBoard, type LatestDetection } from './device-harness.js';
import { REPO_ROOT } from './fixtures.js';
import { FSDD_LABELS } from '../../host/data/dataset.js';

const HOURS = 10;
const MODEL = new Uint8Array(readFileSync(join(REPO_ROOT, 'models/fsdd-digits.hsm')));
const CLIPS = join(REPO_ROOT, 'models/samples/fsdd/recordings');
const SOURCE_AUDIO = 8;
/** Far from 2^31: a state this large would be a sign of runaway accumulation. */
const SATURATION_MARGIN = 2 ** 30;

function oneMinute(labels: readonly string[], rate: number): Int16Array {
  const words: Word[] = readdirSync(CLIPS)
    .filter((f) => f.endsWith('.wav'))
    .sort()
    .map((f) => ({
      samples: readWav(join(CLIPS, f)).samples,
      label: labels.indexOf(FSDD_LABELS[Number(f[0])] ?? ''),
    }));
  const frame = { sampleRateHz: rate, windowSamples: (rate * 25) / 1000, hopSamples: rate / 100 };
  // Enough passes over the sample's words to fill a minute (gaps of 0.5-1.5 s).
  const passes = 3;
  const options = {
    wordsPerSequence: passes * words.length,
    gapMs: [500, 1500] as const,
    snrDb: [10, 10] as const,
    windowSteps: 1,
    backgroundLabel: -1,
    gapWeight: 0,
    gainDb: 3,
  };
  const sequence = Array.from({ length: passes }, () => words).flat();
  const samples = buildSequence(sequence, syntheticNoise, frame, options, 7).samples;
  // Whole hops, so each repeat starts on a step boundary.
  return samples.subarray(0, rate * 60);
}

function audioPayload(first: number, samples: Int16Array): Uint8Array {
  const out = new Out().u32(first >>> 0);
  for (const s of samples) out.u16(s & 0xffff);
  return out.done();
}

describe('continuous operation', () => {
  it(`runs ${HOURS} hours of audio with the board path equal to sim, no saturation and no memory growth`, (t: TestContext) => {
    const sim = openEngine();
    const info = sim.loadOrThrow(MODEL);
    const rate = info.frontend?.sampleRateHz ?? 0;
    const minute = oneMinute(info.labels, rate);
    assert.equal(minute.length, rate * 60);
    sim.frontendConfigureFromModel();
    const simDetections: Detection[] = [];

    const board = new TestBoard({ maxFrame: 256, slotBytes: 65536 });
    board.install(MODEL);
    board.ok(T.STREAM_START, [SOURCE_AUDIO, 0]);
    const perFrame = (256 - 4 - 4) >> 1;
    const boardDetections: Detection[] = [];
    let seen = 0;
    let boardSteps = 0;
    let sample = 0;

    let simSteps = 0;
    let maxScore = 0;
    let memory: [number, number] | undefined;
    const minutes = HOURS * 60;
    for (let m = 0; m < minutes; m++) {
      for (const channels of sim.encodeAudio(minute)) {
        sim.step(channels);
        for (const x of sim.scores()) maxScore = Math.max(maxScore, Math.abs(x));
        const d = detectAfterStep(sim);
        if (d) simDetections.push(d);
        simSteps++;
      }
      for (let at = 0; at < minute.length; at += perFrame) {
        const chunk = minute.subarray(at, at + perFrame);
        const reply = board.request(T.AUDIO, audioPayload(sample, chunk));
        assert.equal(reply.type, T.AUDIO | 0x80);
        sample += chunk.length;
        for (const frame of reply.results) {
          const r = decodeResult(frame.payload, info.classCount);
          assert.equal(r.step, boardSteps, 'RESULTs in step order, none lost in process');
          boardSteps++;
          const latest: LatestDetection | undefined = r.detection;
          if (latest && latest.count > seen) {
            assert.equal(latest.count, seen + 1, 'one new detection at a time');
            seen = latest.count;
            boardDetections.push({ step: latest.step, label: latest.label, score: latest.score });
          }
        }
      }
      assert.equal(boardSteps, simSteps, `minute ${m}: steps`);
      assert.deepEqual(boardDetections, simDetections, `minute ${m}: detections`);
      for (let l = 0; l < info.layers.length - 1; l++) {
        for (let j = 0; j < (info.layers[l]?.neuronCount ?? 0); j++) {
          assert.ok(Math.abs(sim.membrane(l, j)) < SATURATION_MARGIN, `minute ${m}: layer ${l} neuron ${j}`);
        }
      }
      const now: [number, number] = [sim.memoryBytes, board.device.exports.memory.buffer.byteLength];
      memory ??= now;
      assert.deepEqual(now, memory, `minute ${m}: linear memory`);
    }
    assert.ok(maxScore < SATURATION_MARGIN, `largest |score| ${maxScore}`);
    assert.ok(simDetections.length > minutes, `${simDetections.length} detections over ${minutes} minutes`);
    t.diagnostic(
      `${HOURS} h: ${simSteps} steps, ${simDetections.length} detections, largest |score| ${maxScore}, memory ${memory?.join(' / ')} B`,
    );
  });
});
