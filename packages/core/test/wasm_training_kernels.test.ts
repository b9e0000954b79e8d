// SPDX-License-Identifier: MIT
// The wasm kernel replacements training registers, against tfjs-cpu: buffer-sharing Identity and same-dtype
// Cast (values, and the shared buffer outliving its first owner), and the cpu fallbacks for the gradient kernels
// wasm lacks (gather's UnsortedSegmentSum, both depthwise-conv backprops).
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerTrainingKernels } from '../src/training_kernels.js';

const values = (shape: number[], salt: number) => Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i * 0.37 + salt));

beforeAll(async () => {
  await tf.setBackend('wasm');
  registerTrainingKernels();
});

async function onCpuAndWasm(f: () => tf.Tensor | tf.Tensor[]): Promise<[number[][], number[][]]> {
  const run = () => {
    const out = f();
    const list = Array.isArray(out) ? out : [out];
    const data = list.map((t) => [...t.dataSync()]);
    tf.dispose(list);
    return data;
  };
  await tf.setBackend('cpu');
  const cpu = run();
  await tf.setBackend('wasm');
  return [cpu, run()];
}

function expectClose(cpu: number[][], wasm: number[][], digits = 4): void {
  expect(wasm.map((a) => a.length)).toEqual(cpu.map((a) => a.length));
  cpu.forEach((a, i) => a.forEach((v, j) => expect(wasm[i]![j]).toBeCloseTo(v, digits)));
}

describe('wasm Identity and Cast share buffers', () => {
  it('a clone keeps its values after the original is disposed, and a same-dtype cast shares too', () => {
    const before = tf.memory().numBytes;
    const x = tf.tensor2d(values([4, 5], 1), [4, 5]);
    const copy = tf.clone(x);
    const cast = tf.cast(x, 'float32');
    const expected = [...x.dataSync()];
    x.dispose();
    expect([...copy.dataSync()]).toEqual(expected);
    expect([...cast.dataSync()]).toEqual(expected);
    tf.dispose([copy, cast]);
    expect(tf.memory().numBytes).toBe(before);
  });

  it('casts between dtypes still convert', () => {
    const ints = tf.cast(tf.tensor1d([1.7, -2.2, 3.9]), 'int32');
    expect([...ints.dataSync()]).toEqual([1, -2, 3]);
    expect([...tf.cast(ints, 'float32').dataSync()]).toEqual([1, -2, 3]);
  });

  it('a tape that saves inputs (clones) gives cpu\'s gradients', async () => {
    const [cpu, wasm] = await onCpuAndWasm(() => {
      const w = tf.tensor2d(values([6, 4], 2), [6, 4]);
      const x = tf.tensor2d(values([3, 6], 3), [3, 6]);
      return tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.tanh(tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D)))))([x, w]);
    });
    expectClose(cpu, wasm);
  });
});

describe('cpu fallbacks for gradient kernels wasm lacks', () => {
  it('UnsortedSegmentSum, and the gradient of gather through it', async () => {
    const [cpu, wasm] = await onCpuAndWasm(() => {
      const data = tf.tensor2d(values([6, 3], 4), [6, 3]);
      const ids = tf.tensor1d([2, 0, 2, 1, 0, 2], 'int32');
      const table = tf.tensor2d(values([4, 3], 5), [4, 3]);
      const dTable = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, ids), data)))(table);
      return [tf.unsortedSegmentSum(data, ids, 4), dTable];
    });
    expectClose(cpu, wasm);
  });

  it.each([
    [1, 'same'],
    [2, 'same'],
    [2, 'valid'],
  ] as const)('depthwise conv backprops (stride %d, %s)', async (stride, pad) => {
    const [cpu, wasm] = await onCpuAndWasm(() => {
      const x = tf.tensor4d(values([2, 9, 8, 3], 6), [2, 9, 8, 3]);
      const filter = tf.tensor4d(values([3, 3, 3, 2], 7), [3, 3, 3, 2]);
      return tf.grads((a: tf.Tensor, f: tf.Tensor) => tf.sum(tf.square(tf.depthwiseConv2d(a as tf.Tensor4D, f as tf.Tensor4D, stride, pad))))([x, filter]);
    });
    expectClose(cpu, wasm, 3);
  });
});
