/** Percentiles of latency samples, as the stream and the live monitor report them. */

export interface LatencyStats {
  /** The median and the 99th percentile of the samples, in their unit; null without samples. */
  p50: number | null;
  p99: number | null;
  samples: number;
}

/** The nearest-rank percentile `p` (0..100) of ascending `sorted`; null when it is empty. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export function latencyStats(samples: readonly number[]): LatencyStats {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), samples: sorted.length };
}
