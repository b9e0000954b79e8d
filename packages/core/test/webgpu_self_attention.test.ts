// SPDX-License-Identifier: MIT
// The fused self-attention kernel on webgpu (vec4 and scalar loads, head dims over one 128-channel chunk) against
// the cpu kernel, and its gradient against the cpu one; small shapes, since lavapipe runs on the CPU.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { selfAttention } from '@natzoo/core';
import '../src/webgpu.js';
import { webgpuEnv } from './support/webgpu_env.js';

const env = await webgpuEnv();

const cases = [
  { batch: 2, tokens: 9, heads: 2, headDim: 8, bias: true },
  { batch: 1, tokens: 16, heads: 3, headDim: 6, bias: false },
  { batch: 1, tokens: 7, heads: 1, headDim: 132, bias: true },
];
type Case = (typeof cases)[number];

/** Output and gradients (qkv, bias) of sum(selfAttention(qkv) * g) on the active backend, read asynchronously. */
async function run(c: Case): Promise<Float32Array[]> {
  const tensors = tf.tidy(() => {
    const qkv = tf.randomNormal([c.batch, c.tokens, 3 * c.heads * c.headDim], 0, 1, 'float32', 1);
    const bias = tf.randomNormal([c.heads, c.tokens, c.tokens], 0, 1, 'float32', 2);
    const g = tf.randomNormal([c.batch, c.tokens, c.heads * c.headDim], 0, 1, 'float32', 3);
    const f = (x: tf.Tensor, b?: tf.Tensor) => selfAttention(x as tf.Tensor3D, { heads: c.heads, bias: b });
    const loss = (x: tf.Tensor, b?: tf.Tensor) => tf.sum(tf.mul(f(x, b), g));
    const grads = c.bias ? tf.grads(loss)([qkv, bias]) : tf.grads((x: tf.Tensor) => loss(x))([qkv]);
    return [f(qkv, c.bias ? bias : undefined), ...grads];
  });
  const arrays = await Promise.all(tensors.map(async (t) => (await t.data()) as Float32Array));
  tf.dispose(tensors);
  return arrays;
}

describe.skipIf(!env.available)(`selfAttention on webgpu against the cpu kernel (${env.reason})`, () => {
  it.each(cases)('B $batch, N $tokens, heads $heads, D $headDim, bias $bias', async (c) => {
    await tf.setBackend('cpu');
    const expected = await run(c);
    expect(await tf.setBackend('webgpu')).toBe(true);
    const backend = tf.backend() as unknown as { pipelineCache: Record<string, unknown> };
    backend.pipelineCache = {};
    const got = await run(c);
    expect(Object.keys(backend.pipelineCache).join(' ')).toContain(`selfAttention_${c.bias}_${c.headDim % 4 === 0}`);
    expected.forEach((e, i) => {
      const error = e.reduce((m, x, j) => Math.max(m, Math.abs(got[i]![j]! - x) / (1 + Math.abs(x))), 0);
      expect(error, ['output', 'd qkv', 'd bias'][i]).toBeLessThan(2e-5);
    });
  });
});
