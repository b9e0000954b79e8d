// SPDX-License-Identifier: MIT
// Our wasm kernels' scratch tables lie past 2 GiB once tfjs's heap has grown there (training nat_mini at batch 16
// does), where emscripten's malloc hands back pointers that read negative as signed i32s.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { na2d } from '@natzoo/core';

const FILLER_FLOATS = 560 * 1024 * 1024; // 2.19 GiB of float32, so the next allocations land past 2 GiB

describe('wasm kernels on a heap past 2 GiB', () => {
  let filler: tf.Tensor | null = null;
  beforeAll(async () => {
    await tf.setBackend('wasm');
    filler = tf.zeros([FILLER_FLOATS]);
  });
  afterAll(() => {
    filler?.dispose();
  });

  it('na2d on wasm matches cpu when its tensors and scratch sit above 2 GiB', async () => {
    const shape: [number, number, number, number, number] = [1, 9, 9, 2, 8];
    const [q, k, v] = [1, 2, 3].map((seed) => tf.randomNormal(shape, 0, 1, 'float32', seed) as tf.Tensor5D);
    const ours = await na2d(q!, k!, v!, { kernelSize: 5, dilation: 1 }).data();
    const values = await Promise.all([q!, k!, v!].map((t) => t.data()));
    tf.dispose([q!, k!, v!]);
    await tf.setBackend('cpu');
    const [qc, kc, vc] = values.map((d) => tf.tensor5d(d, shape));
    const reference = await na2d(qc!, kc!, vc!, { kernelSize: 5, dilation: 1 }).data();
    tf.dispose([qc!, kc!, vc!]);
    await tf.setBackend('wasm');
    let differs = 0;
    for (let i = 0; i < reference.length; i++) differs = Math.max(differs, Math.abs(ours[i]! - reference[i]!));
    expect(differs).toBeLessThan(1e-5);
  });
});
