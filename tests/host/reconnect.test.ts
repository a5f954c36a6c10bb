/**
 * The reconnect loop the board commands share (host/cli/reconnect.ts), driven by a fake connect
 * function: which failures it retries, its pauses, its limit and its stop.
 */

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  RECONNECT_MAX_PAUSE_MS,
  reconnectPauseMs,
  withReconnects,
  type Attempt,
} from '../../host/cli/reconnect.js';
import { LinkTimeoutError, ProtocolError } from '../../host/protocol/errors.js';
import { LinkClosedError } from '../../host/transport/errors.js';

/** A connect function that fails with `failures` in order, then returns 'ok'; it keeps its calls. */
function fakeConnect(failures: Error[], onCall?: (attempt: Attempt) => void) {
  const calls: number[] = [];
  const connect = (attempt: Attempt): Promise<string> => {
    calls.push(attempt.retry);
    onCall?.(attempt);
    const failure = failures[calls.length - 1];
    return failure ? Promise.reject(failure) : Promise.resolve('ok');
  };
  return { connect, calls };
}

const lost = (n: number): Error[] => Array.from({ length: n }, (_, i) => new LinkClosedError(`gone ${i}`));

describe('reconnect', () => {
  test('pauses double from the first up to the cap', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6].map((retry) => reconnectPauseMs(retry, 250)),
      [250, 500, 1000, 2000, 4000, RECONNECT_MAX_PAUSE_MS],
    );
    assert.equal(RECONNECT_MAX_PAUSE_MS, 8000);
    assert.equal(reconnectPauseMs(40, 500), RECONNECT_MAX_PAUSE_MS);
    assert.deepEqual(
      [1, 2, 3].map((retry) => reconnectPauseMs(retry, 3, 5)),
      [3, 5, 5],
    );
  });

  test('retries lost links with growing pauses up to the cap, then returns what the attempt returns', async () => {
    const { connect, calls } = fakeConnect([...lost(4), new LinkTimeoutError('HELLO', 3, 1500)]);
    const retries: [string, number, number][] = [];
    const value = await withReconnects(connect, {
      firstPauseMs: 1,
      maxPauseMs: 4,
      onRetry: (error, pauseMs, retry) => retries.push([error.message, pauseMs, retry]),
    });
    assert.equal(value, 'ok');
    assert.deepEqual(calls, [0, 1, 2, 3, 4, 5]);
    assert.deepEqual(retries, [
      ['gone 0', 1, 1],
      ['gone 1', 2, 2],
      ['gone 2', 4, 3],
      ['gone 3', 4, 4],
      ['no reply to HELLO after 3 tries over 1500 ms', 4, 5],
    ]);
  });

  test('throws the lost link after maxRetries retries in a row', async () => {
    const { connect, calls } = fakeConnect(lost(5));
    const pauses: number[] = [];
    await assert.rejects(
      withReconnects(connect, {
        firstPauseMs: 1,
        maxRetries: 2,
        onRetry: (_e, pauseMs) => pauses.push(pauseMs),
      }),
      (error: Error) => error instanceof LinkClosedError && error.message === 'gone 2',
    );
    assert.deepEqual(calls, [0, 1, 2]);
    assert.deepEqual(pauses, [1, 2]);
    await assert.rejects(
      withReconnects(fakeConnect(lost(1)).connect, { firstPauseMs: 1, maxRetries: 0 }),
      /gone 0/,
    );
  });

  test('a connection that works starts the count and the pauses anew', async () => {
    const { connect, calls } = fakeConnect(lost(4), (attempt) => {
      if (calls.length === 3) attempt.connected(); // the third attempt connects, then loses the link
    });
    const pauses: number[] = [];
    const value = await withReconnects(connect, {
      firstPauseMs: 1,
      maxRetries: 2,
      onRetry: (_e, pauseMs) => pauses.push(pauseMs),
    });
    assert.equal(value, 'ok');
    assert.deepEqual(calls, [0, 1, 2, 1, 2]);
    assert.deepEqual(pauses, [1, 2, 1, 2]);
  });

  test('a non-link error, or a ProtocolError, is thrown at once, without a retry', async () => {
    for (const failure of [new Error('bad input'), new ProtocolError('speaks nonsense')]) {
      const { connect, calls } = fakeConnect([failure]);
      let retried = false;
      await assert.rejects(
        withReconnects(connect, { firstPauseMs: 1, onRetry: () => (retried = true) }),
        (error) => error === failure,
      );
      assert.deepEqual(calls, [0]);
      assert.equal(retried, false);
    }
  });

  test('stops when told to: no attempt once aborted, and a pause ends at the abort', async () => {
    const controller = new AbortController();
    controller.abort();
    const never = fakeConnect([]);
    assert.equal(
      await withReconnects(never.connect, { firstPauseMs: 1, signal: controller.signal }),
      undefined,
    );
    assert.deepEqual(never.calls, []);

    const stop = new AbortController();
    const { connect, calls } = fakeConnect(lost(10));
    const started = performance.now();
    const value = await withReconnects(connect, {
      firstPauseMs: 60_000,
      signal: stop.signal,
      onRetry: () => setTimeout(() => stop.abort(), 10),
    });
    assert.equal(value, undefined);
    assert.deepEqual(calls, [0]);
    assert.ok(performance.now() - started < 5000, 'the minute-long pause ended at the abort');
  });
});
