/**
 * The studio's board side, over Web Serial: connect (HELLO), flash a model with progress, and
 * monitor it by streaming a clip through it (its scores and its own detections): the clip's audio
 * in AUDIO frames when the board's model has a front-end, for the board's own front-end to encode,
 * else its spikes, with the CLI's own protocol code (BoardClient, flashModel, streamAudio,
 * streamSpikes) on a WebSerialTransport. No DOM here:
 * a test drives it in Node through a SerialPort-like object wired to the real device.
 */

import { BoardClient } from '../protocol/client.js';
import { formatDeviceError } from '../protocol/device-errors.js';
import { formatLinkError } from '../protocol/errors.js';
import type { HelloInfo } from '../protocol/messages.js';
import { streamSpikes } from '../protocol/stream.js';
import { streamAudio } from '../protocol/audio-sender.js';
import { flashModel, type UploadProgress } from '../protocol/upload.js';
import { hex32 } from '../model/crc32.js';
import { LinkError } from '../transport/errors.js';
import type { Detection } from '../model/detection.js';
import type { StudioStep } from './run.js';
import { WebSerialTransport, type SerialPortLike } from './web-serial-transport.js';

/** One line about the board, from its INFO. */
export function describeBoard(info: HelloInfo): string {
  const model = info.modelLoaded
    ? `runs ${info.modelName || '(unnamed)'}, ${info.modelBytes} B, crc ${hex32(info.modelCrc)}, slot ${info.activeSlot ?? '-'}, generation ${info.generation}`
    : 'no model loaded';
  return `protocol ${info.protocolVersion}, engine ${info.engineVersion}, maxFrame ${info.maxFrame}; ${model}`;
}

/** A link failure or anything else, as one line for the page. */
export function describeFailure(action: string, error: unknown): string {
  if (error instanceof LinkError) return formatLinkError(action, error);
  return `Failed to ${action}: ${(error as Error).message}`;
}

/** A clip for the board: its spike steps (the page's input raster) and, for a board that takes audio, its samples. */
export interface BoardClip {
  steps: readonly (readonly number[])[];
  samples?: Int16Array;
}

export class BoardSession {
  private constructor(
    readonly client: BoardClient,
    readonly transport: WebSerialTransport,
  ) {}

  /** Opens the port and says HELLO (a board of another protocol version is refused). */
  static async connect(port: SerialPortLike, baudRate: number): Promise<BoardSession> {
    const transport = await WebSerialTransport.open(port, { baudRate });
    try {
      return new BoardSession(await BoardClient.connect(transport), transport);
    } catch (error) {
      await transport.close();
      throw error;
    }
  }

  get info(): HelloInfo | undefined {
    return this.client.info;
  }

  get closed(): boolean {
    return this.transport.closed;
  }

  /** Flashes `model`; returns what happened, in the words of `hetsyn flash`. */
  async flash(model: Uint8Array, onProgress: (p: UploadProgress) => void): Promise<string> {
    const outcome = await flashModel(this.client, model, onProgress);
    await this.client.hello();
    if (!outcome.ok)
      return formatDeviceError(`${outcome.action} on ${this.transport.description}`, outcome.error);
    const how = outcome.committedEarlier
      ? ', committed earlier'
      : outcome.resumedFrom > 0
        ? `, resumed at ${outcome.resumedFrom}`
        : '';
    return `flashed ${outcome.size} B, crc ${hex32(outcome.crc32)}, slot ${outcome.slot}, generation ${outcome.generation}${how}`;
  }

  /**
   * Streams `clip` through the board (STREAM_START resets its network): its samples as AUDIO when
   * it has them and the board's model has a front-end (INFO says so), else its steps as SPIKES.
   * Reports each step with its scores and its detection as the board computed them; returns the
   * board's final word on the stream, with the latest detection if only STOPPED brought it (every
   * RESULT after it was lost).
   */
  async monitor(
    clip: BoardClip,
    onSteps: (steps: StudioStep[]) => void,
    options: { signal?: AbortSignal; stepsPerSecond?: number } = {},
  ): Promise<{
    ok: boolean;
    text: string;
    decision: number;
    lost: number;
    frames: 'AUDIO' | 'SPIKES';
    lateDetection?: Detection;
  }> {
    const { steps, samples } = clip;
    let decision = -1;
    let lost = 0;
    const frontend = samples && this.info?.frontend;
    const frames = frontend ? 'AUDIO' : 'SPIKES';
    const streamOptions = { scores: true, ...options };
    const stream = frontend
      ? streamAudio(this.client, [samples], frontend, streamOptions)
      : streamSpikes(this.client, { steps }, streamOptions);
    for (;;) {
      const item = await stream.next();
      if (item.done) {
        const summary = item.value;
        if (!summary.ok) {
          const text = formatDeviceError(`${summary.action} on ${this.transport.description}`, summary.error);
          return { ok: false, text, decision, lost, frames };
        }
        const { stopped, stats, lateDetection } = summary;
        const missed =
          stats.detectionsLost > 0 ? `, ${stats.detectionsLost} detections known only by their count` : '';
        const text = `${stopped.steps} steps on the board from ${frames} frames${summary.aborted ? ' (stopped)' : ''}, ${stats.detections} detection${stats.detections === 1 ? '' : 's'}, ${lost} results lost${missed}`;
        return {
          ok: true,
          text,
          decision: stopped.decision,
          lost,
          frames,
          ...(lateDetection ? { lateDetection } : {}),
        };
      }
      const step = item.value;
      const input = steps[step.t] ?? [];
      if (step.lost) {
        lost++;
        onSteps([{ t: step.t, input, decision }]);
      } else {
        decision = step.decision;
        onSteps([
          {
            t: step.t,
            input,
            decision,
            ...(step.scores ? { scores: step.scores } : {}),
            ...(step.detection ? { detection: step.detection } : {}),
          },
        ]);
      }
    }
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
