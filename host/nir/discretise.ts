/**
 * NIR's continuous-time neurons in hetsyn's discrete steps (docs/nir.md, "Discretisation"). A step
 * lasts dt (in the time unit of the file's taus); a spike in a step is an impulse of area dt, so an
 * equation tau dy/dt = -y + k u moves y by k * dt / tau per input spike. The decay per step is
 * exp(-dt/tau) (`exact`, the solution of the equation) or 1 - dt/tau (`euler`, forward Euler: what
 * snnTorch's and Norse's own steps do). A current feeding a membrane (CubaLIF's second stage) is held
 * over the step: gain k * (1 - exp(-dt/tau)) (exact) or k * dt/tau (euler).
 */

import { NirError } from './graph.js';

export type Discretisation = 'exact' | 'euler';
export const DISCRETISATIONS: readonly Discretisation[] = ['exact', 'euler'];

/** The decay per step of a time constant tau; `where` names the node for the error. */
export function decay(tau: number, dt: number, mode: Discretisation, where: string): number {
  if (!(tau > 0)) throw new NirError(`${where}: tau = ${tau}; a time constant must be > 0`);
  const a = dt / tau;
  if (mode === 'exact') return Math.exp(-a);
  if (a > 1) {
    throw new NirError(
      `${where}: dt/tau = ${a.toPrecision(4)} > 1, where forward Euler is unstable; use a smaller --dt or --discretisation exact`,
    );
  }
  return 1 - a;
}

/** The time constant whose decay per step is rho: the inverse of `decay`. */
export function tauOf(rho: number, dt: number, mode: Discretisation): number {
  return mode === 'exact' ? -dt / Math.log(rho) : dt / (1 - rho);
}

/** Gain from a current held over one step into a membrane of time constant tau with resistance r. */
export function heldGain(r: number, tau: number, dt: number, mode: Discretisation): number {
  return mode === 'exact' ? r * -Math.expm1(-dt / tau) : (r * dt) / tau;
}

/** A membrane decay this small forgets everything within one step: treated as instantaneous (0). */
export const INSTANT_RHO = 1e-12;

/** The smallest tau exact mode writes for rho = 0: exp(-64) = 1.6e-28, below INSTANT_RHO. */
export const INSTANT_TAU_STEPS = 1 / 64;

/**
 * One decaying state for a two-stage filter (synapse rho_s, gain g_s, then membrane rho_m, gain g_m),
 * matched on the first two moments of its response to one spike: the same area (total charge) and
 * the same mean delay. Returns the state's decay and gain.
 */
export function mergeStages(
  rhoS: number,
  gS: number,
  rhoM: number,
  gM: number,
): { rho: number; gain: number } {
  const area = (gS * gM) / ((1 - rhoS) * (1 - rhoM));
  const meanDelay = rhoS / (1 - rhoS) + rhoM / (1 - rhoM);
  const rho = meanDelay / (1 + meanDelay);
  return { rho, gain: area * (1 - rho) };
}

/**
 * How far the merged single state is from the two-stage response to one spike: the L2 norm of the
 * difference over the L2 norm of the two-stage response, over enough steps for both to die out.
 */
export function mergeError(rhoS: number, gS: number, rhoM: number, gM: number): number {
  const { rho, gain } = mergeStages(rhoS, gS, rhoM, gM);
  const slowest = Math.max(rhoS, rhoM, rho);
  const steps = Math.min(100000, Math.ceil(40 / Math.max(1e-9, -Math.log(slowest))) + 10);
  let i = 0;
  let v = 0;
  let single = 0;
  let diff = 0;
  let norm = 0;
  for (let t = 0; t < steps; t++) {
    i = rhoS * i + (t === 0 ? gS : 0);
    v = rhoM * v + gM * i;
    single = t === 0 ? gain : rho * single;
    diff += (v - single) ** 2;
    norm += v * v;
  }
  return norm === 0 ? 0 : Math.sqrt(diff / norm);
}

/** The median (the mean of the middle two for an even count); NaN for none. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return NaN;
  return n % 2 === 1 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}
