/**
 * What `stream` and `monitor` send a board: a spike file in SPIKES frames; audio (a WAV file or
 * stdin) in AUDIO frames, for the board's own front-end to encode, or with `hostEncode` encoded
 * here by the same front-end in the .wasm and sent as SPIKES. A file can be streamed again from any
 * step (a reconnect continues there, --loop starts over); stdin goes on where it is. With
 * --board-mic nothing is sent: the board listens to its own microphone.
 */

import { encodeWavAudio, encodeSampleChunks } from '../audio/encode.js';
import { streamAudio } from '../protocol/audio-sender.js';
import {
  streamFrames,
  streamSpikes,
  type StreamOptions,
  type StreamStep,
  type StreamSummary,
} from '../protocol/stream.js';
import { SpikesKind } from '../protocol/spikes-planner.js';
import { streamBoardMic } from '../protocol/board-mic.js';
import type { BoardClient } from '../protocol/client.js';
import { frontendHopSamples, type FrontendConfig } from '../model/frontend-config.js';
import type { Engine } from '../wasm/engine.js';
import { openEngine } from '../wasm/module.js';
import type { Input } from './read-input.js';
import { CliError, ExitCode } from './exit-codes.js';

export interface BoardInput {
  /** The frames it travels in ('none': the board's own microphone, the host sends no input). */
  frames: 'SPIKES' | 'AUDIO' | 'none';
  /** The front-end audio goes through (on the board, or here with hostEncode); none for spikes. */
  frontend?: FrontendConfig;
  /** Whether it can be streamed again (a file), or goes on where it is (stdin). */
  repeatable: boolean;
  /** Streams the input from its step `from` on (for stdin: from wherever it is). */
  stream(
    client: BoardClient,
    from: number,
    options: StreamOptions,
  ): AsyncGenerator<StreamStep, StreamSummary>;
}

/** A live chunk source that survives a stream ending: the next stream (after a reconnect) reads on. */
function shared<T>(chunks: AsyncIterable<T>): AsyncIterable<T> {
  const iterator = chunks[Symbol.asyncIterator]();
  return { [Symbol.asyncIterator]: () => ({ next: () => iterator.next() }) };
}

export function boardInput(input: Input, options: { hostEncode: boolean; engine?: Engine }): BoardInput {
  if (input.kind === 'spikes') return spikesInput(input.train.steps);
  const { frontend, clip } = input;
  if (clip) {
    if (options.hostEncode) {
      const train = encodeWavAudio(
        { sampleRateHz: frontend.sampleRateHz, channels: 1, samples: clip },
        frontend,
        input.audio.source,
        options.engine ?? openEngine(),
      );
      return { ...spikesInput(train.steps), frontend };
    }
    const hop = frontendHopSamples(frontend);
    return {
      frames: 'AUDIO',
      frontend,
      repeatable: true,
      // A step starts a hop of samples: from step k on, the samples from k hops in.
      stream: (client, from, streamOptions) =>
        streamAudio(client, [clip.subarray(from * hop)], frontend, streamOptions),
    };
  }
  const live = shared(input.audio.chunks);
  if (options.hostEncode) {
    const engine = options.engine ?? openEngine();
    return {
      frames: 'SPIKES',
      frontend,
      repeatable: false,
      stream: (client, _from, streamOptions) =>
        streamFrames(client, new SpikesKind(), encodeSampleChunks(live, frontend, engine), streamOptions),
    };
  }
  return {
    frames: 'AUDIO',
    frontend,
    repeatable: false,
    stream: (client, _from, streamOptions) => streamAudio(client, live, frontend, streamOptions),
  };
}

/** Exactly one of INPUT and --board-mic: a usage error for both or neither. */
export function checkInputChoice(inputPath: string | undefined, boardMic: boolean): void {
  if (boardMic && inputPath !== undefined) {
    throw new CliError(
      `--board-mic streams the board's own microphone and takes no INPUT (got ${inputPath})`,
      ExitCode.usage,
    );
  }
  if (!boardMic && inputPath === undefined) {
    throw new CliError(
      "missing INPUT (a spike file, a .wav or -), or --board-mic for the board's microphone",
      ExitCode.usage,
    );
  }
}

/** The board's own microphone (a SOURCE_MIC stream), for `durationMs` or until the signal. */
export function boardMicInput(options: { durationMs?: number } = {}): BoardInput {
  return {
    frames: 'none',
    repeatable: false,
    stream: (client, _from, streamOptions) => streamBoardMic(client, { ...streamOptions, ...options }),
  };
}

function spikesInput(steps: readonly (readonly number[])[]): BoardInput {
  return {
    frames: 'SPIKES',
    repeatable: true,
    stream: (client, from, options) => streamSpikes(client, { steps: steps.slice(from) }, options),
  };
}
