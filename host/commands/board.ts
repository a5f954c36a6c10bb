/**
 * `hetsyn board`: a virtual board on a pseudo-terminal. Prints the path to open on stdout (one
 * line, for scripts), logs on stderr, runs until Ctrl-C, SIGTERM, or the power cut it was asked
 * for. `--mic` gives it a microphone: a WAV file or raw PCM on standard input.
 */

import { Command, Option } from 'commander';
import { CliError, ExitCode } from '../cli/exit-codes.js';
import { bytes } from '../cli/format.js';
import { parseFraction, parseIntInRange } from '../cli/options.js';
import { describeStatus } from '../model/errors.js';
import {
  DEFAULT_STORAGE_PATH,
  startVirtualBoard,
  VirtualBoardError,
  type VirtualBoardOptions,
  type VirtualBoardEnd,
} from '../board/virtual-board.js';
import { openMicInput } from '../board/mic-input.js';
import { PtyUnavailableError } from '../transport/pty.js';
import { LinkError } from '../transport/errors.js';

interface BoardOpts {
  storage: string;
  slotBytes?: number;
  maxFrame?: number;
  drop: number;
  corrupt: number;
  powerCutAfter?: number;
  seed: number;
  link?: string;
  pty?: 'socat' | 'python3';
  boardLog: boolean;
  mic?: string;
  micFast?: boolean;
}

function note(line: string): void {
  process.stderr.write(`hetsyn board: ${line}\n`);
}

/** The command's core: runs a virtual board until it ends; resolves with how it ended. */
export async function runVirtualBoard(
  options: VirtualBoardOptions,
  onReady: (path: string) => void,
): Promise<VirtualBoardEnd> {
  let board;
  try {
    board = await startVirtualBoard(options);
  } catch (error) {
    if (error instanceof VirtualBoardError || error instanceof PtyUnavailableError) {
      throw new CliError(`Failed to start the virtual board: ${error.message}`, ExitCode.input);
    }
    if (error instanceof RangeError)
      throw new CliError(`Failed to open the storage: ${error.message}`, ExitCode.input);
    if (error instanceof LinkError)
      throw new CliError(`Failed to open the board's end of the pty: ${error.message}`, ExitCode.link);
    throw error;
  }
  const stop = (): void => void board.stop();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const init =
    board.initStatus === 0 ? 'ok' : `${describeStatus(board.initStatus).name} (stored model refused)`;
  options.log?.(
    `storage ${board.storagePath} (2 slots of ${bytes(board.slotBytes)}), max frame ${board.maxFrame} B, init ${init}`,
  );
  onReady(board.path);
  const end = await board.ended;
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);
  const s = board.stats;
  options.log?.(
    `${bytes(s.bytesIn)} in, ${bytes(s.bytesOut)} out` +
      (s.bytesDropped || s.bytesCorrupted
        ? `, ${s.bytesDropped} dropped, ${s.bytesCorrupted} corrupted`
        : '') +
      (options.mic ? `, ${s.micSamples} microphone samples taken` : ''),
  );
  return end;
}

export function boardCommand(): Command {
  return new Command('board')
    .description(
      'run a virtual board (build/hetsyn.wasm as a device) on a pseudo-terminal; prints the path to pass as --port',
    )
    .option('--storage <file>', 'model storage file (two slots; created when absent)', DEFAULT_STORAGE_PATH)
    .addOption(
      new Option('--slot-bytes <n>', 'bytes per slot for a new storage file (default 1 MiB)').argParser(
        parseIntInRange(1024, 1 << 30),
      ),
    )
    .addOption(
      new Option('--max-frame <n>', 'largest frame body the board accepts (default and most 512)').argParser(
        parseIntInRange(64, 512),
      ),
    )
    .option('--drop <p>', 'drop each byte with probability p (both directions)', parseFraction, 0)
    .option('--corrupt <p>', 'flip a bit in each byte with probability p (both directions)', parseFraction, 0)
    .addOption(
      new Option(
        '--power-cut-after <n>',
        'exit as a power loss the moment storage has taken n bytes of writes since this start (erases not counted; mid-write when a write crosses n)',
      ).argParser(parseIntInRange(0, 0x7fffffff)),
    )
    .option('--seed <s>', 'seed of the fault injection', parseIntInRange(0, 0xffffffff), 1)
    .option('--link <path>', 'also make a stable symlink to the port at this path (survives restarts)')
    .addOption(
      new Option('--pty <helper>', 'how to make the pty pair (default: socat if installed)').choices([
        'socat',
        'python3',
      ]),
    )
    .option('--no-board-log', "do not print the board's own log lines (board> ...) on stderr")
    .option(
      '--mic <file>',
      "the board's microphone: a WAV file (16-bit PCM at the model's rate), or - for raw S16LE mono PCM on stdin; it plays from the board's first read, in real time",
    )
    .option('--mic-fast', 'play the microphone as fast as the board reads it, not in real time')
    .action(async (opts: BoardOpts) => {
      if (opts.micFast && opts.mic === undefined)
        throw new CliError('--mic-fast needs --mic', ExitCode.usage);
      const mic = opts.mic === undefined ? undefined : openMicInput(opts.mic, process.stdin, note);
      if (mic) note(`microphone: ${mic.description}, ${opts.micFast ? 'as fast as read' : 'in real time'}`);
      const end = await runVirtualBoard(
        {
          storagePath: opts.storage,
          ...(opts.slotBytes === undefined ? {} : { slotBytes: opts.slotBytes }),
          ...(opts.maxFrame === undefined ? {} : { maxFrame: opts.maxFrame }),
          dropProbability: opts.drop,
          corruptProbability: opts.corrupt,
          ...(opts.powerCutAfter === undefined ? {} : { powerCutAfterBytes: opts.powerCutAfter }),
          seed: opts.seed,
          ...(opts.link ? { link: opts.link } : {}),
          ...(opts.pty ? { ptyVia: opts.pty } : {}),
          ...(mic
            ? {
                mic: {
                  queue: mic.queue,
                  paced: opts.micFast !== true,
                  ...(mic.sourceRateHz === undefined ? {} : { sourceRateHz: mic.sourceRateHz }),
                },
              }
            : {}),
          log: (line) => {
            if (line.startsWith('board> ')) {
              if (opts.boardLog) process.stderr.write(`${line}\n`);
            } else note(line);
          },
        },
        (path) => process.stdout.write(`${path}\n`),
      );
      switch (end.reason) {
        case 'stopped':
          note('stopped');
          return;
        case 'power-cut':
          note(`power cut after ${bytes(end.bytesWritten)} written to storage`);
          process.exit(ExitCode.powerCut);
          break;
        case 'failed':
          throw new CliError(`the virtual board stopped: ${end.error.message}`, ExitCode.link);
      }
    });
}
