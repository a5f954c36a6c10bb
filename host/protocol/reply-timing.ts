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
   * An adaptive wait never shorter than timeoutMs (RFC 6298 rounds its RTO up to 1 s for the same
   * reason): for stream frames, whose losses show at once as STEP_GAP on the next frame, so only
   * a lost last frame waits, while a shorter wait only risks a spurious go-back whenever the
   * board or the host is briefly late (a loaded machine running an emulator).
   */
  atLeastTimeout: boolean;
}

/** A reply to HELLO, a chunk, SPIKES (and the other quick requests). */
export const QUICK_REPLY: ReplyTiming = {
  timeoutMs: 500,
  retries: 4,
  adaptive: true,
  firstRetransmitMs: 100,
  atLeastTimeout: false,
};
/**
 * SPIKES and AUDIO: each frame waits at least the whole timeout, and longer for the steps queued
 * at the board at its measured pace (client.ts); before that pace is measured, the stream's first
 * frame is a one-step probe (stream.ts).
 */
export const STEP_REPLY: ReplyTiming = {
  timeoutMs: 500,
  retries: 4,
  adaptive: true,
  firstRetransmitMs: 500,
  atLeastTimeout: true,
};
/** UPLOAD_BEGIN (erases a slot), UPLOAD_END (reads it all back), COMMIT (loads the model). */
export const SLOW_REPLY: ReplyTiming = {
  timeoutMs: 5000,
  retries: 2,
  adaptive: true,
  firstRetransmitMs: 250,
  atLeastTimeout: false,
};
