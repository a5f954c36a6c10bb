/** The options every board command shares: --baud, --trace and, for streaming, --window. */

import { Option } from 'commander';
import { DEFAULT_WINDOW } from '../protocol/stream.js';
import { DEFAULT_BAUD_RATE } from '../transport/serial.js';
import { parseIntInRange } from './options.js';

export function baudOption(): Option {
  return new Option('--baud <rate>', 'baud rate (a pseudo-terminal ignores it)')
    .argParser(parseIntInRange(50, 10_000_000))
    .default(DEFAULT_BAUD_RATE);
}

export function traceOption(): Option {
  return new Option('--trace', 'print every frame sent and received on stderr');
}

export function windowOption(): Option {
  return new Option('--window <n>', 'SPIKES frames in flight at most')
    .argParser(parseIntInRange(1, 64))
    .default(DEFAULT_WINDOW);
}
