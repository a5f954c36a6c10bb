/**
 * The round-trip estimate of one request type (RFC 6298), for the adaptive retransmission wait.
 * Two smoothed estimates run side by side: of the round trip as measured, and of the round trip
 * per unit of the board's work (a SPIKES frame's work is the steps the board runs before it can
 * answer, client.ts). The wait is the larger of the two, so a fixed link latency (a fast board) and
 * a pace per step (a slow one) are both covered, and a frame with more work waits longer. A
 * backoff counts the one-try sends (client.send) that timed out in a row.
 */

/**
 * The shortest time an adaptive request waits before asking again, whatever the measured round
 * trip (timer and scheduling jitter are a few ms).
 */
export const MIN_RETRANSMIT_MS = 10;
/**
 * Doublings of the retransmission wait after tries without a reply, at most. A serial line has no
 * congestion to back off from: silence is loss, or a busy board, which a repeat does not disturb
 * (every request is idempotent or remembered). A small cap keeps many tries within the deadline,
 * so a run of losses on a noisy line is not taken for a dead link.
 */
export const MAX_BACKOFF_DOUBLINGS = 2;

/** SRTT and RTTVAR of one quantity (RFC 6298, gains 1/8 and 1/4). */
class Smoothed {
  srtt: number | undefined;
  private rttvar = 0;

  add(x: number): void {
    if (this.srtt === undefined) {
      this.srtt = x;
      this.rttvar = x / 2;
      return;
    }
    this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - x);
    this.srtt = 0.875 * this.srtt + 0.125 * x;
  }

  /** srtt + 4 rttvar, undefined before a sample. */
  bound(): number | undefined {
    return this.srtt === undefined ? undefined : this.srtt + 4 * this.rttvar;
  }
}

export class RoundTripEstimate {
  private readonly whole = new Smoothed();
  private readonly perWork = new Smoothed();
  private backoff = 0;

  /** Whether a round trip has been measured. */
  get measured(): boolean {
    return this.whole.srtt !== undefined;
  }

  /**
   * The wait before asking again after `silentTries` tries without a reply, for a request with
   * `work` units of work: the larger of srtt + 4 rttvar and work x (the same per unit of work)
   * (`firstRetransmitMs` before a sample; at least MIN_RETRANSMIT_MS), doubled per silent try and
   * per backoff, at most MAX_BACKOFF_DOUBLINGS times.
   */
  retransmitMs(firstRetransmitMs: number, silentTries: number, work = 1): number {
    const whole = this.whole.bound();
    const perWork = this.perWork.bound() ?? 0;
    const base = whole === undefined ? firstRetransmitMs : Math.max(whole, perWork * work);
    const doublings = Math.min(silentTries + this.backoff, MAX_BACKOFF_DOUBLINGS);
    return Math.max(MIN_RETRANSMIT_MS, base) * 2 ** doublings;
  }

  /** The round trip expected for `work` units: smoothed per-unit round trip x work (0 before a sample). */
  expectedMs(work: number): number {
    return (this.perWork.srtt ?? 0) * work;
  }

  /** A round trip of a request sent once (Karn: a repeated one is ambiguous), with its work. */
  sample(ms: number, work = 1): void {
    this.backoff = 0;
    this.whole.add(ms);
    this.perWork.add(ms / Math.max(1, work));
  }

  /** A one-try send timed out: the next send of this type waits longer. */
  timedOut(): void {
    this.backoff = Math.min(this.backoff + 1, MAX_BACKOFF_DOUBLINGS);
  }

  /** A repeated request was answered: the link carries again, without a usable sample. */
  answered(): void {
    this.backoff = 0;
  }
}
