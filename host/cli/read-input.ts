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

/** The model's front-end for audio input `inputPath`: a usage error without a model, an input error without a front-end. */
function audioFrontend(inputPath: string, model: InputModel | undefined): FrontendConfig {
  const what = inputPath === STDIN_PATH ? 'stdin carries audio' : `${inputPath} is audio`;
  if (!model) {
    throw new CliError(
      `${what}: pass --model MODEL.hsm (the model the board runs), whose front-end encodes it`,
      ExitCode.usage,
    );
  }
  const frontend = model.info.frontend;
  if (!frontend) {
    const source = inputPath === STDIN_PATH ? 'audio' : inputPath;
    throw new InputError(
      `${model.path} carries no audio front-end (no FRONTEND section), so it cannot take ${source}: give it a spike file instead, e.g. from \`hetsyn encode ${inputPath === STDIN_PATH ? 'CLIP.wav' : inputPath} -o input.spikes --bands ${model.info.inputCount / 2}\``,
    );
  }
  return frontend;
}

/** A file input: a spike file parsed, or a WAV clip read whole with the front-end that takes it. */
function readFileInput(
  inputPath: string,
  model: InputModel | undefined,
): { kind: 'spikes'; train: SpikeTrain } | { kind: 'wav'; wav: WavAudio; frontend: FrontendConfig } {
  const wavName = inputPath.toLowerCase().endsWith('.wav');
  const bytes = readInputFile(inputPath, wavName ? 'WAV file' : 'spike file');
  if (!wavName && !looksLikeWav(bytes)) return { kind: 'spikes', train: parseSpikeFile(bytes, inputPath) };
  const wav = parseWav(bytes, inputPath);
  return { kind: 'wav', wav, frontend: audioFrontend(inputPath, model) };
}

/** The input at `inputPath` ("-": audio on stdin), audio left to be read as it arrives. */
export async function openInput(
  inputPath: string,
  model: InputModel | undefined,
  stdin: AsyncIterable<Uint8Array> = process.stdin,
): Promise<Input> {
  if (inputPath === STDIN_PATH) {
    const frontend = audioFrontend(inputPath, model);
    return { kind: 'audio', audio: await openPcmStream(stdin, 'stdin', frontend), frontend };
  }
  const input = readFileInput(inputPath, model);
  if (input.kind === 'spikes') return input;
  const { wav, frontend } = input;
  return { kind: 'audio', audio: pcmFromWav(wav, inputPath, frontend), frontend, clip: wav.samples };
}

/** A spike file, or a WAV clip encoded whole (for commands that need every step at once). */
export function readInputTrain(inputPath: string, model: InputModel | undefined): SpikeTrain {
  const input = readFileInput(inputPath, model);
  if (input.kind === 'spikes') return input.train;
  return encodeWavAudio(input.wav, input.frontend, inputPath, model?.engine ?? openEngine());
}
