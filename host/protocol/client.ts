/**
 * The host end of a conversation with one board (docs/protocol.md): requests with sequence
 * numbers, replies matched by seq, timeouts and retries, and the board's unasked RESULT frames
 * handed to a listener.
 *
 * Errors come in two kinds: a board that answers ERROR has answered, so that is a value,
 * `{ ok: false, error }`, for the caller to report or act on; a conversation that broke (no reply
 * after the retries, port gone, a reply that breaks the protocol) is an exception, a LinkError,
 * since no caller can go on with the exchange.
 */

import { encodeFrame, FrameDecoder, FRAME_DELIMITER, type Frame, type FrameDecoderStats } from './frame.js';
import { LinkTimeoutError, ProtocolError } from './errors.js';
import { LinkClosedError } from '../transport/errors.js';
import { decodeError, type DeviceError } from './device-errors.js';
import {
  describeType,
  EMPTY,
  encodeStreamStart,
  encodeUploadBegin,
  encodeUploadChunk,
  isReplyTo,
  MessageType,
  REQUESTS,
  type HelloInfo,
  type ReplyOf,
  type RequestName,
} from './messages.js';
import type { ReplyTiming } from './reply-timing.js';
import { RoundTripEstimate } from './round-trip.js';
import type { Transport } from '../transport/transport.js';

/** A reply, or the board's refusal. */
export type DeviceResult<T> = { ok: true; reply: T } | { ok: false; error: DeviceError };

/**
 * Bytes a reply may take on the wire besides the request's own, when a timeout is scaled to the
 * link's speed: an INFO with a long model name, encoded.
 */
export const REPLY_ALLOWANCE_BYTES = 320;

export interface ClientOptions {
  /** Multiplies every timeout (tests use a small factor, slow links a large one). */
  timeScale?: number;
  /** false: always wait the docs' full timeout before asking again (no round-trip estimate). */
  adaptive?: boolean;
  /** Replaces the docs' timing for some requests. */
  timing?: Partial<Record<RequestName, ReplyTiming>>;
  /** The first seq (default random, so a reconnecting host does not reuse the last one's). */
  firstSeq?: number;
  /** Called with one line per frame sent or received (`--trace`). */
  trace?: (line: string) => void;
}

export interface SendOptions {
  /** Timeout of each try (default from the request table, scaled). */
  timeoutMs?: number;
  /** Tries after the first (default from the request table). */
  retries?: number;
  /** Bytes the board will send before the reply (a SPIKES frame's RESULTs), for the timeout. */
  extraReplyBytes?: number;
  /** One try only (see send()). */
  single?: boolean;
  /**
   * Units of work the board does before it can answer (a SPIKES or AUDIO frame: the steps queued
   * up to its end), default 1: the adaptive wait and the deadline scale with it (round-trip.ts).
   */
  work?: number;
}

export interface ClientStats {
  requestsSent: number;
  /** Requests sent again after a timeout. */
  retries: number;
  /** Tries that ended in a timeout. */
  timeouts: number;
  /** Valid frames whose seq matched no request in flight, or whose type did not answer it. */
  staleReplies: number;
  results: number;
}

interface Pending {
  name: RequestName;
  seq: number;
  wire: Uint8Array;
  /** The docs' timeout of one try (scaled to the link), and the last moment a reply still counts. */
  timeoutMs: number;
  deadline: number;
  /** Tries at most (1 + retries); adaptive requests may fit more into the same deadline. */
  maxTries: number;
  adaptive: boolean;
  work: number;
  tries: number;
  firstSentAt: number;
  sentAt: number;
  timer: NodeJS.Timeout | undefined;
  resolve: (result: DeviceResult<unknown>) => void;
  reject: (error: Error) => void;
}

/** The most tries of one request an adaptive timeout may make within the docs' deadline. */
export const MAX_ADAPTIVE_TRIES = 64;

function withLeadingDelimiter(frame: Uint8Array): Uint8Array {
  const wire = new Uint8Array(frame.length + 1);
  wire[0] = FRAME_DELIMITER;
  wire.set(frame, 1);
  return wire;
}

function hex(bytes: Uint8Array, max = 48): string {
  const shown = Array.from(bytes.subarray(0, max), (b) => b.toString(16).padStart(2, '0')).join(' ');
  return bytes.length > max ? `${shown} ... (${bytes.length} bytes)` : shown;
}

export class BoardClient {
  readonly stats: ClientStats = { requestsSent: 0, retries: 0, timeouts: 0, staleReplies: 0, results: 0 };
  /** INFO from connect(), or the last hello(). */
  info: HelloInfo | undefined;
  private readonly decoder = new FrameDecoder();
  private readonly pending = new Map<number, Pending>();
  private readonly resultListeners = new Set<(frame: Frame) => void>();
  private readonly unsubscribe: (() => void)[] = [];
  private readonly roundTrips = new Map<RequestName, RoundTripEstimate>();
  private nextSeq: number;
  private closedBy: Error | undefined;

  constructor(
    readonly transport: Transport,
    private readonly options: ClientOptions = {},
  ) {
    this.nextSeq = (options.firstSeq ?? Math.floor(Math.random() * 256)) & 0xff;
    this.unsubscribe.push(transport.onData((bytes) => this.receive(bytes)));
    this.unsubscribe.push(
      transport.onClose((reason) =>
        this.fail(reason ?? new LinkClosedError(`${transport.description} closed`)),
      ),
    );
    if (transport.closed) this.fail(new LinkClosedError(`${transport.description} is closed`));
  }

  /**
   * A client that has said HELLO: flushes the board's receiver with a lone 0x00, then asks for INFO
   * (and refuses a board of another protocol version, as a ProtocolError).
   */
  static async connect(transport: Transport, options: ClientOptions = {}): Promise<BoardClient> {
    const client = new BoardClient(transport, options);
    try {
      client.writeRaw(new Uint8Array([FRAME_DELIMITER]));
      await client.hello();
    } catch (error) {
      client.detach();
      throw error;
    }
    return client;
  }

  /** Counters of the frame decoder (bad frames and overruns on the host's side). */
  get frameStats(): FrameDecoderStats {
    return this.decoder.stats;
  }

  get closed(): boolean {
    return this.closedBy !== undefined;
  }

  /** Listens to RESULT frames (raw: their layout depends on the stream). */
  onResult(listener: (frame: Frame) => void): () => void {
    this.resultListeners.add(listener);
    return () => this.resultListeners.delete(listener);
  }

  /** The timing of a request after the options' overrides and scale. */
  timingOf(name: RequestName): ReplyTiming {
    const base = this.options.timing?.[name] ?? REQUESTS[name].timing;
    const scale = this.options.timeScale ?? 1;
    return {
      timeoutMs: base.timeoutMs * scale,
      retries: base.retries,
      adaptive: base.adaptive && this.options.adaptive !== false,
      firstRetransmitMs: base.firstRetransmitMs * scale,
      minWaitMs: base.minWaitMs * scale,
    };
  }

  /**
   * How long a request may go without any reply before the link counts as dead: the docs'
   * (1 + retries) tries of timeoutMs, after the time `work` units take at the measured pace.
   * Callers that retry themselves (upload, stream) use it too.
   */
  deadLinkMs(name: RequestName, work = 0): number {
    const timing = this.timingOf(name);
    return (1 + timing.retries) * timing.timeoutMs + this.expectedWorkMs(name, work);
  }

  /** The round trip `work` units of this request take at the pace measured so far (0 before). */
  expectedWorkMs(name: RequestName, work: number): number {
    return this.timingOf(name).adaptive ? this.roundTrip(name).expectedMs(work) : 0;
  }

  /** Whether a round trip of this request has been measured (a stream probes the pace first). */
  measured(name: RequestName): boolean {
    return this.roundTrip(name).measured;
  }

  /**
   * The wait before asking again after `silentTries` tries without a reply: the docs' timeout, or
   * for adaptive requests the round-trip estimate's for `work` units (round-trip.ts), at most the
   * docs' timeout past the expected work, and at least the timing's minWaitMs.
   */
  retransmitMs(
    name: RequestName,
    timeoutMs: number = this.timingOf(name).timeoutMs,
    silentTries = 0,
    work = 1,
  ): number {
    const timing = this.timingOf(name);
    if (!timing.adaptive) return timeoutMs;
    const rt = this.roundTrip(name);
    const estimate = rt.retransmitMs(timing.firstRetransmitMs, silentTries, work);
    return Math.min(timeoutMs + rt.expectedMs(work), Math.max(timing.minWaitMs, estimate));
  }

  /**
   * Sends a request and waits for its reply, asking again after each timeout (the same seq, so a
   * late reply to an earlier try still counts, and the board knows a repeat). Throws
   * LinkTimeoutError when no reply came within (1 + retries) x the timeout.
   */
  request<N extends RequestName>(
    name: N,
    payload: Uint8Array = EMPTY,
    options: SendOptions = {},
  ): Promise<DeviceResult<ReplyOf[N]>> {
    if (this.closedBy) return Promise.reject(this.closedBy);
    const timing = this.timingOf(name);
    const seq = this.allocateSeq();
    // A leading 0x00 too: it ends whatever partial frame line noise left in the board's receiver,
    // so a lost delimiter costs one frame, not two (an empty frame is ignored without counting).
    const wire = withLeadingDelimiter(encodeFrame(REQUESTS[name].type, seq, payload));
    const timeoutMs = options.timeoutMs ?? this.scaledTimeout(timing.timeoutMs, wire.length, options);
    const retries = options.retries ?? timing.retries;
    const adaptive = timing.adaptive && options.timeoutMs === undefined;
    const single = options.single === true;
    const work = Math.max(1, options.work ?? 1);
    const now = performance.now();
    // One try (send): wait the adaptive retransmission time, the caller decides what comes next.
    const deadline = single
      ? now + (adaptive ? this.retransmitMs(name, timeoutMs, 0, work) : timeoutMs)
      : now + (1 + retries) * timeoutMs + (adaptive ? this.expectedWorkMs(name, work) : 0);
    return new Promise<DeviceResult<unknown>>((resolve, reject) => {
      const entry: Pending = {
        name,
        seq,
        wire,
        timeoutMs,
        deadline,
        maxTries: single ? 1 : adaptive ? MAX_ADAPTIVE_TRIES : 1 + retries,
        adaptive,
        work,
        tries: 0,
        firstSentAt: now,
        sentAt: now,
        timer: undefined,
        resolve,
        reject,
      };
      this.pending.set(seq, entry);
      this.transmit(entry);
    }) as Promise<DeviceResult<ReplyOf[N]>>;
  }

  /**
   * One try, no retry, with the adaptive wait: the stream's go-back-N and the upload's chunk sizing
   * decide themselves what to send again (and use deadLinkMs for when to give up).
   */
  send<N extends RequestName>(
    name: N,
    payload: Uint8Array,
    options: Omit<SendOptions, 'retries' | 'single'> = {},
  ): Promise<DeviceResult<ReplyOf[N]>> {
    return this.request(name, payload, { ...options, single: true });
  }

  // ----- the requests, typed -----

  async hello(): Promise<HelloInfo> {
    const result = await this.request('HELLO');
    if (!result.ok) {
      throw new ProtocolError(`the board answered HELLO with ${result.error.name} (${result.error.message})`);
    }
    this.info = result.reply;
    return result.reply;
  }

  uploadBegin(size: number, crc32: number): Promise<DeviceResult<ReplyOf['UPLOAD_BEGIN']>> {
    return this.request('UPLOAD_BEGIN', encodeUploadBegin(size, crc32));
  }

  uploadChunk(offset: number, data: Uint8Array): Promise<DeviceResult<ReplyOf['UPLOAD_CHUNK']>> {
    return this.request('UPLOAD_CHUNK', encodeUploadChunk(offset, data));
  }

  uploadEnd(): Promise<DeviceResult<ReplyOf['UPLOAD_END']>> {
    return this.request('UPLOAD_END');
  }

  commit(): Promise<DeviceResult<ReplyOf['COMMIT']>> {
    return this.request('COMMIT');
  }

  rollback(): Promise<DeviceResult<ReplyOf['ROLLBACK']>> {
    return this.request('ROLLBACK');
  }

  streamStart(report: number, spikeLayer: number): Promise<DeviceResult<ReplyOf['STREAM_START']>> {
    return this.request('STREAM_START', encodeStreamStart(report, spikeLayer));
  }

  streamStop(): Promise<DeviceResult<ReplyOf['STREAM_STOP']>> {
    return this.request('STREAM_STOP');
  }

  /** Stops listening and closes the transport. Requests in flight fail with LinkClosedError. */
  async close(): Promise<void> {
    this.fail(new LinkClosedError(`${this.transport.description} closed by the host`));
    this.detach();
    await this.transport.close();
  }

  // ----- internals -----

  private scaledTimeout(baseMs: number, requestBytes: number, options: SendOptions): number {
    const bytesPerSecond = this.transport.bytesPerSecond;
    if (!bytesPerSecond) return baseMs;
    const bytes = requestBytes + REPLY_ALLOWANCE_BYTES + (options.extraReplyBytes ?? 0);
    return baseMs + Math.ceil((bytes * 1000) / bytesPerSecond) * (this.options.timeScale ?? 1);
  }

  /** The next seq that no request in flight uses. */
  private allocateSeq(): number {
    for (let i = 0; i < 256; i++) {
      const seq = this.nextSeq;
      this.nextSeq = (this.nextSeq + 1) & 0xff;
      if (!this.pending.has(seq)) return seq;
    }
    // Every seq waits for a reply: on a noisy line a stream's go-back-N can send faster than its
    // frames time out. The oldest one-try request gives its seq up, timed out early: its sender
    // (the stream, the upload) sends again what still matters, as after any timeout.
    let oldest: Pending | undefined;
    for (const entry of this.pending.values()) {
      if (entry.maxTries === 1 && (!oldest || entry.sentAt < oldest.sentAt)) oldest = entry;
    }
    if (!oldest) throw new Error('256 requests in flight');
    if (oldest.timer) clearTimeout(oldest.timer);
    this.pending.delete(oldest.seq);
    this.stats.timeouts++;
    oldest.reject(new LinkTimeoutError(oldest.name, oldest.tries, performance.now() - oldest.firstSentAt));
    return oldest.seq;
  }

  private transmit(entry: Pending): void {
    entry.tries++;
    entry.sentAt = performance.now();
    this.stats.requestsSent++;
    if (entry.tries > 1) this.stats.retries++;
    this.traceFrame(
      'Tx',
      REQUESTS[entry.name].type,
      entry.seq,
      entry.wire,
      entry.tries > 1 ? ' (retry)' : '',
    );
    try {
      this.writeRaw(entry.wire);
    } catch (error) {
      this.pending.delete(entry.seq);
      entry.reject(error as Error);
      return;
    }
    // The last try waits up to the deadline, so a slow reply still counts.
    const left = entry.deadline - entry.sentAt;
    const wait =
      entry.adaptive && entry.tries < entry.maxTries
        ? Math.min(left, this.retransmitMs(entry.name, entry.timeoutMs, entry.tries - 1, entry.work))
        : left;
    entry.timer = setTimeout(
      () => {
        entry.timer = undefined;
        this.stats.timeouts++;
        if (entry.adaptive && entry.maxTries === 1) this.roundTrip(entry.name).timedOut();
        const now = performance.now();
        if (entry.tries < entry.maxTries && now < entry.deadline - 1) {
          this.transmit(entry);
          return;
        }
        this.pending.delete(entry.seq);
        entry.reject(new LinkTimeoutError(entry.name, entry.tries, now - entry.firstSentAt));
      },
      entry.adaptive ? wait : Math.min(left, entry.timeoutMs),
    );
  }

  private roundTrip(name: RequestName): RoundTripEstimate {
    let rt = this.roundTrips.get(name);
    if (!rt) this.roundTrips.set(name, (rt = new RoundTripEstimate()));
    return rt;
  }

  private writeRaw(bytes: Uint8Array): void {
    if (this.closedBy) throw this.closedBy;
    this.transport.write(bytes);
  }

  private receive(bytes: Uint8Array): void {
    for (const frame of this.decoder.push(bytes)) this.dispatch(frame);
  }

  private dispatch(frame: Frame): void {
    if (frame.type === MessageType.RESULT) {
      this.stats.results++;
      if (this.options.trace) this.traceFrame('Rx', frame.type, frame.seq, frame.payload, '');
      for (const listener of [...this.resultListeners]) listener(frame);
      return;
    }
    const entry = this.pending.get(frame.seq);
    const isError = frame.type === MessageType.ERROR;
    const answers =
      entry !== undefined &&
      (isError ? frame.payload[0] === REQUESTS[entry.name].type : isReplyTo(entry.name, frame.type));
    this.traceFrame('Rx', frame.type, frame.seq, frame.payload, answers ? '' : ' (stale, dropped)');
    if (!entry || !answers) {
      this.stats.staleReplies++;
      return;
    }
    this.pending.delete(frame.seq);
    if (entry.timer) clearTimeout(entry.timer);
    // Karn: only a request sent once gives an unambiguous round trip.
    if (entry.tries === 1) this.roundTrip(entry.name).sample(performance.now() - entry.sentAt, entry.work);
    else this.roundTrip(entry.name).answered();
    try {
      if (isError) entry.resolve({ ok: false, error: decodeError(frame.payload) });
      else entry.resolve({ ok: true, reply: REQUESTS[entry.name].decode(frame.payload) });
    } catch (error) {
      entry.reject(
        error instanceof ProtocolError
          ? new ProtocolError(`reply to ${entry.name}: ${error.message}`)
          : (error as Error),
      );
    }
  }

  private fail(reason: Error): void {
    if (!this.closedBy) this.closedBy = reason;
    for (const entry of this.pending.values()) {
      if (entry.timer) clearTimeout(entry.timer);
      entry.reject(this.closedBy);
    }
    this.pending.clear();
  }

  private detach(): void {
    for (const unsubscribe of this.unsubscribe.splice(0)) unsubscribe();
  }

  private traceFrame(
    direction: 'Tx' | 'Rx',
    type: number,
    seq: number,
    bytes: Uint8Array,
    note: string,
  ): void {
    this.options.trace?.(`[${direction}] ${describeType(type)} seq ${seq}${note}: ${hex(bytes)}`);
  }
}
