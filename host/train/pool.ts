/**
 * The training worker pool: a batch is cut into one contiguous share per worker, and the shares'
 * gradients are summed in worker order, so a run is reproducible for a given seed and worker count.
 */
import { Worker } from 'node:worker_threads';
import type { FrontendConfig } from '../model/frontend-config.js';
import type { AugmentOptions } from './augment.js';
import type { ClipStore } from './clip-store.js';
import type { NetworkSpec } from './network.js';
import type { ContinuousOptions, FrameShape } from './sequence.js';

export interface WorkerInit {
  spec: NetworkSpec;
  frontend: FrontendConfig;
  augment: AugmentOptions;
  store: ClipStore;
  /** Clips of the store that are background noise for augmentation. */
  noiseIndices: number[];
  /** Backed by a SharedArrayBuffer. */
  params: Float64Array;
  /** How training sequences are built, for batches with `sequences` set. */
  continuous?: { options: ContinuousOptions; frame: FrameShape };
}

export interface BatchRequest {
  id: number;
  /** Clip indices in the store. */
  items: Int32Array;
  epoch: number;
  seed: number;
  augment: boolean;
  withGradient: boolean;
  /** Run on fake-quantized weights (the quantization-aware finish). */
  quantize: boolean;
  /**
   * Splice each run of `wordsPerSequence` items into one continuous sequence (host/train/sequence.ts)
   * instead of running them as clips; shares are cut on sequence boundaries.
   */
  sequences?: boolean;
}

export interface BatchReply {
  id: number;
  grad?: Float64Array;
  loss: number;
  /** Clips (or sequences) that reached a scored window (the others have no loss). */
  counted: number;
  /** Per item, the clip's decision; -1 for the items of a sequence, scored by window instead. */
  predictions: Int32Array;
  windows: number;
  windowsCorrect: number;
  spikeCounts: Float64Array;
  steps: number;
  error?: string;
}

export type BatchOptions = Omit<BatchRequest, 'id' | 'items'>;

/** A whole batch: the workers' replies summed, predictions in batch order. */
export type BatchResult = Omit<BatchReply, 'id' | 'error'>;

export class WorkerPool {
  private nextId = 0;

  private constructor(
    private readonly workers: Worker[],
    private readonly wordsPerSequence: number,
  ) {}

  static async start(count: number, init: WorkerInit): Promise<WorkerPool> {
    const url = new URL('./worker.js', import.meta.url);
    const workers = Array.from({ length: count }, () => new Worker(url));
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            w.once('error', reject);
            w.once('message', () => resolve());
            w.postMessage({ init });
          }),
      ),
    );
    return new WorkerPool(workers, init.continuous?.options.wordsPerSequence ?? 1);
  }

  get size(): number {
    return this.workers.length;
  }

  private send(worker: Worker, request: BatchRequest): Promise<BatchReply> {
    return new Promise((resolve, reject) => {
      const onMessage = (reply: BatchReply): void => {
        if (reply.id !== request.id) return;
        worker.off('message', onMessage);
        worker.off('error', reject);
        if (reply.error) reject(new Error(`training worker failed: ${reply.error}`));
        else resolve(reply);
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
      worker.postMessage({ batch: request });
    });
  }

  async run(items: Int32Array, options: BatchOptions): Promise<BatchResult> {
    const group = options.sequences ? this.wordsPerSequence : 1;
    const share = group * Math.ceil(items.length / group / this.workers.length);
    const replies = await Promise.all(
      this.workers.map((worker, w) =>
        this.send(worker, { ...options, id: this.nextId++, items: items.slice(w * share, (w + 1) * share) }),
      ),
    );
    const predictions = new Int32Array(items.length);
    let at = 0;
    const result: BatchResult = {
      loss: 0,
      counted: 0,
      predictions,
      spikeCounts: replies[0].spikeCounts,
      steps: 0,
      windows: 0,
      windowsCorrect: 0,
    };
    for (const [w, reply] of replies.entries()) {
      predictions.set(reply.predictions, at);
      at += reply.predictions.length;
      result.loss += reply.loss;
      result.counted += reply.counted;
      result.steps += reply.steps;
      result.windows += reply.windows;
      result.windowsCorrect += reply.windowsCorrect;
      if (w > 0) reply.spikeCounts.forEach((n, l) => (result.spikeCounts[l] += n));
      if (reply.grad) {
        if (!result.grad) result.grad = reply.grad;
        else for (let k = 0; k < reply.grad.length; k++) result.grad[k] += reply.grad[k];
      }
    }
    return result;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
