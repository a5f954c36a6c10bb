/**
 * Choosing K time-constant levels for a set of rho values (docs/quantization.md, "Levels").
 *
 * Values are first rounded to Q0.16, the engine's decay format. If no more than K distinct values
 * remain they are the levels, exactly. Otherwise 0 (no memory) and 65536 (no decay) stay exact
 * levels of their own when present, because no nearby level behaves like them: a rho of 1 holds a
 * current forever, any level below 1 forgets it. The other values are clustered by 1-D k-means in
 * log tau (tau = -1 / ln rho, in steps), where the learned time constants spread evenly (median 7,
 * 5th percentile 3, 95th 33 in the reference runs), so the levels follow the distribution instead of
 * crowding near rho = 1.
 */
import { DECAY_ONE_Q16 } from '../model/hsm.js';

export interface LevelChoice {
  /** Level decays, Q0.16, ascending. */
  levelsQ16: number[];
  /** The level index of each input value. */
  assignment: Uint8Array;
}

/** Levels are stored in bytes. */
export const MAX_LEVELS = 255;
const MAX_ITERATIONS = 200;

/** Q0.16 of a rho in [0, 1], rounded to nearest (half away from zero, as values are >= 0). */
export function rhoToQ16(rho: number): number {
  return Math.round(rho * DECAY_ONE_Q16);
}

/** Time constant in steps of a Q0.16 decay: Infinity for 65536 (no decay), 0 for 0. */
export function q16ToTau(q: number): number {
  if (q >= DECAY_ONE_Q16) return Infinity;
  if (q <= 0) return 0;
  return -1 / Math.log(q / DECAY_ONE_Q16);
}

/** Weighted quantile starts, one per cluster, made distinct so no two clusters begin as one. */
function initialCenters(x: Float64Array, weight: Float64Array, k: number): number[] {
  let total = 0;
  for (let i = 0; i < x.length; i++) total += weight[i];
  const chosen = new Set<number>();
  let i = 0;
  let cumulative = weight[0];
  for (let c = 0; c < k; c++) {
    const target = ((c + 0.5) / k) * total;
    while (cumulative < target && i < x.length - 1) cumulative += weight[++i];
    chosen.add(i);
  }
  // A heavy value can be the quantile of several clusters; give the spare ones the values farthest
  // from any start, which is where a cluster is missing.
  while (chosen.size < k) {
    let farthest = -1;
    let farthestDistance = -1;
    for (let v = 0; v < x.length; v++) {
      if (chosen.has(v)) continue;
      let distance = Infinity;
      for (const c of chosen) distance = Math.min(distance, Math.abs(x[v] - x[c]));
      if (distance > farthestDistance) {
        farthest = v;
        farthestDistance = distance;
      }
    }
    chosen.add(farthest);
  }
  return [...chosen].sort((a, b) => a - b).map((v) => x[v]);
}

/**
 * Lloyd's k-means on sorted 1-D points with weights; k < x.length. Returns the sorted centers of
 * the clusters that kept members.
 */
function kMeans1d(x: Float64Array, weight: Float64Array, k: number): number[] {
  let centers = initialCenters(x, weight, k);
  const cluster = new Int32Array(x.length).fill(-1);
  for (let iteration = 0; iteration < MAX_ITERATIONS; iteration++) {
    let changed = false;
    let c = 0;
    for (let i = 0; i < x.length; i++) {
      // Sorted points and centers: a point's cluster never precedes the previous point's.
      while (c < centers.length - 1 && x[i] - centers[c] > centers[c + 1] - x[i]) c++;
      if (cluster[i] !== c) {
        cluster[i] = c;
        changed = true;
      }
    }
    if (!changed) break;
    const sum = new Float64Array(centers.length);
    const mass = new Float64Array(centers.length);
    for (let i = 0; i < x.length; i++) {
      sum[cluster[i]] += weight[i] * x[i];
      mass[cluster[i]] += weight[i];
    }
    centers = centers.map((center, j) => (mass[j] > 0 ? sum[j] / mass[j] : center));
  }
  const used = new Set(cluster);
  return centers.filter((_, j) => used.has(j));
}

function logTau(q: number): number {
  return Math.log(q16ToTau(q));
}

/** Chooses at most maxLevels Q0.16 levels for `rho` (each in [0, 1]) and assigns each value one. */
export function chooseLevels(rho: ArrayLike<number>, maxLevels: number): LevelChoice {
  if (!Number.isInteger(maxLevels) || maxLevels < 1 || maxLevels > MAX_LEVELS) {
    throw new RangeError(`level count ${maxLevels} is not an integer in [1, ${MAX_LEVELS}]`);
  }
  const count = new Float64Array(DECAY_ONE_Q16 + 1);
  for (let s = 0; s < rho.length; s++) {
    const r = rho[s];
    if (!(r >= 0 && r <= 1)) throw new RangeError(`rho ${r} is outside [0, 1]`);
    count[rhoToQ16(r)]++;
  }
  const distinct: number[] = [];
  for (let q = 0; q <= DECAY_ONE_Q16; q++) if (count[q] > 0) distinct.push(q);

  const levelOf = new Int32Array(DECAY_ONE_Q16 + 1).fill(-1);
  let levels: number[];
  if (distinct.length <= maxLevels) {
    levels = distinct;
    levels.forEach((q, k) => (levelOf[q] = k));
  } else {
    const exact = distinct.filter((q) => q === 0 || q === DECAY_ONE_Q16);
    const interior = distinct.filter((q) => q > 0 && q < DECAY_ONE_Q16);
    const budget = maxLevels - exact.length;
    if (budget < 1) {
      throw new RangeError(
        `${maxLevels} level(s) cannot keep rho = 0 and 1 exact and still cover the other values: use more levels`,
      );
    }
    const x = Float64Array.from(interior, logTau);
    const weight = Float64Array.from(interior, (q) => count[q]);
    const centers = kMeans1d(x, weight, budget);
    // Centers map to Q0.16 monotonically, so the levels stay sorted. Two centers can round to one
    // value; the Set merges them. Clamping keeps an interior cluster off the exact levels, which
    // only exact values may use.
    const toQ16 = (center: number): number =>
      Math.min(DECAY_ONE_Q16 - 1, Math.max(1, rhoToQ16(Math.exp(-1 / Math.exp(center)))));
    const interiorLevels = [...new Set(centers.map(toQ16))];
    levels = [...exact, ...interiorLevels].sort((a, b) => a - b);
    levels.forEach((q, k) => (levelOf[q] = k));
    const interiorX = interiorLevels.map(logTau);
    let c = 0;
    for (let i = 0; i < interior.length; i++) {
      while (c < interiorX.length - 1 && x[i] - interiorX[c] > interiorX[c + 1] - x[i]) c++;
      levelOf[interior[i]] = levelOf[interiorLevels[c]];
    }
  }
  const assignment = new Uint8Array(rho.length);
  for (let s = 0; s < rho.length; s++) assignment[s] = levelOf[rhoToQ16(rho[s])];
  return { levelsQ16: levels, assignment };
}
