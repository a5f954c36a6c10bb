/**
 * The input of `sim`, `stream`, `monitor` and `plot`: a spike file as it is, or audio: a WAV clip
 * (by extension or RIFF magic), or `-` for audio on stdin (a WAV stream or raw 16-bit PCM, read as
 * it arrives). Audio is encoded into spikes by the model's own front-end in the .wasm, so a clip
 * reaches a board exactly as the model was trained to hear it.
 */

import { readInputFile } from '../util/read-file.js';
import { CliError, ExitCode } from './exit-codes.js';
import { parseSpikeFile, type SpikeTrain } from '../spikes/spike-file.js';
import { InputError } from '../util/input-error.js';
import { looksLikeWav, parseWav, type WavAudio } from '../audio/wav.js';
import { encodeWavAudio } from '../audio/encode.js';
import { openPcmStream, pcmFromWav, STDIN_PATH, type PcmInput } from '../audio/pcm-input.js';
import type { Engine } from '../wasm/engine.js';
import { openEngine } from '../wasm/module.js';
import type { ModelInfo } from '../model/model-info.js';
import type { FrontendConfig } from '../model/frontend-config.js';

export interface InputModel {
  path: string;
  info: ModelInfo;
  /** An engine to encode with (any instance; its front-end is reconfigured). */
  engine?: Engine;
}

/** The front-end a board reported in INFO: how `stream` and `monitor` take audio without --model. */
export interface BoardFrontend {
  port: string;
  /** The name of the model the board runs; undefined when it runs none. */
  model: string | undefined;
  frontend: FrontendConfig | undefined;
}

/** Where audio's front-end comes from: the model file, or the board that runs the model. */
export type FrontendSource = InputModel | BoardFrontend;

/** A spike train, or audio with the front-end that encodes it. */
export type Input =
  | { kind: 'spikes'; train: SpikeTrain }
  | {
      kind: 'audio';
      audio: PcmInput;
      frontend: FrontendConfig;
      /** A file's samples, whole (a file can be streamed again; stdin cannot). */
      clip?: Int16Array;
    };

/** The front-end for audio input `inputPath`: a usage error without a source, an input error when it has none. */
function audioFrontend(inputPath: string, source: FrontendSource | undefined): FrontendConfig {
  const what = inputPath === STDIN_PATH ? 'stdin carries audio' : `${inputPath} is audio`;
  if (!source) {
    throw new CliError(
      `${what}: pass --model MODEL.hsm (the model the board runs), whose front-end encodes it`,
      ExitCode.usage,
    );
  }
  const audio = inputPath === STDIN_PATH ? 'audio' : inputPath;
  const clip = inputPath === STDIN_PATH ? 'CLIP.wav' : inputPath;
  const spikeFileHint = (bands: string): string =>
    `so it cannot take ${audio}: give it a spike file instead, e.g. from \`hetsyn encode ${clip} -o input.spikes --bands ${bands}\``;
  if ('port' in source) {
    if (source.frontend) return source.frontend;
    if (source.model === undefined) {
      throw new InputError(
        `${what}, but the board at ${source.port} runs no model: flash one first (hetsyn flash MODEL.hsm)`,
      );
    }
    throw new InputError(
      `the model the board at ${source.port} runs (${source.model}) has no audio front-end, ${spikeFileHint('B (its input count / 2)')}`,
    );
  }
  if (source.info.frontend) return source.info.frontend;
  throw new InputError(
    `${source.path} carries no audio front-end (no FRONTEND section), ${spikeFileHint(String(source.info.inputCount / 2))}`,
  );
}

/** A file input: a spike file parsed, or a WAV clip read whole. */
function readFileInput(
  inputPath: string,
): { kind: 'spikes'; train: SpikeTrain } | { kind: 'wav'; wav: WavAudio } {
  const wavName = inputPath.toLowerCase().endsWith('.wav');
  const bytes = readInputFile(inputPath, wavName ? 'WAV file' : 'spike file');
  if (!wavName && !looksLikeWav(bytes)) return { kind: 'spikes', train: parseSpikeFile(bytes, inputPath) };
  return { kind: 'wav', wav: parseWav(bytes, inputPath) };
}

/**
 * The input at `inputPath` ("-": audio on stdin), audio left to be read as it arrives. `source` may
 * be a function, asked only when the input is audio (a board's INFO, which costs a connection).
 */
export async function openInput(
  inputPath: string,
  source: FrontendSource | (() => Promise<FrontendSource>) | undefined,
  stdin: AsyncIterable<Uint8Array> = process.stdin,
): Promise<Input> {
  const resolve = async (): Promise<FrontendConfig> =>
    audioFrontend(inputPath, typeof source === 'function' ? await source() : source);
  if (inputPath === STDIN_PATH) {
    const frontend = await resolve();
    return { kind: 'audio', audio: await openPcmStream(stdin, 'stdin', frontend), frontend };
  }
  const input = readFileInput(inputPath);
  if (input.kind === 'spikes') return input;
  const { wav } = input;
  const frontend = await resolve();
  return { kind: 'audio', audio: pcmFromWav(wav, inputPath, frontend), frontend, clip: wav.samples };
}

/** A spike file, or a WAV clip encoded whole (for commands that need every step at once). */
export function readInputTrain(inputPath: string, model: InputModel | undefined): SpikeTrain {
  const input = readFileInput(inputPath);
  if (input.kind === 'spikes') return input.train;
  return encodeWavAudio(input.wav, audioFrontend(inputPath, model), inputPath, model?.engine ?? openEngine());
}
