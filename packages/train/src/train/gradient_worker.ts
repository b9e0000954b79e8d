// SPDX-License-Identifier: MIT
// Worker-thread side of data-parallel training (gradient_workers.ts): its own tfjs backend (cpu or wasm, with
// the training kernels) and its own replica of the model. Per step it reads the current weights from the
// shared buffer the main thread filled, computes the gradient of its shard of the batch with computeGradients
// (the step's stream and the shard's place in the batch, so its random masks are the whole batch's), and posts
// the loss, the gradients and its non-trainable weights (BatchNorm's running statistics) back, transferred.
import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { setBestBackend, WasmHeapError } from '@natzoo/core';
import { registerTrainingKernels } from '@natzoo/core/training-kernels';
import { trainableParams, type TrainableParam } from '../optim/no_weight_decay.js';
import { buildSeededModel } from './build_model.js';
import { planRecompute } from './recompute.js';
import { Rng, type Sfc32State } from './rng.js';
import { computeGradients, type StepOptions } from './train_step.js';

export interface GradientWorkerInit {
  type: 'init';
  backend: 'cpu' | 'wasm';
  model: string;
  overrides: Record<string, unknown>;
  seed: number;
  recompute: boolean;
  microBatch?: number;
  /** Every weight of the model (model.weights order), float32, one after the other; written by the main thread. */
  weights: SharedArrayBuffer;
}

export interface GradientWorkerStep {
  type: 'step';
  id: number;
  /** The shard: `count` images `[count, H, W, 3]` and their soft targets `[count, classes]`. */
  inputs: Float32Array;
  targets: Float32Array;
  count: number;
  /** The step's stream (its state at the start of the step) and the shard's first sample in the whole batch. */
  rng: Sfc32State;
  firstSample: number;
}

/** A shard's result: the loss, the gradients (params order) and the non-trainable weights after the pass. */
export interface GradientWorkerGrads {
  type: 'grads';
  id: number;
  loss: number;
  grads: Float32Array[];
  state: Float32Array[];
}

/** A failure; `heap` when it was the wasm heap running out (the main thread names the whole batch). */
export interface GradientWorkerError {
  type: 'error';
  message: string;
  heap?: { detail: string; aborted: boolean };
}

export type GradientWorkerReply = { type: 'ready'; params: string[]; weights: string[] } | GradientWorkerGrads | GradientWorkerError;

interface Replica {
  model: tf.LayersModel;
  params: TrainableParam[];
  options: StepOptions;
  weights: Float32Array;
}

const port = parentPort;
if (port === null) throw new Error('gradient_worker.js must run in a worker thread');

async function start(init: GradientWorkerInit): Promise<Replica> {
  await setBestBackend([init.backend]);
  registerTrainingKernels();
  const model = buildSeededModel(init.model, init.overrides, init.seed);
  const options: StepOptions = {};
  if (init.microBatch !== undefined) options.microBatch = init.microBatch;
  if (init.recompute) {
    const plan = planRecompute(model);
    if (!('unsupported' in plan)) options.recompute = plan;
  }
  const weights = new Float32Array(init.weights);
  const size = model.weights.reduce((n, w) => n + w.read().size, 0);
  if (size !== weights.length) throw new Error(`gradient worker: the model has ${size} weight values, the main thread's ${weights.length}`);
  return { model, params: trainableParams(model.weights), options, weights };
}

function step(replica: Replica, request: GradientWorkerStep): GradientWorkerGrads {
  const { model, params, options, weights } = replica;
  let offset = 0;
  for (const w of model.weights) {
    const size = w.read().size;
    // A copy: the main thread rewrites the shared buffer for the next step.
    const value = tf.tensor(weights.slice(offset, offset + size), w.shape as number[]);
    w.write(value);
    value.dispose();
    offset += size;
  }
  const [, h, wd, c] = model.inputs[0]!.shape as number[];
  const classes = request.targets.length / request.count;
  const x = tf.tensor4d(request.inputs, [request.count, h!, wd!, c!]);
  const y = tf.tensor2d(request.targets, [request.count, classes]);
  const result = computeGradients(model, params, x, y, new Rng(request.rng), { ...options, firstSample: request.firstSample });
  tf.dispose([x, y]);
  const grads = params.map((p) => {
    const g = result.grads.get(p.name);
    const data = g === undefined ? new Float32Array(p.variable.size) : (g.dataSync() as Float32Array).slice();
    g?.dispose();
    return data;
  });
  const state = model.weights.filter((w) => !w.trainable).map((w) => (w.read().dataSync() as Float32Array).slice());
  return { type: 'grads', id: request.id, loss: result.loss, grads, state };
}

let replica: Replica | null = null;
port.on('message', (message: GradientWorkerInit | GradientWorkerStep) => {
  const fail = (error: unknown) => port.postMessage({
    type: 'error', message: error instanceof Error ? error.stack ?? error.message : String(error),
    ...(error instanceof WasmHeapError ? { heap: { detail: error.detail, aborted: error.aborted } } : {}),
  } satisfies GradientWorkerReply);
  if (message.type === 'init') {
    start(message).then((r) => {
      replica = r;
      port.postMessage({ type: 'ready', params: r.params.map((p) => p.name), weights: r.model.weights.map((w) => w.originalName) } satisfies GradientWorkerReply);
    }, fail);
    return;
  }
  try {
    if (replica === null) throw new Error('gradient worker: a step before init');
    const reply = step(replica, message);
    port.postMessage(reply, [...reply.grads, ...reply.state].map((a) => a.buffer as ArrayBuffer));
  } catch (error) {
    fail(error);
  }
});
