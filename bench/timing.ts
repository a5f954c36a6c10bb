/**
 * How the bench times: CPU time, not wall time, and the median of interleaved rounds, not the best
 * batch. On the shared 2-core development machine wall time counted every moment another process
 * held the core, and the best of five back-to-back batches of each contender picked up whatever
 * load happened to run then: the SHD step read 7.0 or 11.1 us from run to run, and the ratio to the
 * native baseline moved with it. The native baseline (bench/native/engine.c --time) measures its
 * own CPU time the same way.
 */

/** Rounds of the interleaved measurement (odd, so the median is one of them). */
export const ROUNDS = 7;

/**
 * Warm-up, in CPU time. V8 runs wasm in its baseline tier first and optimises hot functions, and
 * the JavaScript that calls them, in background threads; until that settles a pass is slower.
 * A second shape timed after the first is still slow for its first ~0.5 s of CPU (the KWS shape
 * first, then SHD: 9-11 us per step before 7.5), and a warm-up counted in wall time ran out before
 * that on a loaded machine: one source of the two SHD figures.
 */
const WARMUP_CPU_MS = 1200;

/** CPU time of this process, milliseconds (user + system; the loop being timed allocates nothing,
 *  so the collector's and the compiler's threads add next to nothing once warm). */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] ?? NaN)
    : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
}

export function warmUp(pass: () => void): void {
  const start = cpuMs();
  do pass();
  while (cpuMs() - start < WARMUP_CPU_MS);
}

/** Mean CPU milliseconds per pass over one batch of at least `minPasses` passes and `batchMs`. */
export function batchMs(pass: () => void, batchMs: number, minPasses: number): number {
  let passes = 0;
  const start = cpuMs();
  while (passes < minPasses || cpuMs() - start < batchMs) {
    pass();
    passes++;
  }
  return (cpuMs() - start) / passes;
}

/** CPU milliseconds per pass: warm-up, then the median of ROUNDS batches sharing `budgetMs`. */
export function timePasses(pass: () => void, budgetMs: number, minPasses: number): number {
  warmUp(pass);
  const rounds: number[] = [];
  for (let r = 0; r < ROUNDS; r++) rounds.push(batchMs(pass, budgetMs / ROUNDS, minPasses));
  return median(rounds);
}
