/**
 * `hetsyn info --port P`: what a board reports about itself (INFO, the reply to HELLO).
 */

import { Command } from 'commander';
import { readBoardInfo } from '../cli/board-connection.js';
import { baudOption, portOption, traceOption } from '../cli/board-options.js';
import { describeActiveModel } from '../cli/board-state.js';
import { bytes, count, printJson } from '../cli/format.js';
import type { HelloInfo } from '../protocol/messages.js';
import type { FrontendConfig } from '../model/frontend-config.js';

function frontendText(f: FrontendConfig): string {
  return `${f.sampleRateHz} Hz through the model's front-end (${f.bands} bands, ${f.windowMs} ms window, ${f.hopMs} ms hop)`;
}

export function describeInfo(port: string, info: HelloInfo): string {
  const c = info.counters;
  const state = info.streaming
    ? 'streaming'
    : info.uploading
      ? `upload in progress: ${bytes(info.uploadOffset)} of ${bytes(info.uploadSize)}`
      : info.listening
        ? 'listening on its own (to its microphone, until a host starts a stream)'
        : 'idle';
  const rows: [string, string][] = [
    ['board', port],
    [
      'protocol',
      `${info.protocolVersion} (board ABI ${info.abiVersion}, engine ${info.engineVersion}, .hsm format ${info.formatVersion})`,
    ],
    ['max frame', bytes(info.maxFrame)],
    ['storage', `2 slots of ${bytes(info.storageBytes)}`],
    ['model', describeActiveModel(info)],
    ['state', state],
    ['audio', info.frontend ? frontendText(info.frontend) : 'no front-end: spike input only'],
    [
      'counters',
      `frames ok ${count(c.framesOk)}, bad frames ${count(c.badFrames)}, overruns ${count(c.overruns)}, ` +
        `unknown types ${count(c.unknownTypes)}, bad requests ${count(c.badRequests)}, results dropped ${count(c.resultsDropped)}`,
    ],
  ];
  return keyValues(rows);
}

/** Two columns: keys padded to one width, values as they are. */
export function keyValues(rows: [string, string][]): string {
  const width = Math.max(...rows.map(([key]) => key.length));
  return rows.map(([key, value]) => `${key.padEnd(width)}  ${value}`).join('\n');
}

export function infoCommand(): Command {
  return new Command('info')
    .description(
      'ask a board what it is and runs: versions, max frame, storage, active model, error counters',
    )
    .addOption(portOption('serial port of the board (e.g. /dev/ttyACM0, or the path `hetsyn board` printed)'))
    .option('--json', 'print INFO as one JSON object')
    .addOption(baudOption())
    .addOption(traceOption())
    .action(async (opts: { port: string; json?: boolean; baud: number; trace?: boolean }) => {
      const info = await readBoardInfo(opts.port, { baud: opts.baud, trace: opts.trace === true });
      if (opts.json) printJson({ port: opts.port, ...info });
      else process.stdout.write(describeInfo(opts.port, info) + '\n');
    });
}
