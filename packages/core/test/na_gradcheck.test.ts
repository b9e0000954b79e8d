// SPDX-License-Identifier: MIT
// Central finite differences against the analytic gradients of every NA kernel, on small cases.
import * as tf from '@tensorflow/tfjs';
import { describe, it } from 'vitest';
import { na1d, na1dAV, na1dQK, na2d, na2dAV, na2dQK, na3d, na3dAV, na3dQK, setNABackward } from '@natzoo/core';

type T6 = tf.Tensor<tf.Rank.R6>;
import { naTargets, useTarget } from './backends.js';
import { gradcheck, randn } from './support/gradcheck.js';

/** Masked slots hold -inf; the loss only sees the finite ones. */
const finiteOnly = (t: tf.Tensor) => tf.where(tf.isFinite(t), t, tf.zerosLike(t));

describe.each(naTargets)('finite differences on $name', (target) => {
  it('na1dQK with rpb, dilation 2: d query, d key, d rpb', async () => {
    await useTarget(target);
    const opts = (rpb: tf.Tensor) => ({ kernelSize: 3, dilation: 2, rpb, scale: 0.7 });
    gradcheck((q, k, rpb) => na1dQK(q as tf.Tensor4D, k as tf.Tensor4D, opts(rpb!)), [
      randn([1, 9, 2, 3], 1), randn([1, 9, 2, 3], 2), randn([2, 5], 3),
    ]);
  });

  it('na2dQK causal on one axis: d query, d key', async () => {
    await useTarget(target);
    const qk = (q: tf.Tensor, k: tf.Tensor) => na2dQK(q as tf.Tensor5D, k as tf.Tensor5D, { kernelSize: [3, 2], isCausal: [true, false] });
    gradcheck((q, k) => finiteOnly(qk(q!, k!)), [randn([1, 5, 4, 1, 3], 4), randn([1, 5, 4, 1, 3], 5)]);
  });

  it('na2dAV with dilation (2, 1): d attn, d value', async () => {
    await useTarget(target);
    gradcheck((a, v) => na2dAV(a as tf.Tensor5D, v as tf.Tensor5D, { kernelSize: [2, 3], dilation: [2, 1] }), [
      randn([1, 5, 6, 2, 6], 6), randn([1, 5, 6, 2, 3], 7),
    ]);
  });

  it('na1dAV causal: d attn, d value', async () => {
    await useTarget(target);
    gradcheck((a, v) => na1dAV(a as tf.Tensor4D, v as tf.Tensor4D, { kernelSize: 4, isCausal: true }), [
      randn([2, 7, 1, 4], 8), randn([2, 7, 1, 3], 9),
    ]);
  });

  it('na2d fused with rpb and dilation: d query, d key, d value, d rpb', async () => {
    await useTarget(target);
    gradcheck((q, k, v, rpb) => na2d(q as tf.Tensor5D, k as tf.Tensor5D, v as tf.Tensor5D, { kernelSize: 3, dilation: [1, 2], rpb }), [
      randn([1, 5, 6, 2, 4], 10), randn([1, 5, 6, 2, 4], 11), randn([1, 5, 6, 2, 4], 12), randn([2, 5, 5], 13),
    ]);
  });

  it('na1d causal: d query, d key, d value', async () => {
    await useTarget(target);
    gradcheck((q, k, v) => na1d(q as tf.Tensor4D, k as tf.Tensor4D, v as tf.Tensor4D, { kernelSize: 3, isCausal: true }), [
      randn([1, 8, 1, 4], 14), randn([1, 8, 1, 4], 15), randn([1, 8, 1, 4], 16),
    ]);
  });

  it('na1d stride 2, even kernel 4, rpb: d query, d key, d value, d rpb', async () => {
    await useTarget(target);
    const opts = (rpb: tf.Tensor) => ({ kernelSize: 4, stride: 2, rpb });
    gradcheck((q, k, v, rpb) => na1d(q as tf.Tensor4D, k as tf.Tensor4D, v as tf.Tensor4D, opts(rpb!)), [
      randn([1, 11, 2, 4], 21), randn([1, 11, 2, 4], 22), randn([1, 11, 2, 4], 23), randn([2, 7], 24),
    ]);
  });

  it('na2d GQA 4->2, stride (2, 1), causal columns: d query, d key, d value', async () => {
    await useTarget(target);
    const opts = { kernelSize: [3, 3], stride: [2, 1], isCausal: [false, true] };
    gradcheck((q, k, v) => na2d(q as tf.Tensor5D, k as tf.Tensor5D, v as tf.Tensor5D, opts), [
      randn([1, 5, 4, 4, 3], 25), randn([1, 5, 4, 2, 3], 26), randn([1, 5, 4, 2, 3], 27),
    ]);
  });

  it('na3dQK stride (1, 2, 1), dilation (1, 1, 2), rpb: d query, d key, d rpb', async () => {
    await useTarget(target);
    const opts = (rpb: tf.Tensor) => ({ kernelSize: [2, 3, 2], stride: [1, 2, 1], dilation: [1, 1, 2], rpb, scale: 0.8 });
    gradcheck((q, k, rpb) => na3dQK(q as T6, k as T6, opts(rpb!)), [
      randn([1, 3, 4, 4, 1, 3], 28), randn([1, 3, 4, 4, 1, 3], 29), randn([1, 3, 5, 3], 30),
    ]);
  });

  it('na3dAV MQA, causal first axis: d attn, d value', async () => {
    await useTarget(target);
    const opts = { kernelSize: [2, 2, 3], isCausal: [true, false, false] };
    gradcheck((a, v) => na3dAV(a as T6, v as T6, opts), [randn([1, 3, 3, 4, 2, 12], 31), randn([1, 3, 3, 4, 1, 3], 32)]);
  });

  it('na2d with extra tokens, MQA, blocked: d query, d key, d value, d extra keys, d extra values', async () => {
    await useTarget(target);
    const opts = (additionalKeys: tf.Tensor, additionalValues: tf.Tensor) => ({ kernelSize: 2, stride: 2, additionalKeys, additionalValues });
    gradcheck((q, k, v, ak, av) => na2d(q as tf.Tensor5D, k as tf.Tensor5D, v as tf.Tensor5D, opts(ak!, av!)), [
      randn([1, 4, 4, 2, 3], 33), randn([1, 4, 4, 1, 3], 34), randn([1, 4, 4, 1, 3], 35), randn([1, 3, 1, 3], 36), randn([1, 3, 1, 3], 37),
    ]);
  });

  it('na3d fused with rpb and GQA: d query, d key, d value, d rpb', async () => {
    await useTarget(target);
    const opts = (rpb: tf.Tensor) => ({ kernelSize: [2, 3, 2], stride: [2, 1, 1], rpb });
    gradcheck((q, k, v, rpb) => na3d(q as T6, k as T6, v as T6, opts(rpb!)), [
      randn([1, 3, 3, 3, 2, 4], 38), randn([1, 3, 3, 3, 1, 4], 39), randn([1, 3, 3, 3, 1, 4], 40), randn([2, 3, 5, 3], 41),
    ]);
  });

  it('fused backward (from the log-sum-exp): na3d with rpb, GQA, stride, causal axis', async () => {
    await useTarget(target);
    setNABackward('fused');
    try {
      const opts = (rpb?: tf.Tensor) => (rpb ? { kernelSize: [2, 3, 3], stride: [1, 2, 1], rpb } : { kernelSize: [2, 3, 3], isCausal: [false, false, true] });
      gradcheck((q, k, v, rpb) => na3d(q as T6, k as T6, v as T6, opts(rpb!)), [
        randn([1, 3, 4, 3, 2, 4], 42), randn([1, 3, 4, 3, 1, 4], 43), randn([1, 3, 4, 3, 1, 4], 44), randn([2, 3, 5, 5], 45),
      ]);
      gradcheck((q, k, v) => na3d(q as T6, k as T6, v as T6, opts()), [
        randn([1, 3, 4, 3, 2, 4], 46), randn([1, 3, 4, 3, 2, 4], 47), randn([1, 3, 4, 3, 2, 4], 48),
      ]);
    } finally {
      setNABackward('split');
    }
  });
});
