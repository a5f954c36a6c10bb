/**
 * The options every board command shares: --port (default $HETSYN_PORT), --baud, --trace and, for
 * streaming, --window, --spike-layer and --rate.
 */

import { InvalidArgumentError, Option } from 'commander';
import { DEFAULT_WINDOW } from '../protocol/stream.js';
import { DEFAULT_BAUD_RATE } from '../transport/serial.js';
import { parseIntInRange } from './options.js';

/** The environment variable that names the board's port when --port is not given. */
const PORT_ENV = 'HETSYN_PORT';

/**
 * --port PATH, required, defaulting to $HETSYN_PORT (the command line wins). With `repeatable`,
 * each --port adds a board (the value is then a list); $HETSYN_PORT gives one.
 */
export function portOption(description: string, repeatable = false): Option {
  const option = new Option('--port <path>', `${description}; when --port is not given, $${PORT_ENV}`)
    .env(PORT_ENV)
    .makeOptionMandatory();
  const path = (value: string): string => {
    if (value.trim() === '') throw new InvalidArgumentError(`expected a port path (is $${PORT_ENV} empty?)`);
    return value;
  };
  return repeatable
    ? option.argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), path(value)])
    : option.argParser(path);
}

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

/** --rate N: steps per second, each step sent at its own time; 0 is as fast as the link goes. */
export function rateOption(byDefault: string): Option {
  return new Option(
    '--rate <steps/s>',
    `send each step at its time, this many steps per second (0: as fast as the link goes; default: ${byDefault})`,
  ).argParser(parseIntInRange(0, 1_000_000));
}

export function spikeLayerOption(what: string): Option {
  return new Option('--spike-layer <n>', what).argParser(parseIntInRange(0, 255));
}

export function forceOption(): Option {
  return new Option(
    '--force',
    'stream even when the board runs another model than --model names (labels may then not fit)',
  );
}
