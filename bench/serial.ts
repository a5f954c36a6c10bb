/**
 * The serial path, measured: `hetsyn board` (the .wasm behind a real pty, in its own process)
 * against the host's protocol client in this process. Flashing: model bytes per byte on the wire
 * (both directions) and throughput; streaming: sustained steps per second with no result lost,
 * and the round trip of each SPIKES frame (send to ack), p50 and p99.
 */

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BoardClient } from '../host/protocol/client.js';
import { flashModel } from '../host/protocol/upload.js';
import { runStream } from '../host/protocol/stream.js';
import { SerialTransport } from '../host/transport/serial.js';
import type { Transport } from '../host/transport/transport.js';

const CLI = fileURLToPath(new URL('../host/cli.js', import.meta.url));

export interface SerialBench {
  flashPayloadEfficiency: number;
  flashKibPerS: number;
  streamStepsPerS: number;
  streamRttMsP50: number;
  streamRttMsP99: number;
  streamResultsLost: number;
}

/** Counts the bytes a transport carries each way, for the payload efficiency. */
function counting(inner: Transport): { transport: Transport; bytes: () => number } {
  let total = 0;
  inner.onData((bytes) => (total += bytes.length));
  const transport: Transport = {
    description: inner.description,
    get closed() {
      return inner.closed;
    },
    write(bytes) {
      total += bytes.length;
      inner.write(bytes);
    },
    onData: (listener) => inner.onData(listener),
    onClose: (listener) => inner.onClose(listener),
    close: () => inner.close(),
  };
  return { transport, bytes: () => total };
}

function startBoard(storage: string): Promise<{ port: string; stop: () => void }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'board', '--storage', storage, '--no-board-log'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n'))
        resolve({ port: out.trim().split('\n')[0] ?? '', stop: () => child.kill('SIGTERM') });
    });
    child.on('exit', (code) => reject(new Error(`hetsyn board exited (${code})`)));
  });
}

export async function benchSerial(model: Uint8Array, steps: number[][]): Promise<SerialBench> {
  const dir = mkdtempSync(join(tmpdir(), 'hetsyn-bench-serial-'));
  const board = await startBoard(join(dir, 'board.bin'));
  try {
    const serial = await SerialTransport.open(board.port, {});
    const link = counting(serial);
    const client = await BoardClient.connect(link.transport);
    const before = link.bytes();
    const t0 = performance.now();
    const outcome = await flashModel(client, model);
    const flashMs = performance.now() - t0;
    if (!outcome.ok) throw new Error(`bench flash failed: ${outcome.action}`);
    const wire = link.bytes() - before;

    const t1 = performance.now();
    const { summary } = await runStream(client, { steps }, { scores: true });
    const streamMs = performance.now() - t1;
    if (!summary.ok) throw new Error('bench stream failed');
    await client.close();
    return {
      flashPayloadEfficiency: model.length / wire,
      flashKibPerS: model.length / 1024 / (flashMs / 1000),
      streamStepsPerS: summary.stats.steps / (streamMs / 1000),
      streamRttMsP50: summary.stats.latencyMs.p50 ?? NaN,
      streamRttMsP99: summary.stats.latencyMs.p99 ?? NaN,
      streamResultsLost: summary.stats.resultsLost,
    };
  } finally {
    board.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
