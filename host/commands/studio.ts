/**
 * `hetsyn studio`: serves the browser studio (host/studio/) on 127.0.0.1 and prints its URL. The
 * page runs build/hetsyn.wasm and the host's protocol code in the browser; Ctrl-C stops the server.
 */

import { Command, Option } from 'commander';
import { CliError, ExitCode } from '../cli/exit-codes.js';
import { parseIntInRange } from '../cli/options.js';
import { DEFAULT_STUDIO_PORT, startStudioServer } from '../studio/server.js';

export function studioCommand(): Command {
  return new Command('studio')
    .description(
      'serve the browser studio on 127.0.0.1: open a model and a WAV or the microphone, see spikes, scores and detections live; flash and monitor a board over Web Serial (Chromium, Edge)',
    )
    .addOption(
      new Option(
        '--http-port <n>',
        'TCP port to listen on (0: any free port); --port names serial ports elsewhere',
      )
        .argParser(parseIntInRange(0, 65535))
        .default(DEFAULT_STUDIO_PORT),
    )
    .action(async (opts: { httpPort: number }) => {
      let started;
      try {
        started = await startStudioServer(opts.httpPort);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        const why =
          code === 'EADDRINUSE'
            ? 'it is in use (pick another with --http-port, or --http-port 0)'
            : (error as Error).message;
        throw new CliError(`cannot listen on 127.0.0.1:${opts.httpPort}: ${why}`, ExitCode.usage);
      }
      const { server, url } = started;
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          server.closeAllConnections();
          server.close(() => resolve());
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
        // Only now: a Ctrl-C the moment the URL is out must already stop the server cleanly.
        process.stdout.write(`hetsyn studio: ${url}\n(Ctrl-C stops)\n`);
      });
    });
}
