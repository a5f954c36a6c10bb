/**
 * A Web Serial port (Chromium, Edge) as a Transport: the studio page's link to a board, under the
 * same BoardClient, upload and stream code as the CLI's SerialTransport. Only the parts of the W3C
 * SerialPort it uses are typed here (TypeScript's DOM library has no Web Serial), so a test can
 * hand it any object with web streams.
 */

import { LinkClosedError } from '../transport/errors.js';
import { TransportEvents, type Transport } from '../transport/transport.js';

export const DEFAULT_BAUD_RATE = 115200;
/** A UART sends 10 bits per byte (start, 8 data, stop). */
const BITS_PER_BYTE = 10;

/** What this transport needs of a W3C SerialPort. */
export interface SerialPortLike {
  open(options: { baudRate: number }): Promise<void>;
  close(): Promise<void>;
  readonly readable: ReadableStream<Uint8Array> | null;
  readonly writable: WritableStream<Uint8Array> | null;
  getInfo?(): { usbVendorId?: number; usbProductId?: number };
}

const hex4 = (n: number): string => n.toString(16).padStart(4, '0');

/** "Web Serial USB 2e8a:000a", or "Web Serial port" when the port says nothing about itself. */
function describePort(port: SerialPortLike): string {
  const info = port.getInfo?.() ?? {};
  return info.usbVendorId !== undefined && info.usbProductId !== undefined
    ? `Web Serial USB ${hex4(info.usbVendorId)}:${hex4(info.usbProductId)}`
    : 'Web Serial port';
}

export class WebSerialTransport implements Transport {
  readonly description: string;
  readonly bytesPerSecond: number;
  private readonly events = new TransportEvents();
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly writer: WritableStreamDefaultWriter<Uint8Array>;
  /** Writes go out one after another; write() only queues. */
  private writing: Promise<void> = Promise.resolve();
  private readonly reading: Promise<void>;
  private portClosed = false;

  private constructor(
    private readonly port: SerialPortLike,
    baudRate: number,
  ) {
    this.description = describePort(port);
    this.bytesPerSecond = baudRate / BITS_PER_BYTE;
    if (!port.readable || !port.writable) throw new LinkClosedError(`${this.description} has no streams`);
    this.reader = port.readable.getReader();
    this.writer = port.writable.getWriter();
    this.reading = this.readLoop();
  }

  /**
   * Opens the port at `baudRate`; one that cannot be opened is a LinkClosedError naming the reason.
   * Unlike the CLI's port, stale bytes cannot be flushed first: the client's seq matching drops them.
   */
  static async open(port: SerialPortLike, options: { baudRate?: number } = {}): Promise<WebSerialTransport> {
    const baudRate = options.baudRate ?? DEFAULT_BAUD_RATE;
    try {
      await port.open({ baudRate });
    } catch (error) {
      throw new LinkClosedError(`cannot open ${describePort(port)}: ${(error as Error).message}`);
    }
    return new WebSerialTransport(port, baudRate);
  }

  private async readLoop(): Promise<void> {
    try {
      for (;;) {
        const { value, done } = await this.reader.read();
        if (done) break;
        if (value && value.length > 0) this.events.emitData(value);
      }
      this.events.emitClose(new LinkClosedError(`${this.description} went away`));
    } catch (error) {
      // A read error (the device was unplugged, a framing or buffer overrun error) ends the link.
      this.events.emitClose(new LinkClosedError(`${this.description}: ${(error as Error).message}`));
    } finally {
      this.reader.releaseLock();
    }
  }

  get closed(): boolean {
    return this.events.closed;
  }

  write(bytes: Uint8Array): void {
    if (this.closed) throw new LinkClosedError(`${this.description} is closed`);
    const copy = Uint8Array.from(bytes);
    this.writing = this.writing
      .then(() => this.writer.write(copy))
      .catch((error: unknown) => {
        this.events.emitClose(new LinkClosedError(`${this.description}: ${(error as Error).message}`));
      });
  }

  onData(listener: (bytes: Uint8Array) => void): () => void {
    return this.events.onData(listener);
  }

  onClose(listener: (reason?: Error) => void): () => void {
    return this.events.onClose(listener);
  }

  /** Closes the link: pending writes are let out, the reader cancelled, the port closed. */
  async close(): Promise<void> {
    const wasOpen = !this.closed;
    this.events.emitClose();
    if (!wasOpen && this.portClosed) return;
    this.portClosed = true;
    await this.writing;
    await this.reader.cancel().catch(() => undefined);
    await this.reading;
    await this.writer.close().catch(() => undefined);
    await this.port.close().catch(() => undefined);
  }
}
