/**
 * An in-memory transport pair for tests: what one end writes, the other receives, asynchronously
 * (on a later turn of the event loop, as from a real port). A filter per direction can drop,
 * corrupt or hold back bytes to script a bad link.
 */

import { LinkClosedError } from './errors.js';
import { TransportEvents, type Transport } from './transport.js';

/** Returns the bytes to deliver (possibly changed or empty). */
export type WireFilter = (bytes: Uint8Array) => Uint8Array;

export class MemoryTransport implements Transport {
  readonly description: string;
  private readonly events = new TransportEvents();
  private peer: MemoryTransport | undefined;
  private filter: WireFilter | undefined;

  private constructor(description: string) {
    this.description = description;
  }

  /** Two connected ends: [host, board]. */
  static pair(
    options: { hostToBoard?: WireFilter; boardToHost?: WireFilter } = {},
  ): [MemoryTransport, MemoryTransport] {
    const host = new MemoryTransport('memory');
    const board = new MemoryTransport('memory (board end)');
    host.peer = board;
    board.peer = host;
    host.filter = options.hostToBoard;
    board.filter = options.boardToHost;
    return [host, board];
  }

  /** Replaces the filter on what this end writes. */
  setFilter(filter: WireFilter | undefined): void {
    this.filter = filter;
  }

  get closed(): boolean {
    return this.events.closed;
  }

  write(bytes: Uint8Array): void {
    if (this.closed) throw new LinkClosedError(`${this.description} is closed`);
    const copy = Uint8Array.from(this.filter ? this.filter(bytes) : bytes);
    const peer = this.peer;
    if (copy.length === 0 || !peer) return;
    setImmediate(() => peer.events.emitData(copy));
  }

  onData(listener: (bytes: Uint8Array) => void): () => void {
    return this.events.onData(listener);
  }

  onClose(listener: (reason?: Error) => void): () => void {
    return this.events.onClose(listener);
  }

  /** Closes both ends, as an unplugged cable would. */
  close(): Promise<void> {
    const peer = this.peer;
    this.events.emitClose();
    if (peer && !peer.closed)
      setImmediate(() => peer.events.emitClose(new LinkClosedError('the other end closed')));
    return Promise.resolve();
  }
}
