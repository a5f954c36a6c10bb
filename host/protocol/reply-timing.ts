/**
 * How long the host waits for a reply, and how often it asks again (docs/protocol.md, "Timeouts"). The link
 * counts as dead after (1 + retries) x timeoutMs without a reply, counted from when the board's
 * expected work is done (a SPIKES frame's steps at the measured pace, client.ts). With `adaptive`,
 * the host asks again sooner within that time: after the measured round trip (or
 * `firstRetransmitMs` before there is one), doubling per silent try up to timeoutMs past the
 * expected work. Safe for every request: each is idempotent, or a same-seq repeat gets the
 * board's remembered reply.
 */
export interface ReplyTiming {
  timeoutMs: number;
  retries: number;
  adaptive: boolean;
  firstRetransmitMs: number;
  /**
   * The shortest adaptive wait (0: none but MIN_RETRANSMIT_MS). Stream frames have one, as RFC 6298
   * rounds its RTO up for the same reason: their losses show at once as STEP_GAP on the next
   * frame, so only a lost last frame waits, while a wait near the round trip resends whenever the
   * board or the host is briefly late (a loaded machine running an emulator). It stays well under
   * the timeout because on a noisy line a lost last frame is common and each one costs this wait.
   */
  minWaitMs: number;
}

/** A reply to HELLO, a chunk, SPIKES (and the other quick requests). */
export const QUICK_REPLY: ReplyTiming = {
  timeoutMs: 500,
  retries: 4,
  adaptive: true,
  firstRetransmitMs: 100,
  minWaitMs: 0,
};
/**
 * SPIKES and AUDIO: each frame waits at least 200 ms, and longer for the steps queued at the board
 * at its measured pace (client.ts); before that pace is measured, the stream's first frame is a
 * one-step probe (stream.ts).
 */
export const STEP_REPLY: ReplyTiming = {
  timeoutMs: 500,
  retries: 4,
  adaptive: true,
  firstRetransmitMs: 500,
  minWaitMs: 200,
};
/** UPLOAD_BEGIN (erases a slot), UPLOAD_END (reads it all back), COMMIT (loads the model). */
export const SLOW_REPLY: ReplyTiming = {
  timeoutMs: 5000,
  retries: 2,
  adaptive: true,
  firstRetransmitMs: 250,
  minWaitMs: 0,
};
