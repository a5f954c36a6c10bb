/**
 * The .wasm audio front-end on synthetic signals: a tone lights the band whose mel centre is
 * nearest, silence and quiet noise give nothing, an onset gives UP then DOWN spikes, 8 and 16 kHz
 * both work, and streaming in any chunk size equals one batch.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openEngine } from '../../host/wasm/module.js';
import { defaultFrontend, thresholdQ8FromDb, type FrontendConfig } from '../../host/model/frontend-config.js';
import { Rng } from './fixtures.js';

const engine = openEngine();

function encode(samples: Int16Array, config: FrontendConfig, chunk = Infinity): number[][] {
  engine.frontendConfigure(config);
  return engine.encodeAudio(samples, chunk);
}

/** amplitude * sin(2 pi f t) for `seconds`, with 20 ms linear fades so the ends do not click. */
function tone(rate: number, hz: number, seconds: number, amplitude: number, silenceAfter = 0): Int16Array {
  const n = Math.round(rate * seconds);
  const fade = Math.round(rate * 0.02);
  const out = new Int16Array(n + Math.round(rate * silenceAfter));
  for (let i = 0; i < n; i++) {
    const gain = Math.min(1, i / fade, (n - 1 - i) / fade);
    out[i] = Math.round(amplitude * gain * Math.sin((2 * Math.PI * hz * i) / rate));
  }
  return out;
}

/** The band whose centre, in u = log2(1 + f / 700) (mel up to a factor), is nearest to f. */
function nearestBand(rate: number, hz: number, bands: number): number {
  const u = (f: number): number => Math.log2(1 + f / 700);
  const spacing = u(rate / 2) / (bands + 1);
  return Math.min(bands - 1, Math.max(0, Math.round(u(hz) / spacing) - 1));
}

function upCounts(steps: number[][], bands: number): number[] {
  const counts = new Array<number>(bands).fill(0);
  for (const step of steps)
    for (const c of step) if ((c & 1) === 0) counts[c >> 1] = (counts[c >> 1] ?? 0) + 1;
  return counts;
}

describe('audio front-end (.wasm)', () => {
  for (const rate of [8000, 16000]) {
    for (const hz of [300, 700, 1500, 3000]) {
      it(`a ${hz} Hz tone at ${rate} Hz lights the band with the nearest mel centre`, () => {
        const config = defaultFrontend(rate);
        const steps = encode(tone(rate, hz, 0.5, 8000), config);
        assert.equal(steps.length, Math.floor((rate * 0.5 - rate * 0.025) / (rate * 0.01)) + 1);
        const counts = upCounts(steps, config.bands);
        const best = counts.indexOf(Math.max(...counts));
        const expected = nearestBand(rate, hz, config.bands);
        assert.ok(
          Math.abs(best - expected) <= 1,
          `band ${best} fired most, expected ${expected}: ${counts.join(', ')}`,
        );
        // Mostly: the bands within 2 of the expected one carry most of the UP spikes.
        const near = counts.slice(Math.max(0, expected - 2), expected + 3).reduce((a, b) => a + b, 0);
        const total = counts.reduce((a, b) => a + b, 0);
        assert.ok(
          near >= 0.8 * total,
          `${near} of ${total} UP spikes near band ${expected}: ${counts.join(', ')}`,
        );
      });
    }

    it(`silence and noise below the floor give no spikes at ${rate} Hz`, () => {
      const config = defaultFrontend(rate);
      assert.deepEqual(encode(new Int16Array(rate), config).flat(), []);
      const rng = new Rng(7);
      const noise = Int16Array.from({ length: rate }, () => rng.range(-3, 3));
      assert.deepEqual(encode(noise, config).flat(), []);
    });

    it(`an onset gives UP spikes, then its end DOWN spikes, in the tone's bands at ${rate} Hz`, () => {
      const config = defaultFrontend(rate);
      const signal = new Int16Array(rate);
      signal.set(tone(rate, 1000, 0.4, 10000), Math.round(rate * 0.3));
      const steps = encode(signal, config);
      const band = nearestBand(rate, 1000, config.bands);
      const firstUp = steps.findIndex((s) => s.includes(2 * band));
      const firstDown = steps.findIndex((s) => s.includes(2 * band + 1));
      assert.ok(firstUp >= 27 && firstUp <= 31, `first UP of band ${band} at step ${firstUp}`);
      assert.ok(firstDown >= 67 && firstDown <= 71, `first DOWN of band ${band} at step ${firstDown}`);
      assert.deepEqual(steps.slice(0, 27).flat(), [], 'nothing before the onset');
      // Every step's channels are below 2 * bands and increasing.
      for (const step of steps) {
        assert.ok(step.every((c, i) => c < 2 * config.bands && (i === 0 || c > (step[i - 1] ?? -1))));
      }
    });

    it(`streaming in chunks of any size equals one batch at ${rate} Hz`, () => {
      const rng = new Rng(rate);
      const config = { ...defaultFrontend(rate), bands: 20, thresholdQ8: thresholdQ8FromDb(6) };
      const signal = Int16Array.from({ length: rate }, (_, i) =>
        Math.round(6000 * Math.sin(i * i * 0.00002) + rng.range(-500, 500)),
      );
      const batch = encode(signal, config);
      assert.ok(batch.flat().length > 50, 'the chirp spikes');
      for (const chunk of [1, 7, 80, 161, 1000]) assert.deepEqual(encode(signal, config, chunk), batch);
      assert.deepEqual(encode(signal, config), batch, 'deterministic');
    });
  }

  it('takes its threshold in Q8 log2 power units: 9 dB is 765', () => {
    assert.equal(thresholdQ8FromDb(9), 765);
  });

  it('rejects configurations outside its range', () => {
    const good = defaultFrontend(16000);
    for (const bad of [
      { sampleRateHz: 44100 },
      { bands: 0 },
      { bands: 65 },
      { windowMs: 33 },
      { windowMs: 0 },
      { hopMs: 0 },
      { hopMs: 26 },
      { thresholdQ8: 0 },
    ]) {
      assert.throws(() => engine.frontendConfigure({ ...good, ...bad }), /BAD_FRONTEND/, JSON.stringify(bad));
    }
    assert.throws(() => engine.frontendConfigure({ ...defaultFrontend(8000), windowMs: 33 }), /BAD_FRONTEND/);
  });
});
