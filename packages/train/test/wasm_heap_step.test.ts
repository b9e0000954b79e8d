// SPDX-License-Identifier: MIT
// A training step too large for the tfjs wasm heap (4 GiB) is a WasmHeapError naming the batch and the options
// that shrink it, both where our guarded malloc refuses an activation and where tfjs-wasm's C++ aborts (as
// training nat_mini at batch 16 on one thread does). Heap is reserved with malloc and never written, so the test
// holds a few hundred MiB of real memory, not 4 GiB. The abort leaves this file's wasm instance unusable: it runs last.
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { setBestBackend, WasmHeapError } from '@natzoo/core';
import { computeGradients, rngFor, trainableParams } from '@natzoo/train';

/** The Emscripten allocator of tfjs's wasm module (its typings leave it out). */
interface EmscriptenAllocator {
  _malloc(bytes: number): number;
  _free(pointer: number): void;
}

/** 4x4 images upsampled 512 times each way: 48 MiB of activation per image from 192 bytes of input. */
function upsamplingModel(): tf.LayersModel {
  const model = tf.sequential();
  model.add(tf.layers.upSampling2d({ size: [512, 512], inputShape: [4, 4, 3] }));
  model.add(tf.layers.globalAveragePooling2d({}));
  model.add(tf.layers.dense({ units: 2, kernelInitializer: 'zeros' }));
  return model;
}

/** A batch of `batch` images (ones) of `size` x `size` and targets of all ones over `classes`. */
function batchOf(batch: number, size = 4, classes = 2): [tf.Tensor4D, tf.Tensor2D] {
  return [tf.ones([batch, size, size, 3]) as tf.Tensor4D, tf.fill([batch, classes], 1 / classes) as tf.Tensor2D];
}

/** The error of one training step, or null. */
function step(model: tf.LayersModel, [x, y]: [tf.Tensor4D, tf.Tensor2D]): unknown {
  try {
    const result = computeGradients(model, trainableParams(model.weights), x, y, rngFor(0, 'step', 0));
    tf.dispose([...result.grads.values()]);
    return null;
  } catch (error) {
    return error;
  }
}

const remedies = (microBatch: number) =>
  `to fit, use a smaller batchSize, or a microBatch of ${microBatch} or less (slices of the batch, the same step), or more workers (each thread has a heap of its own for its share of the batch)`;

describe('a training step past the wasm heap', () => {
  beforeAll(async () => {
    expect(await setBestBackend(['wasm'])).toBe('wasm');
  });

  it('an activation the heap cannot hold is a WasmHeapError at the batch, before anything is allocated', () => {
    const batch = batchOf(96);
    const error = step(upsamplingModel(), batch); // 96 x 48 MiB = 4.5 GiB
    tf.dispose(batch);
    expect(error).toBeInstanceOf(WasmHeapError);
    expect((error as WasmHeapError).aborted).toBe(false);
    expect((error as Error).message).toBe(
      `a training step at batch 96 needed more than the wasm heap's 4 GiB (a 4608.0 MiB allocation failed with the heap at ${((error as WasmHeapError).cause as WasmHeapError).message.match(/heap at ([\d.]+ MiB)/)![1]}); ${remedies(48)}`,
    );
  });

  it("tfjs-wasm's abort on a full heap is a WasmHeapError that says the backend is gone", () => {
    // One 1x1 image to one logit: the step's tensors are a few bytes each.
    const model = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [1, 1, 3] }), tf.layers.dense({ units: 1 })] });
    const batch = batchOf(1, 1, 1);
    // Fill the heap to its last byte with blocks that are never written, then give back a 16-byte one: the step's
    // first tensor (12 bytes) still fits, tfjs's C++ record of it does not, and tfjs-wasm aborts.
    const module = (tf.backend() as BackendWasm).wasm as unknown as EmscriptenAllocator;
    let sixteen = 0;
    for (let size = 2 ** 31; size >= 1; ) {
      try {
        const pointer = module._malloc(size);
        if (size === 16) sixteen = pointer;
      } catch (error) {
        if (!(error instanceof WasmHeapError)) throw error;
        size = Math.floor(size / 2);
      }
    }
    module._free(sixteen);
    const error = step(model, batch);
    expect(error).toBeInstanceOf(WasmHeapError);
    expect((error as WasmHeapError).aborted).toBe(true);
    expect((error as Error).message).toMatch(
      /^a training step at batch 1 needed more than the wasm heap's 4 GiB \(tfjs-wasm aborted with the heap at 409[56]\.\d MiB\); to fit, use a smaller batchSize, .*; tfjs-wasm aborted, so its backend cannot run again in this thread$/,
    );
    expect(((error as Error).cause as Error).cause).toBeInstanceOf(WebAssembly.RuntimeError);
  });
});
