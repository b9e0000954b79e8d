// SPDX-License-Identifier: MIT
// The wasm matmul wrapper (explicit transposes) against the cpu backend, for every
// transpose combination, batched, broadcast and 4-D shapes, and inside a gradient (inputs saved for backward
// must survive the kernel).
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { registerTrainingKernels } from '../src/training_kernels.js';

const values = (shape: number[], salt: number) => Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i * 0.37 + salt));

async function onBoth(f: () => tf.Tensor): Promise<[number[], number[]]> {
  await tf.setBackend('cpu');
  const cpu = [...(await f().data())];
  await tf.setBackend('wasm');
  registerTrainingKernels();
  const wasm = [...(await f().data())];
  return [cpu, wasm];
}

describe('wasm matmul wrapper', () => {
  it('equals cpu for every transpose combination, batched and broadcast', async () => {
    const cases: [number[], number[], boolean, boolean][] = [
      [[5, 7], [7, 3], false, false], [[5, 7], [3, 7], false, true], [[7, 5], [7, 3], true, false], [[7, 5], [3, 7], true, true],
      [[4, 5, 7], [4, 7, 3], false, false], [[4, 7, 5], [4, 3, 7], true, true], [[4, 5, 7], [1, 7, 3], false, false],
      [[2, 3, 5, 7], [2, 3, 3, 7], false, true],
    ];
    for (const [as, bs, ta, tb] of cases) {
      const [cpu, wasm] = await onBoth(() => tf.matMul(tf.tensor(values(as, 1), as), tf.tensor(values(bs, 2), bs), ta, tb));
      expect(wasm.length).toBe(cpu.length);
      wasm.forEach((v, i) => expect(v).toBeCloseTo(cpu[i]!, 4));
    }
  });

  it('gives the same gradients as cpu through a batched attention-like product', async () => {
    const [cpu, wasm] = await onBoth(() => {
      const q = tf.tensor3d(values([3, 6, 4], 3), [3, 6, 4]);
      const k = tf.tensor3d(values([3, 6, 4], 4), [3, 6, 4]);
      return tf.grad((x: tf.Tensor) => tf.sum(tf.square(tf.matMul(tf.softmax(tf.matMul(x as tf.Tensor3D, k, false, true)), k))))(q);
    });
    wasm.forEach((v, i) => expect(v).toBeCloseTo(cpu[i]!, 4));
  });
});
