// SPDX-License-Identifier: MIT
// The fused self-attention op: the cpu and wasm kernels (SIMD, and the reference loops where the head dim is not a
// multiple of 4) against the composite on the cpu backend; its gradient against the composite's and against
// finite differences; argument errors.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { NAArgumentError, selfAttention, setNAImplementation } from '@natzoo/core';
import { selfAttentionUsesKernel } from '@natzoo/core/advanced';
import { naTargets, useTarget } from './backends.js';
import { gradcheck, randn } from './support/gradcheck.js';

interface Case {
  batch: number;
  tokens: number;
  heads: number;
  headDim: number;
  bias: boolean;
  scale?: number;
}

// Token counts on and off the 4-query tile and the 8-key panel; head dims of whole 8-channel panels and with a half
// panel (4, 12, 36), and one (6) that the SIMD kernel leaves to the reference loops.
const cases: Case[] = [
  { batch: 2, tokens: 5, heads: 2, headDim: 8, bias: true },
  { batch: 1, tokens: 1, heads: 1, headDim: 4, bias: false },
  { batch: 1, tokens: 64, heads: 2, headDim: 64, bias: false },
  { batch: 3, tokens: 17, heads: 3, headDim: 12, bias: true, scale: 0.3 },
  { batch: 1, tokens: 10, heads: 2, headDim: 6, bias: true },
  { batch: 2, tokens: 66, heads: 1, headDim: 36, bias: true, scale: 2 },
  // A logit row over many key panels, the last one partly masked, with a bias.
  { batch: 1, tokens: 150, heads: 2, headDim: 64, bias: true },
];

function inputs(c: Case, seed: number) {
  const qkv = randn([c.batch, c.tokens, 3 * c.heads * c.headDim], seed) as tf.Tensor3D;
  const bias = c.bias ? randn([c.heads, c.tokens, c.tokens], seed + 1) : undefined;
  return { qkv, bias };
}

const run = (c: Case, x: ReturnType<typeof inputs>) => selfAttention(x.qkv, { heads: c.heads, scale: c.scale, bias: x.bias });

async function reference(c: Case, seed: number): Promise<Float32Array> {
  await useTarget({ name: 'composite', backend: 'cpu', composite: true });
  expect(selfAttentionUsesKernel()).toBe(false);
  return tf.tidy(() => run(c, inputs(c, seed)).dataSync() as Float32Array);
}

const maxError = (a: Float32Array, b: Float32Array) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i]!)), 0);

describe.each(naTargets.filter((t) => !t.composite))('self-attention kernel on $name', (target) => {
  it.each(cases)('matches the composite: B $batch, N $tokens, heads $heads, D $headDim, bias $bias', async (c) => {
    const expected = await reference(c, 7);
    await useTarget(target);
    expect(selfAttentionUsesKernel()).toBe(true);
    const got = tf.tidy(() => run(c, inputs(c, 7)));
    expect(got.shape).toEqual([c.batch, c.tokens, c.heads * c.headDim]);
    const error = maxError(got.dataSync() as Float32Array, expected);
    got.dispose();
    console.log(`${target.name} B${c.batch} N${c.tokens} h${c.heads} D${c.headDim}: max |kernel - composite| ${error.toExponential(2)}`);
    expect(error).toBeLessThan(2e-5);
  });

  it('gradients (qkv, bias) equal the composite gradients', async () => {
    const c = cases[3]!;
    const grads = async (composite: boolean) => {
      await useTarget(composite ? { name: 'composite', backend: 'cpu', composite } : target);
      return tf.tidy(() => {
        const { qkv, bias } = inputs(c, 3);
        const g = randn([c.batch, c.tokens, c.heads * c.headDim], 5);
        const f = (x: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(selfAttention(x as tf.Tensor3D, { heads: c.heads, scale: c.scale, bias: b }), g));
        return tf.grads(f)([qkv, bias!]).map((t) => t.dataSync() as Float32Array);
      });
    };
    const expected = await grads(true);
    const got = await grads(false);
    expect(maxError(got[0]!, expected[0]!)).toBeLessThan(1e-4);
    expect(maxError(got[1]!, expected[1]!)).toBeLessThan(1e-4);
  });

  it('finite differences: d qkv, d bias', async () => {
    await useTarget(target);
    gradcheck((x, b) => selfAttention(x as tf.Tensor3D, { heads: 2, bias: b, scale: 0.8 }), [randn([2, 6, 3 * 2 * 4], 11), randn([2, 6, 6], 12)]);
  });
});

describe('selfAttention arguments', () => {
  it('names the argument and the value', async () => {
    await useTarget(naTargets[0]!);
    const qkv = tf.zeros([1, 4, 12]) as tf.Tensor3D;
    expect(() => selfAttention(qkv, { heads: 3 })).toThrow(/selfAttention: qkv's last axis \(12\) must be 3 \* heads \* headDim with heads = 3/);
    expect(() => selfAttention(qkv, { heads: 0 })).toThrow(NAArgumentError);
    expect(() => selfAttention(qkv, { heads: 2, bias: tf.zeros([2, 4, 5]) })).toThrow(/bias shape \[2, 4, 5\] must be \[heads, N, N\] = \[2, 4, 4\]/);
    expect(() => selfAttention(qkv, { heads: 2, attnDrop: 1 })).toThrow(/attnDrop must be a dropout rate in \[0, 1\); got 1/);
    expect(() => selfAttention(tf.zeros([4, 12]) as unknown as tf.Tensor3D, { heads: 2 })).toThrow(/qkv must have rank 3/);
    setNAImplementation('auto');
  });
});
