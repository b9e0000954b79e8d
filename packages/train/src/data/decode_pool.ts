// SPDX-License-Identifier: MIT
// A fixed pool of worker threads that prepare samples off the main thread, so tfjs (single-threaded in Node)
// keeps computing while images are decoded. Requests go to the worker with the fewest in flight.
import { Worker } from 'node:worker_threads';
import type { SampleSource } from './dataset.js';
import type { DecodeReply, DecodeRequest } from './decode_worker.js';
import { prepareSample, type SampleKey, type TransformConfig } from './sample_transform.js';
import { ArgumentError } from '@natzoo/core';
import { workerScript } from '../workers/worker_script.js';

export interface SamplePreparer {
  prepare(source: SampleSource, config: TransformConfig, key: SampleKey): Promise<Float32Array>;
  close(): Promise<void>;
}

/** Prepares on the main thread (no workers): for in-memory datasets, tests and `--workers 0`. */
export const inlinePreparer: SamplePreparer = {
  prepare: prepareSample,
  close: async () => undefined,
};

export class DecodePool implements SamplePreparer {
  private readonly workers: Worker[] = [];
  private readonly load: number[] = [];
  private readonly pending = new Map<number, { resolve: (d: Float32Array) => void; reject: (e: Error) => void; worker: number }>();
  private nextId = 0;

  constructor(size: number) {
    if (!(Number.isSafeInteger(size) && size > 0)) throw new ArgumentError('decodeWorkers', size, `expected a positive integer`);
    const path = workerScript('./decode_worker.js', import.meta.url, 'decode workers');
    for (let i = 0; i < size; i++) {
      const worker = new Worker(path);
      worker.on('message', (reply: DecodeReply) => this.settle(reply));
      worker.on('error', (error) => this.failWorker(i, error));
      this.workers.push(worker);
      this.load.push(0);
    }
  }

  private settle(reply: DecodeReply): void {
    const task = this.pending.get(reply.id);
    if (task === undefined) return;
    this.pending.delete(reply.id);
    this.load[task.worker]!--;
    if (reply.ok) task.resolve(reply.data);
    else task.reject(new Error(reply.error));
  }

  private failWorker(index: number, error: Error): void {
    for (const [id, task] of this.pending) {
      if (task.worker !== index) continue;
      this.pending.delete(id);
      task.reject(new Error(`decode worker ${index} died: ${error.message}`));
    }
  }

  prepare(source: SampleSource, config: TransformConfig, key: SampleKey): Promise<Float32Array> {
    const worker = this.load.indexOf(Math.min(...this.load));
    const id = this.nextId++;
    this.load[worker]!++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, worker });
      this.workers[worker]!.postMessage({ id, source, config, key } satisfies DecodeRequest);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
