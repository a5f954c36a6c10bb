#!/usr/bin/env node
/** The `hetsyn` command: one commander Command per file in commands/, assembled here. */

import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { EXIT_CODE_HELP, ExitCode } from './cli/exit-codes.js';
import { handleError } from './cli/handle-error.js';
import { inspectCommand } from './commands/inspect.js';
import { quantizeCommand } from './commands/quantize.js';
import { simCommand } from './commands/sim.js';
import { tuneCommand } from './commands/tune.js';
import { trainCommand } from './commands/train.js';
import { plotCommand } from './commands/plot.js';
import { encodeCommand } from './commands/encode.js';
import { synthCommand } from './commands/synth.js';
import { portsCommand } from './commands/ports.js';
import { infoCommand } from './commands/info.js';
import { boardCommand } from './commands/board.js';
import { flashCommand } from './commands/flash.js';
import { streamCommand } from './commands/stream.js';
import { monitorCommand } from './commands/monitor.js';
import { firmwareCommand } from './commands/firmware.js';
import { nirImportCommand } from './commands/nir-import.js';
import { nirExportCommand } from './commands/nir-export.js';
import { studioCommand } from './commands/studio.js';
import { completionCommand } from './commands/completion.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

// A reader that stops early (`hetsyn sim ... | head`) closes the pipe: that ends the output, not
// the program with a stack trace.
// Any other failure of stdout (a full disk, a device error) handleError names as stdout's.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(ExitCode.ok);
  handleError(error);
});

const program = new Command('hetsyn')
  .description(
    'HetSynLIF spiking networks on microcontrollers: train, quantize, inspect, import and export NIR, simulate and plot models; flash, stream to and monitor boards',
  )
  .version(pkg.version)
  .showHelpAfterError('(run with --help for usage)')
  .addHelpText('after', `\n${EXIT_CODE_HELP}`)
  .exitOverride();

for (const command of [
  simCommand(),
  tuneCommand(),
  trainCommand(),
  plotCommand(),
  encodeCommand(),
  inspectCommand(),
  quantizeCommand(),
  synthCommand(),
  nirImportCommand(),
  nirExportCommand(),
  portsCommand(),
  infoCommand(),
  flashCommand(),
  streamCommand(),
  monitorCommand(),
  boardCommand(),
  firmwareCommand(),
  studioCommand(),
  completionCommand(),
]) {
  program.addCommand(command);
}
// Every command and subcommand (firmware embed) ends its help with the exit codes.
const withExitCodes = (command: Command): void => {
  for (const sub of command.commands) {
    sub.exitOverride().addHelpText('after', `\n${EXIT_CODE_HELP}`);
    withExitCodes(sub);
  }
};
withExitCodes(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // --help and --version end this way too, with exit code 0.
    process.exit(error.exitCode === 0 ? ExitCode.ok : ExitCode.usage);
  }
  handleError(error);
}
