// SPDX-License-Identifier: MIT
// The tfjs-internals module: the version gate (4.x passes, another major fails naming the version found), and
// the accesses against the running tfjs: the gradient depth inside and outside a gradient, the nested-gradients
// helper leaving the outer tape intact, the wasm heap, memory and allocator agreeing with a tensor's data.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  UnsupportedTfjsVersionError,
  checkTfjsVersion,
  gradientsInBackwardPass,
  isRecordingGradients,
  wasmFree,
  wasmHeapBytes,
  wasmMalloc,
  wasmMemory,
  wasmMemoryOffset,
} from '../src/tfjs_internals.js';

describe('tfjs internals', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('accepts tfjs-core 4.x and names any other version it finds', () => {
    expect(() => checkTfjsVersion(tf.version_core)).not.toThrow();
    expect(() => checkTfjsVersion('4.0.0')).not.toThrow();
    for (const found of ['5.0.0', '3.21.0', 'next']) {
      expect(() => checkTfjsVersion(found)).toThrow(UnsupportedTfjsVersionError);
      expect(() => checkTfjsVersion(found)).toThrow(`found tfjs-core ${found}`);
    }
  });

  it('sees the gradient depth of tf.grad', () => {
    let inside = false;
    tf.grad((x: tf.Tensor) => {
      inside = isRecordingGradients();
      return tf.sum(tf.square(x));
    })(tf.tensor1d([1, 2]));
    expect(inside).toBe(true);
    expect(isRecordingGradients()).toBe(false);
  });

  it('computes gradients inside a gradient function and keeps the outer pass working', () => {
    // d/dx sum(f(x)) with f's backward computed by a nested gradients call: f = x^3, so 3x^2.
    const cube = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
      save([x]);
      return {
        value: tf.pow(x, 3),
        gradFunc: (dy: tf.Tensor, [saved]: tf.Tensor[]) => {
          const { value, grads } = gradientsInBackwardPass(() => tf.pow(saved!, 3), [saved!], dy);
          value.dispose();
          return [grads[0]!];
        },
      };
    });
    const x = tf.tensor1d([1, -2, 3]);
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(cube(v), tf.tensor1d([1, 1, 2]))))(x);
    expect([...g.dataSync()]).toEqual([3, 12, 54]);
  });

  it('reads a wasm tensor through the heap, and allocates on it', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend() as BackendWasm;
    const t = tf.tensor1d([1.5, -2, 7]);
    const memory = wasmMemory(backend)!;
    expect(memory).toBeInstanceOf(WebAssembly.Memory);
    expect(wasmHeapBytes(backend).buffer).toBe(memory.buffer);
    const view = new Float32Array(memory.buffer, wasmMemoryOffset(backend, t), 3);
    expect([...view]).toEqual([1.5, -2, 7]);
    const block = wasmMalloc(backend, 64);
    expect(block).toBeGreaterThan(0);
    wasmFree(backend, block);
    t.dispose();
    await tf.setBackend('cpu');
  });
});
