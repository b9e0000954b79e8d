// SPDX-License-Identifier: MIT
// The Conv2DBackpropFilter kernel registered for cpu and wasm against tfjs-cpu's own kernel (the reference
// loop it replaces), over strides, 'same' / 'valid' / explicit padding and odd sizes; and the gradient of a
// conv2d on wasm, which has no kernel of its own, against cpu.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import type { Conv2DBackpropFilterAttrs, KernelFunc } from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { conv2dFilterGradient, registerTrainingKernels } from '../src/training_kernels.js';

const reference = tf.getKernel('Conv2DBackpropFilter', 'cpu')!.kernelFunc as KernelFunc;
registerTrainingKernels();

type Case = [[number, number, number, number], [number, number, number, number], number | [number, number], Conv2DBackpropFilterAttrs['pad']];
const CASES: Case[] = [
  [[2, 9, 9, 3], [3, 3, 3, 4], 1, 'same'],
  [[2, 10, 11, 3], [3, 3, 3, 5], 2, 'same'],
  [[1, 8, 8, 2], [7, 7, 2, 3], 2, [[0, 0], [3, 3], [3, 3], [0, 0]]],
  [[2, 9, 9, 3], [3, 3, 3, 4], [2, 1], 'valid'],
  [[3, 7, 6, 4], [2, 2, 4, 2], 1, 'valid'],
];

describe('Conv2DBackpropFilter via a forward conv', () => {
  it('equals the tfjs-cpu kernel', async () => {
    await tf.setBackend('cpu');
    for (const [xShape, filterShape, strides, pad] of CASES) {
      const info = tf.backend_util.computeConv2DInfo(xShape, filterShape, strides, 1, pad, undefined, false, 'channelsLast');
      const x = tf.randomNormal(xShape, 0, 1, 'float32', 1) as tf.Tensor4D;
      const dy = tf.randomNormal([xShape[0], info.outHeight, info.outWidth, filterShape[3]], 0, 1, 'float32', 2) as tf.Tensor4D;
      const ours = conv2dFilterGradient(x, dy, filterShape, strides, pad);
      const refInfo = reference({ inputs: { x, dy }, backend: tf.backend(), attrs: { strides, pad, dataFormat: 'NHWC', filterShape } as never });
      const ref = tf.engine().makeTensorFromTensorInfo(refInfo as tf.TensorInfo);
      expect(ours.shape).toEqual(filterShape);
      expect(tf.max(tf.abs(tf.sub(ours, ref))).dataSync()[0]).toBeLessThan(1e-4);
    }
  });

  it('gives wasm conv2d gradients equal to cpu', async () => {
    const grad = async (backend: string) => {
      await tf.setBackend(backend);
      const x = tf.tensor4d(Array.from({ length: 2 * 8 * 8 * 3 }, (_, i) => Math.sin(i)), [2, 8, 8, 3]);
      const w = tf.tensor4d(Array.from({ length: 3 * 3 * 3 * 4 }, (_, i) => Math.cos(i)), [3, 3, 3, 4]);
      const g = tf.grad((f: tf.Tensor) => tf.sum(tf.square(tf.conv2d(x, f as tf.Tensor4D, 2, 'same'))))(w);
      return [...(await g.data())];
    };
    const cpu = await grad('cpu');
    const wasm = await grad('wasm');
    wasm.forEach((v, i) => expect(v).toBeCloseTo(cpu[i]!, 2));
  });
});
