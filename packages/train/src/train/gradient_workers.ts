// SPDX-License-Identifier: MIT
// Data-parallel training steps over Node worker threads. A step's batch is cut into contiguous shards, one per
// participant: the calling thread computes the first on its own model, each worker thread (gradient_worker.ts,
// its own tfjs backend and model replica) one of the others, from the weights the caller copies into a shared
// buffer before the step. The gradients come back and are summed in shard order, each weighted by its shard's
// share of the batch: the whole batch's mean gradient up to float rounding, the same on every run. The caller
// then applies the optimizer once, on its own model, so optimizer state, EMA and checkpoints stay where they
// were. Random masks are drawn per sample index (train_step.ts), so they do not depend on the number of shards.
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { ArgumentError, WasmHeapError } from '@natzoo/core';
import { wasmHeapFailure } from '@natzoo/core/internals';
import type { TrainableParam } from '../optim/no_weight_decay.js';
import { workerScript } from '../workers/worker_script.js';
import type { GradientWorkerGrads, GradientWorkerInit, GradientWorkerReply, GradientWorkerStep } from './gradient_worker.js';
import type { Rng } from './rng.js';
import { computeGradients, trainStepRemedies, type StepOptions } from './train_step.js';

/** `value` as a count of training workers (threads computing a step, the calling one included), or an error
 *  naming `argName`. */
export function checkWorkers(value: number, argName = 'workers'): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new ArgumentError(argName, value, 'expected a positive integer (the threads a training step runs on, 1: this thread only)');
  return value;
}

/** `n` samples in at most `parts` contiguous shards whose sizes differ by at most one, larger ones first. */
export function shardSizes(n: number, parts: number): number[] {
  const used = Math.min(parts, n);
  return Array.from({ length: used }, (_, i) => Math.floor(n / used) + (i < n % used ? 1 : 0));
}

export interface GradientWorkersOptions {
  /** Threads a step runs on, the calling one included (>= 2 to start any worker). */
  workers: number;
  /** The registry name, constructor overrides and run seed the caller's model was built from. */
  model: string;
  overrides: Record<string, unknown>;
  seed: number;
  /** How the workers run their shards (the caller passes its own to computeGradients). */
  recompute: boolean;
  microBatch?: number;
}

interface Pending {
  resolve: (reply: GradientWorkerGrads) => void;
  reject: (error: Error) => void;
}

export class GradientWorkers {
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private failure: Error | null = null;

  private constructor(
    private readonly model: tf.LayersModel,
    private readonly threads: Worker[],
    private readonly weights: Float32Array,
  ) {
    threads.forEach((worker, i) => {
      worker.on('message', (reply: GradientWorkerReply) => this.settle(reply, i));
      worker.on('error', (error) => this.fail(new Error(`gradient worker ${i + 1} died: ${error.message}`, { cause: error })));
      worker.on('exit', (code) => this.fail(new Error(`gradient worker ${i + 1} exited (code ${code})`)));
    });
  }

  /** Starts `options.workers - 1` worker threads on the active backend (cpu or wasm), each building its replica
   *  of `model`. */
  static async start(model: tf.LayersModel, options: GradientWorkersOptions): Promise<GradientWorkers> {
    const count = checkWorkers(options.workers);
    const backend = tf.getBackend();
    if (backend !== 'cpu' && backend !== 'wasm') {
      throw new ArgumentError('workers', count, `training workers run on the cpu and wasm backends; the active backend is ${backend}`);
    }
    const size = model.weights.reduce((n, w) => n + w.read().size, 0);
    const shared = new SharedArrayBuffer(4 * size);
    const path = workerScript('./gradient_worker.js', import.meta.url, 'training workers');
    const init: GradientWorkerInit = {
      type: 'init', backend, model: options.model, overrides: options.overrides, seed: options.seed, recompute: options.recompute, weights: shared,
      ...(options.microBatch === undefined ? {} : { microBatch: options.microBatch }),
    };
    const threads = Array.from({ length: count - 1 }, () => new Worker(path));
    const names = model.weights.map((w) => w.originalName).join();
    try {
      await Promise.all(threads.map((worker, i) => new Promise<void>((ready, fail) => {
        worker.once('error', fail);
        worker.once('message', (reply: GradientWorkerReply) => {
          worker.off('error', fail);
          if (reply.type === 'error') fail(new Error(`gradient worker ${i + 1}: ${reply.message}`));
          else if (reply.type === 'ready' && reply.weights.join() === names) ready();
          else fail(new Error(`gradient worker ${i + 1} built a model with other weights than the caller's`));
        });
        worker.postMessage(init);
      })));
    } catch (error) {
      await Promise.all(threads.map((w) => w.terminate()));
      throw error;
    }
    return new GradientWorkers(model, threads, new Float32Array(shared));
  }

  /** Threads a step runs on, the calling one included. */
  get workers(): number {
    return this.threads.length + 1;
  }

  private settle(reply: GradientWorkerReply, worker: number): void {
    if (reply.type === 'error') {
      const { heap } = reply;
      return this.fail(heap === undefined ? new Error(`gradient worker ${worker + 1}: ${reply.message}`) : new WasmHeapError(`worker ${worker + 1}: ${heap.detail}`, heap.aborted));
    }
    if (reply.type !== 'grads') return;
    const task = this.pending.get(reply.id);
    this.pending.delete(reply.id);
    task?.resolve(reply);
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const task of this.pending.values()) task.reject(error);
    this.pending.clear();
  }

  /** computeGradients over the whole batch, spread over the threads: the loss and the gradients by parameter
   *  name (the caller disposes them). The caller's model must hold the step's weights; `options` are the
   *  caller's own (its shard is computed with them). */
  async computeGradients(params: readonly TrainableParam[], inputs: tf.Tensor4D, targets: tf.Tensor2D, rng: Rng, options: StepOptions = {}): Promise<{ loss: number; grads: Map<string, tf.Tensor> }> {
    const n = inputs.shape[0];
    try {
      return await this.spreadStep(params, inputs, targets, rng, options);
    } catch (error) {
      // A shard that did not fit (here or in a worker) is reported as the whole step's: the batch the caller chose;
      // a micro-batch helps only below the largest shard.
      throw wasmHeapFailure(error)?.during({ what: `a training step over ${this.workers} threads`, batch: n, remedies: trainStepRemedies(n, Math.min(options.microBatch ?? n, Math.ceil(n / this.workers))) }) ?? error;
    }
  }

  private async spreadStep(params: readonly TrainableParam[], inputs: tf.Tensor4D, targets: tf.Tensor2D, rng: Rng, options: StepOptions) {
    if (this.failure !== null) throw this.failure;
    const n = inputs.shape[0];
    const sizes = shardSizes(n, this.workers);
    const before = this.publishWeights();
    const [imageData, targetData] = [inputs.dataSync() as Float32Array, targets.dataSync() as Float32Array];
    const [perImage, perTarget] = [imageData.length / n, targetData.length / n];
    const replies: Promise<GradientWorkerGrads>[] = [];
    let first = sizes[0]!;
    for (let k = 1; k < sizes.length; k++) {
      const count = sizes[k]!;
      const request: GradientWorkerStep = {
        type: 'step', id: this.nextId++, count, rng: rng.state(), firstSample: first,
        inputs: imageData.slice(first * perImage, (first + count) * perImage), targets: targetData.slice(first * perTarget, (first + count) * perTarget),
      };
      replies.push(new Promise((resolve, reject) => this.pending.set(request.id, { resolve, reject })));
      this.threads[k - 1]!.postMessage(request, [request.inputs.buffer as ArrayBuffer, request.targets.buffer as ArrayBuffer]);
      first += count;
    }
    let own: { loss: number; grads: Map<string, tf.Tensor> };
    try {
      own = sizes.length === 1 ? computeGradients(this.model, params, inputs, targets, rng, options) : this.ownShard(params, inputs, targets, rng, options, sizes[0]!);
    } catch (error) {
      // The workers' replies are not wanted any more, failures included.
      void Promise.allSettled(replies);
      throw error;
    }
    const shards = await Promise.all(replies).catch((error: Error) => {
      tf.dispose([...own.grads.values()]);
      throw error;
    });
    return this.combine(params, own, shards, sizes, before);
  }

  private ownShard(params: readonly TrainableParam[], inputs: tf.Tensor4D, targets: tf.Tensor2D, rng: Rng, options: StepOptions, count: number) {
    const x = tf.slice(inputs, 0, count);
    const y = tf.slice(targets, 0, count);
    try {
      return computeGradients(this.model, params, x, y, rng, { ...options, firstSample: 0 });
    } finally {
      tf.dispose([x, y]);
    }
  }

  /** Copies every weight into the shared buffer; returns the non-trainable ones' values (before the step). */
  private publishWeights(): Float32Array[] {
    const before: Float32Array[] = [];
    let offset = 0;
    for (const w of this.model.weights) {
      const data = w.read().dataSync() as Float32Array;
      this.weights.set(data, offset);
      if (!w.trainable) before.push(data.slice());
      offset += data.length;
    }
    return before;
  }

  /** Sums the shards' gradients and losses weighted by shard size; the non-trainable weights (running
   *  statistics) become the before-step value plus the weighted mean of the shards' changes. */
  private combine(params: readonly TrainableParam[], own: { loss: number; grads: Map<string, tf.Tensor> }, shards: GradientWorkerGrads[], sizes: number[], before: Float32Array[]) {
    if (shards.length === 0) return own;
    const n = sizes.reduce((a, b) => a + b, 0);
    const share = sizes.map((s) => s / n);
    let loss = own.loss * share[0]!;
    shards.forEach((s, k) => (loss += s.loss * share[k + 1]!));
    const grads = new Map<string, tf.Tensor>();
    params.forEach((p, i) => {
      const mine = own.grads.get(p.name);
      grads.set(p.name, tf.tidy(() => {
        let sum = mine === undefined ? tf.zerosLike(p.variable) : tf.mul(mine, share[0]!);
        shards.forEach((s, k) => (sum = tf.add(sum, tf.mul(tf.tensor(s.grads[i]!, p.variable.shape), share[k + 1]!))));
        return sum;
      }));
      mine?.dispose();
    });
    this.model.weights.filter((w) => !w.trainable).forEach((w, j) => {
      const old = before[j]!;
      const values = [w.read().dataSync() as Float32Array, ...shards.map((s) => s.state[j]!)];
      if (values.every((v) => v.every((x, i) => x === old[i]))) return;
      const mean = old.map((o, i) => o + values.reduce((acc, v, k) => acc + share[k]! * (v[i]! - o), 0));
      const value = tf.tensor(mean, w.shape as number[]);
      w.write(value);
      value.dispose();
    });
    return { loss, grads };
  }

  async close(): Promise<void> {
    this.failure ??= new Error('the training workers are closed');
    for (const w of this.threads) w.removeAllListeners('exit');
    await Promise.all(this.threads.map((w) => w.terminate()));
  }
}
