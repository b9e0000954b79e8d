// SPDX-License-Identifier: MIT
// Batches for one epoch, in the order of the epoch's permutation (drawn from the run seed, so a resumed run sees
// the same batches), prepared ahead by a bounded queue: at most `prefetch` batches are being decoded while the
// model trains on the current one. A sample that cannot be decoded is reported by path, counted and left out
// of its batch; the epoch goes on.
import { rngFor } from '../train/rng.js';
import type { ImageDataset } from './dataset.js';
import type { SamplePreparer } from './decode_pool.js';
import type { TransformConfig } from './sample_transform.js';
import { ArgumentError } from '@natzoo/core';

export interface Batch {
  /** 0-based index of the batch within the epoch. */
  step: number;
  /** NHWC float32 of `labels.length` images. */
  inputs: Float32Array;
  labels: Int32Array;
  /** Samples left out of this batch because they could not be read. */
  skipped: { path: string; error: string }[];
}

export interface LoaderOptions {
  batchSize: number;
  shuffle: boolean;
  /** Drop a last, incomplete batch (training) or keep it (evaluation). */
  dropLast: boolean;
  /** Batches prepared ahead of the one being consumed; default 2. */
  prefetch?: number;
  seed: number;
}

export class BatchLoader {
  constructor(
    readonly dataset: ImageDataset,
    readonly transform: TransformConfig,
    private readonly preparer: SamplePreparer,
    readonly options: LoaderOptions,
  ) {
    if (!(Number.isSafeInteger(options.batchSize) && options.batchSize > 0)) throw new ArgumentError('batchSize', options.batchSize, `expected a positive integer`);
    if (options.dropLast && dataset.size < options.batchSize) {
      throw new ArgumentError('batchSize', options.batchSize, `larger than the ${dataset.size} training images`);
    }
  }

  get stepsPerEpoch(): number {
    const { batchSize, dropLast } = this.options;
    return dropLast ? Math.floor(this.dataset.size / batchSize) : Math.ceil(this.dataset.size / batchSize);
  }

  /** The dataset indices of the epoch in order. */
  order(epoch: number): Int32Array {
    if (!this.options.shuffle) return Int32Array.from({ length: this.dataset.size }, (_, i) => i);
    return rngFor(this.options.seed, 'order', epoch).permutation(this.dataset.size);
  }

  private async load(epoch: number, order: Int32Array, step: number): Promise<Batch> {
    const { batchSize } = this.options;
    const indices = order.subarray(step * batchSize, Math.min((step + 1) * batchSize, order.length));
    const [height, width] = this.transform.size;
    const pixels = height * width * 3;
    const results = await Promise.all(
      [...indices].map((index) => {
        const source = this.dataset.source(index);
        return this.preparer.prepare(source, this.transform, { seed: this.options.seed, epoch, index }).then(
          (data) => ({ ok: true as const, data, index }),
          (error: Error) => ({ ok: false as const, index, path: source.kind === 'file' ? source.path : `#${index}`, error: error.message }),
        );
      }),
    );
    const good = results.filter((r) => r.ok);
    const inputs = new Float32Array(good.length * pixels);
    good.forEach((r, i) => inputs.set(r.data, i * pixels));
    return {
      step,
      inputs,
      labels: Int32Array.from(good, (r) => this.dataset.label(r.index)),
      skipped: results.flatMap((r) => (r.ok ? [] : [{ path: r.path, error: r.error }])),
    };
  }

  /** Batches `startStep..` of `epoch` (a resumed epoch starts mid-way without decoding the batches before). */
  async *epoch(epoch: number, startStep = 0): AsyncGenerator<Batch> {
    const order = this.order(epoch);
    const steps = this.stepsPerEpoch;
    const depth = Math.max(1, this.options.prefetch ?? 2);
    const queue: Promise<Batch>[] = [];
    let next = startStep;
    const fill = () => {
      while (queue.length < depth && next < steps) queue.push(this.load(epoch, order, next++));
    };
    fill();
    while (queue.length > 0) {
      const batch = await queue.shift()!;
      fill();
      yield batch;
    }
  }
}
