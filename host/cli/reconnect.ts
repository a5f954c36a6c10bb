/**
 * Trying again after a lost link: the attempt runs anew after a pause that doubles from the first
 * up to a cap. Only a lost link is retried; a ProtocolError is not (a board that answers wrongly
 * answers no better on a new connection), nor is anything else.
 */

import { ProtocolError } from '../protocol/errors.js';
import { LinkError } from '../transport/errors.js';
import { sleep } from '../util/sleep.js';

/** The longest pause between two attempts. */
export const RECONNECT_MAX_PAUSE_MS = 8000;

export interface ReconnectOptions {
  /** The pause before the first retry; each further retry in a row doubles it. */
  firstPauseMs: number;
  maxPauseMs?: number;
  /** Retries in a row after which a lost link is thrown; no limit without. */
  maxRetries?: number;
  /** Once aborted no attempt starts, and a pause ends early. */
  signal?: AbortSignal;
  /** Before each pause: why, how long, and which retry in a row (from 1) comes after it. */
  onRetry?: (error: LinkError, pauseMs: number, retry: number) => void;
}

export interface Attempt {
  /** Retries in a row before this attempt: 0 for the first. */
  retry: number;
  /** The link works again: the next lost link counts from the first retry. */
  connected: () => void;
}

export function isLostLink(error: unknown): error is LinkError {
  return error instanceof LinkError && !(error instanceof ProtocolError);
}

/** The pause before retry number `retry` (from 1). */
export function reconnectPauseMs(
  retry: number,
  firstPauseMs: number,
  maxPauseMs = RECONNECT_MAX_PAUSE_MS,
): number {
  return Math.min(firstPauseMs * 2 ** (retry - 1), maxPauseMs);
}

/**
 * Runs `attempt` until it returns, and returns its value; undefined when the signal stopped it.
 * Throws any error but a lost link at once, and a lost link after maxRetries retries in a row.
 */
export function withReconnects<T>(
  attempt: (attempt: Attempt) => Promise<T>,
  options: ReconnectOptions & { signal?: undefined },
): Promise<T>;
export function withReconnects<T>(
  attempt: (attempt: Attempt) => Promise<T>,
  options: ReconnectOptions,
): Promise<T | undefined>;
export async function withReconnects<T>(
  attempt: (attempt: Attempt) => Promise<T>,
  options: ReconnectOptions,
): Promise<T | undefined> {
  const maxRetries = options.maxRetries ?? Infinity;
  let retry = 0;
  const connected = (): void => {
    retry = 0;
  };
  while (!options.signal?.aborted) {
    try {
      return await attempt({ retry, connected });
    } catch (error) {
      if (!isLostLink(error) || retry >= maxRetries) throw error;
      retry++;
      const pauseMs = reconnectPauseMs(retry, options.firstPauseMs, options.maxPauseMs);
      options.onRetry?.(error, pauseMs, retry);
      await sleep(pauseMs, options.signal);
    }
  }
  return undefined;
}
