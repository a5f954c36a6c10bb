/**
 * A serial port (or a pseudo-terminal) through serialport 13. Only open, read, write and close:
 * on a pty the modem-line calls set()/get() fail, and the protocol needs no modem lines.
 */

import { SerialPort } from 'serialport';
import { LinkClosedError } from './errors.js';
import { TransportEvents, type Transport } from './transport.js';

export const DEFAULT_BAUD_RATE = 115200;
/** A UART sends 10 bits per byte (start, 8 data, stop). */
const BITS_PER_BYTE = 10;

export class SerialTransport implements Transport {
  readonly description: string;
  readonly bytesPerSecond: number;
  private readonly events = new TransportEvents();

  private constructor(
    private readonly port: SerialPort,
    path: string,
    baudRate: number,
  ) {
    this.description = path;
    this.bytesPerSecond = baudRate / BITS_PER_BYTE;
    port.on('data', (data: Buffer) => this.events.emitData(new Uint8Array(data)));
    port.on('close', (error?: Error | null) =>
      this.events.emitClose(error ? new LinkClosedError(`${path} went away (${error.message})`) : undefined),
    );
    // After open, errors (a failed write, a vanished device) end the link.
    port.on('error', (error: Error) => {
      this.events.emitClose(new LinkClosedError(`${path}: ${error.message}`));
      if (port.isOpen) port.close(() => undefined);
    });
  }

  /** Opens `path`; a port that cannot be opened is a LinkClosedError naming the reason. */
  static open(path: string, options: { baudRate?: number | undefined } = {}): Promise<SerialTransport> {
    const baudRate = options.baudRate ?? DEFAULT_BAUD_RATE;
    return new Promise((resolve, reject) => {
      const port = new SerialPort({ path, baudRate, autoOpen: false });
      port.open((error) => {
        if (error) {
          const code = (error as NodeJS.ErrnoException).code;
          const why = /ENOENT|No such file/.test(`${code} ${error.message}`)
            ? 'no such port'
            : /EBUSY|lock/i.test(`${code} ${error.message}`)
              ? `in use by another program (${error.message})`
              : error.message;
          reject(new LinkClosedError(`cannot open ${path}: ${why}`));
          return;
        }
        // Bytes a board sent while nobody listened (stale replies, a previous session's RESULTs)
        // are dropped: tcflush. Where that fails, the client's seq matching drops them instead.
        port.flush(() => resolve(new SerialTransport(port, path, baudRate)));
      });
    });
  }

  get closed(): boolean {
    return this.events.closed;
  }

  write(bytes: Uint8Array): void {
    if (this.closed) throw new LinkClosedError(`${this.description} is closed`);
    this.port.write(Buffer.from(bytes));
  }

  onData(listener: (bytes: Uint8Array) => void): () => void {
    return this.events.onData(listener);
  }

  onClose(listener: (reason?: Error) => void): () => void {
    return this.events.onClose(listener);
  }

  close(): Promise<void> {
    this.events.emitClose();
    if (!this.port.isOpen) return Promise.resolve();
    return new Promise((resolve) => this.port.close(() => resolve()));
  }
}

export interface PortListing {
  path: string;
  manufacturer?: string;
  serialNumber?: string;
  vendorId?: string;
  productId?: string;
}

/**
 * The serial ports the OS knows. On Linux serialport lists them by running `udevadm`; where that is
 * missing (containers, bare machines) the listing fails, which is reported as no ports plus why.
 */
export async function listPorts(): Promise<{ ports: PortListing[]; problem?: string }> {
  try {
    const ports = await SerialPort.list();
    return {
      ports: ports.map((p) => ({
        path: p.path,
        ...(p.manufacturer ? { manufacturer: p.manufacturer } : {}),
        ...(p.serialNumber ? { serialNumber: p.serialNumber } : {}),
        ...(p.vendorId ? { vendorId: p.vendorId } : {}),
        ...(p.productId ? { productId: p.productId } : {}),
      })),
    };
  } catch (error) {
    const message = (error as Error).message;
    const problem = /udevadm/.test(message)
      ? 'port listing needs udevadm, which this machine lacks'
      : `port listing failed: ${message}`;
    return { ports: [], problem };
  }
}
