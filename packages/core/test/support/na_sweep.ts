// SPDX-License-Identifier: MIT
// A seeded random sweep of generalized NA (rank, kernel, stride, dilation, causal flags, sizes, GQA, rpb, extra
// tokens): the cases, their evaluation (forward and every gradient of the fused op) and the comparison against
// the cpu kernels' results, shared by the per-backend sweep tests.
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';
import * as na from '@natzoo/core';
import { compareArrays } from '../../../../tests/support/compare.js';

/** mulberry32: a tiny seeded generator, so every case reproduces from its seed. */
function generator(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

export interface SweepCase {
  rank: 1 | 2 | 3;
  spatial: number[];
  opts: { kernelSize: number[]; stride: number[]; dilation: number[]; isCausal: boolean[] };
  heads: number;
  kvHeads: number;
  headDim: number;
  rpb: boolean;
  extra: number;
}

export function sweepCase(seed: number): SweepCase {
  const pick = generator(seed);
  const rank = (1 + (seed % 3)) as 1 | 2 | 3;
  const maxSize = { 1: 24, 2: 11, 3: 6 }[rank];
  const axes = Array.from({ length: rank }, () => {
    const kernel = 2 + pick(rank === 3 ? 3 : 5);
    const dilation = 1 + pick(2);
    const size = kernel * dilation + pick(Math.max(1, maxSize - kernel * dilation));
    return { kernel, dilation, size, stride: 1 + pick(kernel), causal: pick(4) === 0 };
  });
  const kvHeads = 1 + pick(2);
  const causal = axes.some((a) => a.causal);
  return {
    rank,
    spatial: axes.map((a) => a.size),
    opts: {
      kernelSize: axes.map((a) => a.kernel),
      stride: axes.map((a) => a.stride),
      dilation: axes.map((a) => a.dilation),
      isCausal: axes.map((a) => a.causal),
    },
    heads: kvHeads * (1 + pick(2)),
    kvHeads,
    headDim: [4, 5, 8][pick(3)]!,
    rpb: !causal && pick(2) === 0,
    extra: pick(3) === 0 ? 1 + pick(3) : 0,
  };
}

const fused = { 1: na.na1d, 2: na.na2d, 3: na.na3d } as unknown as Record<number, (...args: unknown[]) => tf.Tensor>;

/** Output and every gradient of the fused op, as plain arrays (read back asynchronously, as webgpu needs). */
export async function evaluate(c: SweepCase, seed: number): Promise<Float32Array[]> {
  const results = tf.tidy(() => {
    const randn = (shape: number[], s: number) => tf.randomNormal(shape, 0, 1, 'float32', seed * 16 + s);
    const tokens = (heads: number, s: number) => randn([2, ...c.spatial, heads, c.headDim], s);
    const vars = [tokens(c.heads, 1), tokens(c.kvHeads, 2), tokens(c.kvHeads, 3)];
    if (c.rpb) vars.push(randn([c.heads, ...c.opts.kernelSize.map((k) => 2 * k - 1)], 4));
    if (c.extra > 0) vars.push(randn([2, c.extra, c.kvHeads, c.headDim], 5), randn([2, c.extra, c.kvHeads, c.headDim], 6));
    const f = (...xs: tf.Tensor[]) => {
      const opts: na.NAOptions = { ...c.opts };
      if (c.rpb) opts.rpb = xs[3];
      if (c.extra > 0) [opts.additionalKeys, opts.additionalValues] = [xs[xs.length - 2]!, xs[xs.length - 1]!];
      return fused[c.rank]!(xs[0], xs[1], xs[2], opts);
    };
    const out = f(...vars);
    return [out, ...tf.grads(f)(vars, randn(out.shape, 7))];
  });
  try {
    return (await Promise.all(results.map((t) => t.data()))) as Float32Array[];
  } finally {
    tf.dispose(results);
  }
}

export const SWEEP_SEEDS = Array.from({ length: 24 }, (_, i) => i + 1);

/** Expects `actual` (one evaluate result) to match the cpu reference `expected` within float32 tolerance. */
export function expectSweepMatch(c: SweepCase, seed: number, actual: Float32Array[], expected: Float32Array[]): void {
  actual.forEach((values, i) => {
    const result = compareArrays(values, expected[i]!, 2e-5, 2e-5);
    expect(result.count, `seed ${seed} ${JSON.stringify(c)} output ${i}: worst ${result.worst}`).toBe(0);
  });
}

