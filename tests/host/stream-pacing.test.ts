/**
 * Pacing per step (`stream --rate`, monitor's real time): no step leaves before its time, a frame
 * goes when its first step is due, and paced frames are at least a tick apart. Driven by a fake
 * clock: the stream runs against the real device (wired-board.ts) over the in-memory transport.
 * Either the test moves the clock only from one pacing timer to the next (time stands still while
 * the link works, so every send time is exact), or the clock runs on while acks arrive, so the
 * stream is woken between its ticks.
 */

import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { BoardClient } from '../../host/protocol/client.js';
import { FrameDecoder } from '../../host/protocol/frame.js';
import { MessageType } from '../../host/protocol/messages.js';
import { PACING_TICK_MS, StepPacer } from '../../host/protocol/spikes-planner.js';
import { runStream, type PacingClock } from '../../host/protocol/stream.js';
import { flashModel } from '../../host/protocol/upload.js';
import { MemoryTransport } from '../../host/transport/memory.js';
import { sleep } from '../../host/util/sleep.js';
import { boardModel, WiredBoard } from './wired-board.js';

const MODEL = boardModel({ hidden: 12, seed: 5 }).bytes;
/** Full, fixed timeouts: a frame resent on a loaded machine would be sent off the pacing's clock. */
const STEADY = { timeScale: 1, firstSeq: 0, adaptive: false };

/** Time stands still until the test fires the next timer. */
class FakeClock implements PacingClock {
  t = 5000;
  private timers: { at: number; wake: () => void }[] = [];

  now(): number {
    return this.t;
  }

  after(ms: number, wake: () => void): () => void {
    const timer = { at: this.t + ms, wake };
    this.timers.push(timer);
    return () => (this.timers = this.timers.filter((x) => x !== timer));
  }

  /** Moves the clock on by `ms`, firing the timers that fall due on the way, in order. */
  advance(ms: number): void {
    const until = this.t + ms;
    for (;;) {
      const next = this.timers.reduce<{ at: number } | undefined>(
        (a, b) => (a && a.at <= b.at ? a : b),
        undefined,
      );
      if (!next || next.at > until) break;
      this.fireNext();
    }
    this.t = until;
  }

  /** Moves to the earliest timer and fires it; false when none is set. */
  fireNext(): boolean {
    const next = this.timers.reduce<{ at: number; wake: () => void } | undefined>(
      (a, b) => (a && a.at <= b.at ? a : b),
      undefined,
    );
    if (!next) return false;
    this.timers = this.timers.filter((x) => x !== next);
    this.t = Math.max(this.t, next.at);
    next.wake();
    return true;
  }
}

interface SentSpikes {
  at: number;
  first: number;
  count: number;
}

/** Streams `steps` steps at `rate` on the fake clock; every SPIKES frame with its (fake) send time. */
async function pacedRun(
  rate: number,
  steps: number,
  time: 'stands' | 'runs' = 'stands',
): Promise<{ frames: SentSpikes[]; startedAt: number; lost: number }> {
  const board = new WiredBoard({ maxFrame: 512 });
  const [setupHost, setupEnd] = MemoryTransport.pair();
  board.attach(setupEnd);
  const setup = await BoardClient.connect(setupHost, STEADY);
  assert.ok((await flashModel(setup, MODEL)).ok);
  await setup.close();

  const clock = new FakeClock();
  const frames: SentSpikes[] = [];
  const decoder = new FrameDecoder();
  const [host, boardEnd] = MemoryTransport.pair({
    hostToBoard: (bytes) => {
      for (const frame of decoder.push(bytes)) {
        if (frame.type !== MessageType.SPIKES) continue;
        const view = new DataView(frame.payload.buffer, frame.payload.byteOffset, frame.payload.byteLength);
        frames.push({ at: clock.now(), first: view.getUint32(0, true), count: view.getUint8(4) });
      }
      return bytes;
    },
  });
  board.attach(boardEnd);
  const client = await BoardClient.connect(host, STEADY);
  const startedAt = clock.now();
  const input = Array.from({ length: steps }, (_, t) => [t % 16]);
  let done = false;
  const run = runStream(client, { steps: input }, { stepsPerSecond: rate, clock, window: 4 }).finally(
    () => (done = true),
  );
  // Let the link and the board answer, then move the clock to the next timer (or on by 1 ms); a
  // real pause of a millisecond is only for the I/O to happen.
  while (!done) {
    await sleep(1);
    if (time === 'stands') clock.fireNext();
    else clock.advance(1);
  }
  const { steps: out, summary } = await run;
  await client.close();
  assert.ok(summary.ok);
  assert.equal(summary.stats.framesRetried, 0);
  assert.equal(out.length, steps);
  const base = frames[0]?.first ?? 0;
  return {
    frames: frames.map((f) => ({ ...f, first: f.first - base })),
    startedAt,
    lost: summary.stats.resultsLost,
  };
}

describe('pacing per step', () => {
  it('step k is due k / rate seconds after the start, dueBy and dueAt agree at every edge', () => {
    for (const rate of [1, 3, 7, 100, 333, 16000, 1_000_000]) {
      const pacer = new StepPacer(rate, 123.456);
      for (let k = 0; k < 500; k++) {
        const at = pacer.dueAt(k);
        assert.equal(pacer.dueBy(at), k + 1, `rate ${rate}: step ${k} is due at its own time`);
        assert.ok(pacer.dueBy(at - 1e-6) <= k, `rate ${rate}: step ${k} not due just before`);
      }
    }
    assert.equal(new StepPacer(100, 0).dueBy(-5), 0, 'nothing is due before the start');
    assert.throws(() => new StepPacer(0, 0), RangeError);
    assert.throws(() => new StepPacer(Infinity, 0), RangeError);
  });

  it('a frame goes when its first step is due, and at least a tick after the last one', () => {
    const slow = new StepPacer(100, 0); // 10 ms per step, more than a tick
    assert.equal(slow.sendAt(3, 20), 30);
    const fast = new StepPacer(1000, 0); // 1 ms per step
    assert.equal(fast.sendAt(3, 2), 2 + PACING_TICK_MS);
    assert.equal(fast.sendAt(3, undefined), 3);
  });

  it('at 100 steps/s every step travels alone, sent exactly when it is due', async () => {
    const { frames, startedAt, lost } = await pacedRun(100, 40);
    assert.equal(lost, 0);
    assert.deepEqual(
      frames.map((f) => [f.first, f.count, f.at - startedAt]),
      Array.from({ length: 40 }, (_, k) => [k, 1, k * 10]),
    );
  });

  it('at 1000 steps/s a frame carries the steps of a tick, none before its time, none a tick late', async () => {
    const rate = 1000;
    const { frames, startedAt } = await pacedRun(rate, 200);
    const pacer = new StepPacer(rate, startedAt);
    const perTick = (rate * PACING_TICK_MS) / 1000;
    let next = 0;
    frames.forEach((f, i) => {
      assert.equal(f.first, next, `frame ${i} continues the stream`);
      next += f.count;
      const last = f.first + f.count - 1;
      assert.ok(f.at >= pacer.dueAt(last), `frame ${i}: step ${last} left before its time`);
      assert.ok(f.at <= pacer.dueAt(f.first) + PACING_TICK_MS, `frame ${i} left more than a tick late`);
      assert.ok(f.count <= perTick, `frame ${i} carries ${f.count} steps`);
      const before = frames[i - 1];
      if (before) assert.ok(f.at - before.at >= PACING_TICK_MS, `frame ${i} less than a tick after the last`);
    });
    assert.equal(next, 200);
    // Over the whole stream the rate holds: 200 steps take 199 ms of the clock, to the tick.
    const span = (frames[frames.length - 1]?.at ?? 0) - startedAt;
    assert.ok(span >= 199 && span <= 199 + PACING_TICK_MS, `${span} ms`);
  });

  it('while the clock runs on as acks arrive, still no step before its time and no frame within a tick', async () => {
    const rate = 1000;
    const { frames, startedAt } = await pacedRun(rate, 200, 'runs');
    const pacer = new StepPacer(rate, startedAt);
    let next = 0;
    frames.forEach((f, i) => {
      assert.equal(f.first, next, `frame ${i} continues the stream`);
      next += f.count;
      assert.ok(f.at >= pacer.dueAt(f.first + f.count - 1), `frame ${i} carries a step before its time`);
      const before = frames[i - 1];
      if (before) assert.ok(f.at - before.at >= PACING_TICK_MS, `frame ${i} less than a tick after the last`);
    });
    assert.equal(next, 200);
  });
});
