// SPDX-License-Identifier: MIT
// An optimizer trains through na2d: the registered gradients reach variables for q/k/v projections and rpb.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { na2d } from '@natzoo/core';
import { naTargets, useTarget } from './backends.js';

describe.each(naTargets)('optimizer through na2d on $name', (target) => {
  it('Adam fits a target map, moving every variable', async () => {
    await useTarget(target);
    const [B, H, W, heads, D] = [2, 6, 7, 2, 4];
    const x = tf.randomNormal([B, H, W, heads * D], 0, 1, 'float32', 21);
    const target_ = tf.randomNormal([B, H, W, heads, D], 0, 1, 'float32', 22);
    const weights = [23, 24, 25].map((seed) => tf.variable(tf.randomNormal([heads * D, heads * D], 0, 0.3, 'float32', seed)));
    const rpb = tf.variable(tf.zeros([heads, 5, 5]));
    const initial = [...weights, rpb].map((v) => v.clone());
    const loss = () =>
      tf.tidy(() => {
        const [q, k, v] = weights.map((w) => tf.reshape(tf.matMul(tf.reshape(x, [-1, heads * D]), w), [B, H, W, heads, D]) as tf.Tensor5D);
        return tf.mean(tf.square(tf.sub(na2d(q!, k!, v!, { kernelSize: 3, dilation: [2, 1], rpb }), target_))) as tf.Scalar;
      });
    const optimizer = tf.train.adam(0.05);
    const first = loss().dataSync()[0]!;
    for (let step = 0; step < 30; step++) optimizer.minimize(loss);
    const last = loss().dataSync()[0]!;
    expect(last).toBeLessThan(0.8 * first);
    [...weights, rpb].forEach((v, i) => {
      expect(tf.max(tf.abs(tf.sub(v, initial[i]!))).dataSync()[0], `variable ${i} moved`).toBeGreaterThan(1e-3);
    });
  });
});
