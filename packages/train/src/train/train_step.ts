// SPDX-License-Identifier: MIT
// One forward and backward pass in training mode (dropout and drop path on), with soft-target cross-entropy
// (timm's SoftTargetCrossEntropy: mean over the batch of -sum(target * log_softmax(logits))). The random ops of
// layers of the pass (dropout, drop path) draw their seeds from the step's own stream, the active random source,
// and their values per sample (@natzoo/core's batch noise): every micro-batch restarts the stream and names its
// samples' places in the whole batch, so slicing a batch, here or over worker threads, keeps every mask.
import { withRandomSource, type WasmHeapRemedy } from '@natzoo/core';
import { guardWasmHeap, wasmHeapFailure } from '@natzoo/core/internals';
import * as tf from '@tensorflow/tfjs';
import type { TrainableParam } from '../optim/no_weight_decay.js';
import { applyWithRecompute, type RecomputePlan } from './recompute.js';
import { Rng } from './rng.js';

export function softTargetCrossEntropy(logits: tf.Tensor2D, targets: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.neg(tf.sum(tf.mul(targets, tf.logSoftmax(logits)), -1))) as tf.Scalar);
}

export interface StepOptions {
  /** From planRecompute(model): the forward pass keeps one tensor per block and the backward pass recomputes
   *  the rest; the same gradients in much less memory. */
  recompute?: RecomputePlan;
  /** Run the batch in slices of at most this many images and sum their weighted gradients: the gradient of the
   *  whole batch (BatchNorm statistics aside) at the memory of one slice. */
  microBatch?: number;
  /** The index of `inputs`' first sample in the whole batch of the step (a worker's shard; default 0). */
  firstSample?: number;
}

/** `value` as a micro-batch size, or an error naming `argName` and the value. */
export function checkMicroBatch(value: number, argName: string): number {
  if (!Number.isInteger(value) || value < 1) throw new Error(`${argName} must be a positive integer; got ${String(value)}`);
  return value;
}

function oneSlice(model: tf.LayersModel, variables: tf.Variable[], inputs: tf.Tensor4D, targets: tf.Tensor2D, recompute?: RecomputePlan) {
  return tf.variableGrads(() => {
    const logits = (recompute === undefined ? model.apply(inputs, { training: true }) : applyWithRecompute(recompute, inputs)) as tf.Tensor2D;
    return softTargetCrossEntropy(logits, targets);
  }, variables);
}

/** What makes a training step of `batch` images (in slices of `slice`) need less memory, by argument name. */
export function trainStepRemedies(batch: number, slice: number): WasmHeapRemedy[] {
  const smaller = Math.max(1, Math.floor(Math.min(batch, slice) / 2));
  return [
    { argument: 'batchSize', how: 'a smaller {}' },
    { argument: 'microBatch', how: `a {} of ${smaller} or less (slices of the batch, the same step)` },
    { argument: 'workers', how: 'more {} (each thread has a heap of its own for its share of the batch)' },
  ];
}

/**
 * Returns the loss and the gradients keyed by parameter name (the caller disposes them). On the wasm backend a
 * step that does not fit the heap is a WasmHeapError naming the batch; it is caught rather than foreseen,
 * because what a step holds at its peak depends on the kernels, recomputation and tfjs's own buffers, and an
 * estimate wrong either way would refuse batches that fit or let through ones that abort.
 */
export function computeGradients(
  model: tf.LayersModel,
  params: readonly TrainableParam[],
  inputs: tf.Tensor4D,
  targets: tf.Tensor2D,
  rng: Rng,
  options: StepOptions = {},
): { loss: number; grads: Map<string, tf.Tensor> } {
  const n = inputs.shape[0];
  const slice = options.microBatch === undefined ? n : checkMicroBatch(options.microBatch, 'computeGradients: microBatch');
  guardWasmHeap();
  try {
    return gradientsOfSlices(model, params, inputs, targets, rng, options, slice);
  } catch (error) {
    throw wasmHeapFailure(error)?.during({ what: 'a training step', batch: n, remedies: trainStepRemedies(n, slice) }) ?? error;
  }
}

function gradientsOfSlices(
  model: tf.LayersModel,
  params: readonly TrainableParam[],
  inputs: tf.Tensor4D,
  targets: tf.Tensor2D,
  rng: Rng,
  options: StepOptions,
  slice: number,
): { loss: number; grads: Map<string, tf.Tensor> } {
  const variables = params.map((p) => p.variable);
  const n = inputs.shape[0];
  const firstSample = options.firstSample ?? 0;
  if (!Number.isSafeInteger(firstSample) || firstSample < 0) throw new Error(`computeGradients: firstSample must be a non-negative integer; got ${String(firstSample)}`);
  const streamStart = rng.state();
  let loss = 0;
  const sums = new Map<string, tf.Tensor>();
  for (let start = 0; start < n; start += slice) {
    const size = Math.min(slice, n - start);
    const whole = size === n;
    const x = whole ? inputs : tf.slice(inputs, [start, 0, 0, 0], [size, -1, -1, -1]);
    const y = whole ? targets : tf.slice(targets, [start, 0], [size, -1]);
    const stream = new Rng(streamStart);
    const source = { float: () => stream.float(), samples: { first: firstSample + start, count: size } };
    const { value, grads } = withRandomSource(source, () => oneSlice(model, variables, x, y, options.recompute));
    if (!whole) tf.dispose([x, y]);
    // The loss is a mean over the slice: weight each slice by its share of the batch.
    const weight = size / n;
    loss += value.dataSync()[0]! * weight;
    value.dispose();
    for (const [name, g] of Object.entries(grads)) {
      const weighted = whole ? g : tf.tidy(() => tf.mul(g, weight));
      if (!whole) g.dispose();
      const previous = sums.get(name);
      sums.set(name, previous === undefined ? weighted : tf.tidy(() => tf.add(previous, weighted)));
      if (previous !== undefined) tf.dispose([previous, weighted]);
    }
  }
  const byName = new Map<string, tf.Tensor>();
  for (const p of params) {
    const g = sums.get(p.variable.name);
    if (g !== undefined) byName.set(p.name, g);
  }
  return { loss, grads: byName };
}
