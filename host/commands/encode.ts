/** `hetsyn encode clip.wav -o out.spikes`: a WAV through the .wasm audio front-end into a spike file. */

import { Command, InvalidArgumentError, Option } from 'commander';
import { defaultFrontend, thresholdQ8FromDb, type FrontendConfig } from '../model/frontend-config.js';
import { encodeWavAudio } from '../audio/encode.js';
import { parseWav } from '../audio/wav.js';
import { loadModel } from '../wasm/load-model.js';
import { openEngine } from '../wasm/module.js';
import { readInputFile } from '../util/read-file.js';
import { CliError, ExitCode } from '../cli/exit-codes.js';
import { parseIntInRange } from '../cli/options.js';
import { printJson } from '../cli/format.js';
import { encodeSpikeBinary, formatSpikeText } from '../spikes/spike-file.js';
import { writeOutputFile } from '../util/output.js';

interface EncodeOptions {
  output: string;
  model?: string;
  bands: number;
  thresholdDb: number;
  windowMs: number;
  hopMs: number;
  json?: boolean;
}

function parseDb(value: string): number {
  const db = Number(value);
  const q8 = thresholdQ8FromDb(db);
  if (!Number.isFinite(db) || q8 < 1 || q8 > 0xffff)
    throw new InvalidArgumentError('expected 0.02 to 770 (dB of power)');
  return db;
}

export function encodeCommand(): Command {
  return new Command('encode')
    .description('encode a 16-bit PCM WAV (8 or 16 kHz) into input spikes with the .wasm audio front-end')
    .argument('<wav>', 'WAV file: RIFF/WAVE, 16-bit PCM, mono or stereo, 8000 or 16000 Hz')
    .requiredOption('-o, --output <file>', 'spike file to write: binary if it ends in .spk, else text')
    .option(
      '--model <file>',
      "use this model's front-end (its FRONTEND section) instead of the options below",
    )
    .addOption(
      new Option('--bands <n>', 'mel bands (2 channels each)').default(32).argParser(parseIntInRange(1, 64)),
    )
    .addOption(
      new Option('--threshold-db <dB>', 'delta threshold in dB of band power').default(9).argParser(parseDb),
    )
    .addOption(
      new Option('--window-ms <ms>', 'analysis window').default(25).argParser(parseIntInRange(1, 32)),
    )
    .addOption(new Option('--hop-ms <ms>', 'hop between steps').default(10).argParser(parseIntInRange(1, 32)))
    .option(
      '--json',
      'print {input, output, format, bytes, steps, channels, spikes, rate, frontend} as one JSON object on stdout',
    )
    .action((wavPath: string, opts: EncodeOptions) => {
      const audio = parseWav(readInputFile(wavPath, 'WAV file'), wavPath);
      let config: FrontendConfig;
      if (opts.model !== undefined) {
        const { info } = loadModel(opts.model);
        if (!info.frontend) {
          throw new CliError(
            `${opts.model} carries no audio front-end (no FRONTEND section)`,
            ExitCode.input,
          );
        }
        config = info.frontend;
      } else {
        if (opts.hopMs > opts.windowMs)
          throw new CliError('--hop-ms must not exceed --window-ms', ExitCode.usage);
        config = {
          ...defaultFrontend(audio.sampleRateHz),
          bands: opts.bands,
          windowMs: opts.windowMs,
          hopMs: opts.hopMs,
          thresholdQ8: thresholdQ8FromDb(opts.thresholdDb),
        };
      }
      const train = encodeWavAudio(audio, config, wavPath, openEngine());
      const channels = 2 * config.bands;
      const binary = opts.output.endsWith('.spk');
      const data = binary ? encodeSpikeBinary(train, channels) : formatSpikeText(train, channels);
      const size = writeOutputFile(opts.output, data);
      const spikes = train.steps.reduce((n, s) => n + s.length, 0);
      const rate = train.steps.length ? spikes / (train.steps.length * channels) : 0;
      if (opts.json) {
        printJson({
          input: wavPath,
          output: opts.output,
          format: binary ? 'binary' : 'text',
          bytes: size,
          steps: train.steps.length,
          channels,
          spikes,
          rate,
          frontend: config,
        });
        return;
      }
      process.stderr.write(
        `wrote ${opts.output}: ${train.steps.length} steps, ${channels} channels, ${spikes} spikes (${(100 * rate).toFixed(2)}% of channel-steps)\n`,
      );
    });
}
