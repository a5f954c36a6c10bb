/**
 * `hetsyn flash MODEL --port P [--port P2 ...]`: validate a model on the host, then upload, verify
 * and commit it on one or more boards at once, resuming after a disconnect.
 *
 * The model is loaded into the host's own copy of the engine first: a file the engine refuses never
 * reaches a board. Each board then gets the protocol's upload (host/protocol/upload.ts); when its
 * link drops, the port is reopened with growing pauses and the upload continues at the offset the
 * board reports. At the end each board's line says model, size, CRC and slot; a failure says what
 * the board is left running.
 */

import { Command } from 'commander';
import cliProgress from 'cli-progress';
import { CliError, ExitCode } from '../cli/exit-codes.js';
import { bytes, printJson } from '../cli/format.js';
import { loadModel } from '../wasm/load-model.js';
import { parseIntInRange } from '../cli/options.js';
import { openBoard, traceOptions, type ConnectionOptions } from '../cli/board-connection.js';
import { asCliError, refusedError } from '../cli/board-errors.js';
import { baudOption, portOption, traceOption } from '../cli/board-options.js';
import { boardStateNote } from '../cli/board-state.js';
import { isLostLink, withReconnects, type Attempt } from '../cli/reconnect.js';
import { BoardClient } from '../protocol/client.js';
import { LinkError } from '../transport/errors.js';
import { QUICK_REPLY } from '../protocol/reply-timing.js';
import { flashModel, type FlashOutcome, type UploadProgress } from '../protocol/upload.js';
import { hex32 } from '../model/crc32.js';
import { SerialTransport } from '../transport/serial.js';

/** Reconnects per board after its link dropped, before giving up. */
export const MAX_RECONNECTS = 5;
/** The pause before the first reconnect; each further one doubles, up to the cap. */
const FLASH_FIRST_PAUSE_MS = 500;
/** Plain progress lines (stderr not a terminal): at most one per board per this interval. */
const PLAIN_PROGRESS_INTERVAL_MS = 1000;

export interface FlashPortOptions extends ConnectionOptions {
  maxReconnects?: number;
  firstPauseMs?: number;
  onProgress?: (progress: UploadProgress) => void;
  /** Reconnect notes and the like. */
  onNote?: (line: string) => void;
}

export type FlashedBoard = Extract<FlashOutcome, { ok: true }> & { port: string; reconnects: number };

/** Asks a board on `port` what it runs, on a fresh connection; never throws. */
async function askState(port: string, options: ConnectionOptions): Promise<string> {
  let client: BoardClient | undefined;
  try {
    client = await openBoard(port, options, { timing: { HELLO: { ...QUICK_REPLY, retries: 1 } } });
    return await boardStateNote(client);
  } catch (error) {
    return `The board could not be asked what it runs now (${(error as Error).message}).`;
  } finally {
    await client?.close().catch(() => undefined);
  }
}

/**
 * The command's core for one board: flash `model` on `port`, reopening the port after a link
 * failure (up to maxReconnects) and resuming. Throws a CliError (exit 5 or 6) when it gives up.
 */
export async function flashPort(
  port: string,
  model: Uint8Array,
  options: FlashPortOptions = {},
): Promise<FlashedBoard> {
  const maxReconnects = options.maxReconnects ?? MAX_RECONNECTS;
  // The board's generation when this flash began: after a reconnect, a newer one running this
  // model means the COMMIT of a dropped connection went through.
  let sinceGeneration: number | undefined;
  let reconnects = 0;
  const flashOnce = async ({ retry }: Attempt): Promise<FlashedBoard> => {
    reconnects = retry;
    let transport: SerialTransport | undefined;
    let client: BoardClient | undefined;
    try {
      try {
        transport = await SerialTransport.open(port, { baudRate: options.baud });
      } catch (error) {
        // A port that never opened is a wrong path, not a lost link: no waiting for it.
        if (sinceGeneration === undefined) throw asCliError(`open ${port}`, error);
        throw error;
      }
      client = await BoardClient.connect(transport, traceOptions(port, options));
      const uploadOptions = sinceGeneration === undefined ? {} : { sinceGeneration };
      sinceGeneration ??= client.info?.generation;
      const outcome = await flashModel(client, model, options.onProgress, uploadOptions);
      if (!outcome.ok) {
        const state = await boardStateNote(client);
        throw refusedError(`${outcome.action} on ${port}`, outcome.error, state);
      }
      return { ...outcome, port, reconnects: retry };
    } finally {
      await (client ?? transport)?.close().catch(() => undefined);
    }
  };
  try {
    return await withReconnects(flashOnce, {
      firstPauseMs: options.firstPauseMs ?? FLASH_FIRST_PAUSE_MS,
      maxRetries: maxReconnects,
      onRetry: (error, pauseMs, retry) =>
        options.onNote?.(
          `${port}: ${error.message}; reconnecting in ${(pauseMs / 1000).toFixed(1)} s (${retry} of ${maxReconnects})`,
        ),
    });
  } catch (error) {
    if (!(error instanceof LinkError)) throw error;
    const state = await askState(port, options);
    const resume = isLostLink(error)
      ? ' Flashing the same file again continues where the board stands (from the start if it restarted).'
      : '';
    throw asCliError(
      `flash ${port}${reconnects > 0 ? ` (after ${reconnects} reconnect${reconnects === 1 ? '' : 's'})` : ''}`,
      error,
      state + resume,
    );
  }
}

/** Progress on stderr: one bar per board on a terminal, else a line per board and second. */
interface ProgressView {
  update(port: string, progress: UploadProgress): void;
  note(line: string): void;
  stop(): void;
}

function formatRate(bytesPerSecond: number): string {
  if (!Number.isFinite(bytesPerSecond) || bytesPerSecond <= 0) return '-';
  return bytesPerSecond >= 1024
    ? `${(bytesPerSecond / 1024).toFixed(1)} KiB/s`
    : `${Math.round(bytesPerSecond)} B/s`;
}

function progressView(ports: string[]): ProgressView {
  const started = new Map<string, { at: number; from: number }>();
  const rate = (port: string, p: UploadProgress): number => {
    let s = started.get(port);
    // A new attempt (after a reconnect) starts where the board stands: time it from there.
    if (!s || p.offset === p.resumedFrom || p.offset < s.from) {
      s = { at: performance.now(), from: p.offset };
      started.set(port, s);
    }
    const seconds = (performance.now() - s.at) / 1000;
    return seconds > 0 ? (p.offset - s.from) / seconds : 0;
  };
  const width = Math.max(...ports.map((p) => p.length));

  if (process.stderr.isTTY) {
    const multi = new cliProgress.MultiBar(
      {
        format: '{port} |{bar}| {percentage}% {done} of {size}, {speed}, ETA {eta_formatted}',
        stream: process.stderr,
        hideCursor: true,
        clearOnComplete: false,
        etaBuffer: 20,
      },
      cliProgress.Presets.shades_classic,
    );
    const bars = new Map<string, cliProgress.SingleBar>();
    return {
      update(port, p) {
        const payload = {
          port: port.padEnd(width),
          done: bytes(p.offset),
          size: bytes(p.size),
          speed: formatRate(rate(port, p)),
        };
        let bar = bars.get(port);
        if (!bar) {
          bar = multi.create(p.size, p.offset, payload);
          bars.set(port, bar);
        }
        bar.update(p.offset, payload);
      },
      note: (line) => multi.log(`${line}\n`),
      stop: () => multi.stop(),
    };
  }
  const last = new Map<string, number>();
  return {
    update(port, p) {
      const now = performance.now();
      const previous = last.get(port);
      if (previous !== undefined && p.offset < p.size && now - previous < PLAIN_PROGRESS_INTERVAL_MS) return;
      last.set(port, now);
      const percent = p.size === 0 ? 100 : Math.floor((100 * p.offset) / p.size);
      const resumed =
        p.resumedFrom > 0 && p.offset === p.resumedFrom ? ` (resuming at ${bytes(p.resumedFrom)})` : '';
      process.stderr.write(
        `${port}: ${percent}% ${bytes(p.offset)} of ${bytes(p.size)}, ${formatRate(rate(port, p))}${resumed}\n`,
      );
    },
    note: (line) => process.stderr.write(`${line}\n`),
    stop: () => undefined,
  };
}

/** The per-board line at the end; crc is the model hash (the .hsm's own CRC-32). */
function describeFlashed(name: string, board: FlashedBoard): string {
  const how = board.committedEarlier
    ? ' (committed before the link dropped)'
    : board.resumedFrom > 0
      ? ` (resumed at ${bytes(board.resumedFrom)})`
      : '';
  return (
    `${board.port}: ${name || '(unnamed)'}, ${bytes(board.size)}, crc 0x${hex32(board.crc32)}, ` +
    `slot ${board.slot}, generation ${board.generation}${how}`
  );
}

interface FlashOpts {
  port: string[];
  json?: boolean;
  baud: number;
  trace?: boolean;
  reconnects: number;
}

export function flashCommand(): Command {
  return new Command('flash')
    .description(
      'validate a model, then upload, verify and commit it on one or more boards (resumes after a disconnect)',
    )
    .argument('<model>', '.hsm model file')
    .addOption(portOption('serial port of a board; repeat for several boards, flashed in parallel', true))
    .option('--json', 'print one JSON object per board at the end (an array)')
    .option(
      '--reconnects <n>',
      'reopen a lost port this many times before giving up',
      parseIntInRange(0, 100),
      MAX_RECONNECTS,
    )
    .addOption(baudOption())
    .addOption(traceOption())
    .action(async (modelPath: string, opts: FlashOpts) => {
      const { info, bytes: model } = loadModel(modelPath); // exit 4 before any board is touched
      const ports = [...new Set(opts.port)];
      const view = progressView(ports);
      const results = await Promise.allSettled(
        ports.map((port) =>
          flashPort(port, model, {
            baud: opts.baud,
            trace: opts.trace === true,
            maxReconnects: opts.reconnects,
            onProgress: (p) => view.update(port, p),
            onNote: (line) => view.note(line),
          }),
        ),
      );
      view.stop();
      const flashed = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      const failed = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
      if (opts.json) {
        printJson(
          results.map((r, i) =>
            r.status === 'fulfilled'
              ? { model: info.name, ...r.value }
              : { port: ports[i], ok: false, error: (r.reason as Error).message },
          ),
        );
      } else {
        for (const board of flashed) process.stdout.write(describeFlashed(info.name, board) + '\n');
      }
      if (failed.length === 0) return;
      if (failed.length === 1 && ports.length === 1) throw failed[0];
      const cliErrors = failed.filter((e): e is CliError => e instanceof CliError);
      if (cliErrors.length !== failed.length) throw failed.find((e) => !(e instanceof CliError));
      const code = cliErrors.some((e) => e.exitCode === ExitCode.refused) ? ExitCode.refused : ExitCode.link;
      throw new CliError(
        `${failed.length} of ${ports.length} boards failed:\n` +
          cliErrors.map((e) => `  ${e.message.replace(/\n/g, '\n    ')}`).join('\n'),
        code,
      );
    });
}
