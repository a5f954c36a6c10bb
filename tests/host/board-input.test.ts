/**
 * host/cli/board-input.ts: what `stream` and `monitor` send for each input. A WAV clip goes as
 * AUDIO and, streamed again from step k (a monitor's reconnect), gives the run of the clip from k
 * hops in on a reset board; with hostEncode the clip goes as SPIKES with the same results.
 */

import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { Readable } from 'node:stream';
import { boardInput } from '../../host/cli/board-input.js';
import { BoardClient } from '../../host/protocol/client.js';
import { flashModel } from '../../host/protocol/upload.js';
import { MessageType } from '../../host/protocol/messages.js';
import type { StreamStep } from '../../host/protocol/stream.js';
import { MemoryTransport } from '../../host/transport/memory.js';
import { writeHsm } from '../../host/model/hsm-writer.js';
import { frontendHopSamples } from '../../host/model/frontend-config.js';
import { openEngine } from '../../host/wasm/module.js';
import { simulate } from '../../host/sim/simulate.js';
import { audioModel, Rng } from './fixtures.js';
import { WiredBoard } from './wired-board.js';

const MODEL = audioModel(['yes', 'no']);
const BYTES = writeHsm(MODEL);
if (MODEL.frontend === undefined) throw new Error('audioModel has a front-end');
const FRONTEND = MODEL.frontend;

const rng = new Rng(9);
const CLIP = Int16Array.from({ length: 6000 }, () => rng.range(-8000, 8000));

function scoresOf(samples: Int16Array): number[][] {
  const engine = openEngine();
  engine.loadOrThrow(BYTES);
  engine.frontendConfigure(FRONTEND);
  return simulate(engine, { steps: engine.encodeAudio(samples) }).map((r) => r.scores);
}

async function boardClient(): Promise<{ board: WiredBoard; client: BoardClient }> {
  const board = new WiredBoard({ maxFrame: 128, slotBytes: 16384 });
  const [host, boardEnd] = MemoryTransport.pair();
  board.attach(boardEnd);
  const client = await BoardClient.connect(host, { timeScale: 0.1, firstSeq: 0 });
  assert.ok((await flashModel(client, BYTES)).ok);
  board.clearLog();
  return { board, client };
}

async function collect(stream: AsyncGenerator<StreamStep, unknown>): Promise<number[][]> {
  const scores: number[][] = [];
  for await (const step of stream) scores.push(step.lost ? [] : (step.scores ?? []));
  return scores;
}

const clipInput = {
  kind: 'audio' as const,
  audio: { source: 'clip.wav', sampleRateHz: 8000, chunks: Readable.from([CLIP]) },
  frontend: FRONTEND,
  clip: CLIP,
};

describe('board input', () => {
  it('sends a clip as AUDIO, and again from step k as the clip from k hops in', async () => {
    const { board, client } = await boardClient();
    const input = boardInput(clipInput, { hostEncode: false });
    assert.deepEqual([input.frames, input.repeatable], ['AUDIO', true]);
    assert.deepEqual(await collect(input.stream(client, 0, { scores: true })), scoresOf(CLIP));
    const k = 17;
    const rest = CLIP.subarray(k * frontendHopSamples(FRONTEND));
    assert.deepEqual(await collect(input.stream(client, k, { scores: true })), scoresOf(rest));
    assert.ok(board.arrivedOf(MessageType.AUDIO).length > 0);
    assert.equal(board.arrivedOf(MessageType.SPIKES).length, 0);
    await client.close();
  });

  it('with hostEncode sends the clip as SPIKES, with the same results', async () => {
    const { board, client } = await boardClient();
    const input = boardInput(clipInput, { hostEncode: true });
    assert.equal(input.frames, 'SPIKES');
    assert.deepEqual(await collect(input.stream(client, 0, { scores: true })), scoresOf(CLIP));
    assert.equal(board.arrivedOf(MessageType.AUDIO).length, 0);
    await client.close();
  });
});
