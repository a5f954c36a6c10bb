/**
 * A byte link between host and board: a serial port, a pseudo-terminal, or an in-memory pair in
 * the tests. The protocol client sees only this interface.
 */

export interface Transport {
  /** What the link is, for messages: "/dev/ttyACM0", "memory". */
  readonly description: string;
  readonly closed: boolean;
  /**
   * Bytes per second the link carries (a UART at 115200 baud: 11520), so timeouts can grow with a
   * frame's size; undefined when the link is fast enough not to matter.
   */
  readonly bytesPerSecond?: number;
  /** Queues bytes for sending. Throws LinkClosedError once the link is closed. */
  write(bytes: Uint8Array): void;
  /** Calls `listener` with each piece of received bytes; returns a function that unsubscribes. */
  onData(listener: (bytes: Uint8Array) => void): () => void;
  /** Calls `listener` once when the link closes, by close() or from the other side (with a reason). */
  onClose(listener: (reason?: Error) => void): () => void;
  close(): Promise<void>;
}

/** Listener bookkeeping shared by the transports. */
export class TransportEvents {
  private readonly dataListeners = new Set<(bytes: Uint8Array) => void>();
  private readonly closeListeners = new Set<(reason?: Error) => void>();
  closed = false;

  onData(listener: (bytes: Uint8Array) => void): () => void {
    this.dataListeners.add(listener);
    return () => this.dataListeners.delete(listener);
  }

  onClose(listener: (reason?: Error) => void): () => void {
    if (this.closed) {
      queueMicrotask(() => listener());
      return () => undefined;
    }
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  emitData(bytes: Uint8Array): void {
    if (this.closed) return;
    for (const listener of [...this.dataListeners]) listener(bytes);
  }

  emitClose(reason?: Error): void {
    if (this.closed) return;
    this.closed = true;
    const listeners = [...this.closeListeners];
    this.closeListeners.clear();
    this.dataListeners.clear();
    for (const listener of listeners) listener(reason);
  }
}
