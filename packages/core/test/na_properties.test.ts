// SPDX-License-Identifier: MIT
// Properties of NA that hold whatever the implementation: k == L is full attention, dilation is NA on each
// dilation group, border windows shift inward with exactly k keys, causal rows see only earlier keys; and of
// generalized NA: stride 1 is today's op, stride == kernel is per-block dense attention, GQA is plain NA on
// repeated kv heads, extra tokens no query can attend to change nothing, 3-D with a flat axis is 2-D.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { na1dAV, na1dQK, na2d, na3d } from '@natzoo/core';
import type { NAOptions } from '@natzoo/core';
import { loadNAFixtures } from '../../../tests/support/na_fixtures.js';
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

  it('stride 1 given explicitly reproduces the v0.17.5 golden outputs', async () => {
    await useTarget(target);
    for (const c of loadNAFixtures().filter((f) => f.rank === 2).slice(0, 4)) {
      const t = (name: string) => {
        const { data, shape } = c.tensors.get(name)!;
        const tensor: tf.Tensor = tf.tensor(data, shape);
        return tensor as tf.Tensor5D;
      };
      const opts = { kernelSize: c.kernelSize, dilation: c.dilation, isCausal: c.isCausal, scale: c.scale, stride: 1 };
      const out = na2d(t('q'), t('k'), t('v'), c.hasRpb ? { ...opts, rpb: t('rpb') } : opts);
      expect(maxAbsDiff(out, t('out')), c.name).toBeLessThan(1e-5);
    }
  });

  it('stride == kernel on divisible sizes is dense attention inside each block', async () => {
    await useTarget(target);
    const [B, H, W, heads, D, k0, k1] = [1, 8, 9, 2, 4, 4, 3];
    const [q, k, v] = [randn([B, H, W, heads, D], 40), randn([B, H, W, heads, D], 41), randn([B, H, W, heads, D], 42)];
    const out = na2d(q as tf.Tensor5D, k as tf.Tensor5D, v as tf.Tensor5D, { kernelSize: [k0, k1], stride: [k0, k1], scale: 0.5 });
    // [B, H, W, ...] -> [B * blocks, k0, k1, ...]: each block is its own little map.
    const blocks = (t: tf.Tensor) =>
      tf.reshape(tf.transpose(tf.reshape(t, [B, H / k0, k0, W / k1, k1, heads, D]), [0, 1, 3, 2, 4, 5, 6]), [-1, k0, k1, heads, D]);
    const dense = denseAttention(blocks(q), blocks(k), blocks(v), 0.5);
    expect(maxAbsDiff(blocks(out), dense)).toBeLessThan(1e-5);
  });

  it('GQA/MQA equal plain NA with each kv head repeated for its query heads', async () => {
    await useTarget(target);
    for (const kvHeads of [1, 2]) {
      const [q, k, v] = [randn([1, 7, 6, 4, 4], 43), randn([1, 7, 6, kvHeads, 4], 44), randn([1, 7, 6, kvHeads, 4], 45)];
      const repeat = (t: tf.Tensor) => tf.reshape(tf.tile(tf.expandDims(t, 4), [1, 1, 1, 1, 4 / kvHeads, 1]), [1, 7, 6, 4, 4]) as tf.Tensor5D;
      const opts = { kernelSize: [3, 4], stride: [1, 2], rpb: randn([4, 5, 7], 46) } as NAOptions;
      const grouped = na2d(q as tf.Tensor5D, k as tf.Tensor5D, v as tf.Tensor5D, opts);
      expect(maxAbsDiff(grouped, na2d(q as tf.Tensor5D, repeat(k), repeat(v), opts)), `kvHeads ${kvHeads}`).toBeLessThan(1e-5);
    }
  });

  it('extra tokens whose logits are far below every window logit change nothing', async () => {
    await useTarget(target);
    const q = tf.abs(randn([1, 6, 6, 2, 4], 47)) as tf.Tensor5D;
    const [k, v] = [randn([1, 6, 6, 2, 4], 48) as tf.Tensor5D, randn([1, 6, 6, 2, 4], 49) as tf.Tensor5D];
    const opts = { kernelSize: 3, stride: 2 };
    const extra = { additionalKeys: tf.fill([1, 3, 2, 4], -1e3), additionalValues: randn([1, 3, 2, 4], 50) };
    // Same maths, but the fused kernel against QK + softmax + AV: float32 rounding only.
    expect(maxAbsDiff(na2d(q, k, v, { ...opts, ...extra }), na2d(q, k, v, opts))).toBeLessThan(1e-6);
  });

  it('3-D with a size-1 axis and kernel 1 there is 2-D', async () => {
    await useTarget(target);
    const [q, k, v] = [randn([2, 6, 7, 2, 4], 51), randn([2, 6, 7, 2, 4], 52), randn([2, 6, 7, 2, 4], 53)];
    const rpb = randn([2, 5, 7], 54);
    const flat = (t: tf.Tensor) => tf.expandDims(t, 1) as tf.Tensor<tf.Rank.R6>;
    const out3 = na3d(flat(q), flat(k), flat(v), { kernelSize: [1, 3, 4], stride: [1, 2, 3], rpb: tf.expandDims(rpb, 1) });
    const out2 = na2d(q as tf.Tensor5D, k as tf.Tensor5D, v as tf.Tensor5D, { kernelSize: [3, 4], stride: [2, 3], rpb });
    expect(maxAbsDiff(tf.squeeze(out3, [1]), out2)).toBeLessThan(1e-6);
  });
});
