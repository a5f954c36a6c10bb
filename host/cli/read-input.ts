/**
 * The input of `sim`, `stream` and `monitor`: a spike file as it is, or a WAV clip (by extension
 * or RIFF magic) encoded into spikes by the model's own front-end in the .wasm, so a clip reaches
 * a board exactly as the model was trained to hear it.
 */

import { readInputFile } from '../util/read-file.js';
import { CliError, ExitCode } from './exit-codes.js';
import { parseSpikeFile, type SpikeTrain } from '../spikes/spike-file.js';
import { InputError } from '../util/input-error.js';
import { looksLikeWav, parseWav } from '../audio/wav.js';
import { encodeWavAudio } from '../audio/encode.js';
import type { Engine } from '../wasm/engine.js';
import { openEngine } from '../wasm/module.js';
import type { ModelInfo } from '../model/model-info.js';

export interface InputModel {
  path: string;
  info: ModelInfo;
  /** An engine to encode with (any instance; its front-end is reconfigured). */
  engine?: Engine;
}

export function readInputTrain(inputPath: string, model: InputModel | undefined): SpikeTrain {
  const wavName = inputPath.toLowerCase().endsWith('.wav');
  const bytes = readInputFile(inputPath, wavName ? 'WAV file' : 'spike file');
  if (!wavName && !looksLikeWav(bytes)) return parseSpikeFile(bytes, inputPath);
  const audio = parseWav(bytes, inputPath);
  if (!model) {
    throw new CliError(
      `${inputPath} is audio: pass --model MODEL.hsm (the model the board runs), whose front-end encodes it`,
      ExitCode.usage,
    );
  }
  const frontend = model.info.frontend;
  if (!frontend) {
    throw new InputError(
      `${model.path} carries no audio front-end (no FRONTEND section), so it cannot take ${inputPath}: give it a spike file instead, e.g. from \`hetsyn encode ${inputPath} -o input.spikes --bands ${model.info.inputCount / 2}\``,
    );
  }
  return encodeWavAudio(audio, frontend, inputPath, model.engine ?? openEngine());
}
