// SPDX-License-Identifier: MIT
// Properties of NA that hold whatever the implementation: k == L is full attention, dilation is NA on each
// dilation group, border windows shift inward with exactly k keys, causal rows see only earlier keys.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { na1dAV, na1dQK, na2d } from '@natzoo/core';
import { naTargets, useTarget } from './backends.js';

const randn = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, 'float32', seed);

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

/** Full softmax attention over all H*W positions, from tfjs matMul + softmax. */
function denseAttention(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, scale: number): tf.Tensor {
  return tf.tidy(() => {
    const [B, H, W, heads, D] = q.shape as number[] as [number, number, number, number, number];
    const flat = (t: tf.Tensor) => tf.transpose(tf.reshape(t, [B, H * W, heads, D]), [0, 2, 1, 3]);
    const attn = tf.softmax(tf.mul(tf.matMul(flat(q), flat(k), false, true), scale));
    return tf.reshape(tf.transpose(tf.matMul(attn, flat(v)), [0, 2, 1, 3]), [B, H, W, heads, D]);
  });
}

/**
 * Which key each (query, slot) reads, recovered through the op itself: one-hot attention on a slot
 * applied to values that hold their own position.
 */
function keysOfEachSlot(length: number, kernel: number, dilation: number, causal: boolean): number[][] {
  return tf.tidy(() => {
    const positions = tf.reshape(tf.range(0, length, 1, 'float32'), [1, length, 1, 1]);
    return Array.from({ length: kernel }, (_, slot) => {
      const oneHot = tf.reshape(tf.tile(tf.oneHot([slot], kernel).toFloat(), [length, 1]), [1, length, 1, kernel]);
      return Array.from(na1dAV(oneHot as tf.Tensor4D, positions as tf.Tensor4D, { kernelSize: kernel, dilation, isCausal: causal }).dataSync());
    });
  });
}

describe.each(naTargets)('NA properties on $name', (target) => {
  it('kernel equal to the input size is full self attention', async () => {
    await useTarget(target);
    tf.tidy(() => {
      const [q, k, v] = [randn([2, 5, 7, 2, 8], 1), randn([2, 5, 7, 2, 8], 2), randn([2, 5, 7, 2, 8], 3)];
      const out = na2d(q as tf.Tensor5D, k as tf.Tensor5D, v as tf.Tensor5D, { kernelSize: [5, 7] });
      expect(maxAbsDiff(out, denseAttention(q, k, v, 8 ** -0.5))).toBeLessThan(1e-5);
    });
  });

  it('dilated NA equals NA run on each dilation group', async () => {
    await useTarget(target);
    tf.tidy(() => {
      const [H, W, d0, d1] = [13, 11, 2, 3];
      const [q, k, v] = [randn([1, H, W, 2, 4], 4), randn([1, H, W, 2, 4], 5), randn([1, H, W, 2, 4], 6)];
      const rpb = randn([2, 5, 5], 7);
      const dilated = na2d(q as tf.Tensor5D, k as tf.Tensor5D, v as tf.Tensor5D, { kernelSize: 3, dilation: [d0, d1], rpb });
      for (let g0 = 0; g0 < d0; g0++) {
        for (let g1 = 0; g1 < d1; g1++) {
          const group = (t: tf.Tensor) => tf.stridedSlice(t, [0, g0, g1, 0, 0], [1, H, W, 2, 4], [1, d0, d1, 1, 1]);
          const alone = na2d(group(q) as tf.Tensor5D, group(k) as tf.Tensor5D, group(v) as tf.Tensor5D, { kernelSize: 3, rpb });
          expect(maxAbsDiff(group(dilated), alone), `group (${g0}, ${g1})`).toBeLessThan(1e-5);
        }
      }
    });
  });

  it('border windows shift inward: every query sees exactly k keys of its own group', async () => {
    await useTarget(target);
    const [L, kernel, dilation] = [17, 5, 3];
    const keys = keysOfEachSlot(L, kernel, dilation, false);
    const logits = tf.tidy(() => na1dQK(randn([1, L, 1, 2], 8) as tf.Tensor4D, randn([1, L, 1, 2], 9) as tf.Tensor4D, { kernelSize: kernel, dilation }).arraySync()) as number[][][][];
    for (let i = 0; i < L; i++) {
      const window = keys.map((slotKeys) => slotKeys[i]!);
      expect(logits[0]![i]![0]!.every(Number.isFinite), `query ${i} has ${kernel} finite logits`).toBe(true);
      expect(new Set(window).size, `query ${i} sees ${kernel} distinct keys`).toBe(kernel);
      expect(window.every((x) => x % dilation === i % dilation), `query ${i} stays in its group`).toBe(true);
      window.slice(1).forEach((x, n) => expect(x - window[n]!).toBe(dilation));
    }
    // The first and last queries of group 0 (length 6) share the border windows 0..4 and 1..5 (group units).
    expect(keys.map((s) => s[0])).toEqual([0, 3, 6, 9, 12]);
    expect(keys.map((s) => s[15])).toEqual([3, 6, 9, 12, 15]);
  });

  it('causal rows see only earlier keys, clipped rather than shifted', async () => {
    await useTarget(target);
    const [L, kernel] = [9, 4];
    const keys = keysOfEachSlot(L, kernel, 1, true);
    const logits = tf.tidy(() => na1dQK(randn([1, L, 1, 2], 10) as tf.Tensor4D, randn([1, L, 1, 2], 11) as tf.Tensor4D, { kernelSize: kernel, isCausal: true }).arraySync()) as number[][][][];
    for (let i = 0; i < L; i++) {
      const row = logits[0]![i]![0]!;
      const visible = Math.min(i + 1, kernel);
      row.forEach((logit, slot) => {
        if (slot < visible) {
          expect(Number.isFinite(logit), `query ${i} slot ${slot} visible`).toBe(true);
          expect(keys[slot]![i], `query ${i} slot ${slot}`).toBe(i - visible + 1 + slot);
        } else {
          expect(logit, `query ${i} slot ${slot} masked`).toBe(-Infinity);
        }
      });
    }
  });
});
