/** `hetsyn ports`: the serial ports this machine knows, to pass as --port. */

import { Command } from 'commander';
import { printJson, table } from '../cli/format.js';
import { listPorts } from '../transport/serial.js';

export function portsCommand(): Command {
  return new Command('ports')
    .description('list serial ports (boards show up here; a virtual board prints its own path)')
    .option('--json', 'print {ports, problem?} as one JSON object')
    .action(async (opts: { json?: boolean }) => {
      const { ports, problem } = await listPorts();
      if (opts.json) {
        printJson({ ports, ...(problem ? { problem } : {}) });
        return;
      }
      if (ports.length === 0) {
        const why = problem ? ` (${problem}; pass --port /dev/ttyX directly)` : '';
        process.stdout.write(`none found${why}\n`);
        return;
      }
      process.stdout.write(
        table(
          ['port', 'manufacturer', 'serial number', 'vid:pid'],
          ports.map((p) => [
            p.path,
            p.manufacturer ?? '-',
            p.serialNumber ?? '-',
            p.vendorId ? `${p.vendorId}:${p.productId ?? '?'}` : '-',
          ]),
        ) + '\n',
      );
    });
}
