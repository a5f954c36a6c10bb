/**
 * The round-trip estimate of one request type (RFC 6298), for the adaptive retransmission wait:
 * smoothed RTT and its variation once a sample exists, and a backoff that counts the one-try sends
 * (client.send) that timed out in a row.
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

export class RoundTripEstimate {
  private srttMs: number | undefined;
  private rttvarMs = 0;
  private backoff = 0;

  /**
   * The wait before asking again after `silentTries` tries without a reply: srtt + 4 rttvar
   * (`firstRetransmitMs` before a sample; at least MIN_RETRANSMIT_MS), doubled per silent try and
   * per backoff, at most MAX_BACKOFF_DOUBLINGS times.
   */
  retransmitMs(firstRetransmitMs: number, silentTries: number): number {
    const base = this.srttMs === undefined ? firstRetransmitMs : this.srttMs + 4 * this.rttvarMs;
    const doublings = Math.min(silentTries + this.backoff, MAX_BACKOFF_DOUBLINGS);
    return Math.max(MIN_RETRANSMIT_MS, base) * 2 ** doublings;
  }

  /** A round trip of a request sent once (Karn: a repeated one is ambiguous). */
  sample(ms: number): void {
    this.backoff = 0;
    if (this.srttMs === undefined) {
      this.srttMs = ms;
      this.rttvarMs = ms / 2;
      return;
    }
    this.rttvarMs = 0.75 * this.rttvarMs + 0.25 * Math.abs(this.srttMs - ms);
    this.srttMs = 0.875 * this.srttMs + 0.125 * ms;
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
