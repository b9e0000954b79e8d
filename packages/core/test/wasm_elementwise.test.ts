// SPDX-License-Identifier: MIT
// The fused wasm GELU and LayerNorm kernels against the composite on the same backend and against float64
// references, for sizes with and without a SIMD tail; their gradients (the ops' closed forms) on wasm against
// the composite's autodiff.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { GeluErf, LayerNormLastAxis, gelu, layerNorm } from '../src/index.js';
import { compositeGelu, compositeLayerNorm, runsFusedKernel } from '../src/advanced.js';

beforeAll(async () => {
  await tf.setBackend('wasm');
});

const values = (n: number, salt: number, amplitude = 4) => Float32Array.from({ length: n }, (_, i) => amplitude * Math.sin(i * 0.71 + salt));
const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);

/** erf in float64: the Maclaurin series below 3, the erfc continued fraction above. */
function erf64(v: number): number {
  const a = Math.abs(v);
  if (a < 3) {
    let sum = 0;
    let term = a;
    for (let n = 0; n < 120; n++) {
      sum += term / (2 * n + 1);
      term *= (-a * a) / (n + 1);
    }
    return Math.sign(v) * (2 / Math.sqrt(Math.PI)) * sum;
  }
  let fraction = 0;
  for (let k = 80; k >= 1; k--) fraction = k / 2 / (a + fraction);
  return Math.sign(v) * (1 - Math.exp(-a * a) / Math.sqrt(Math.PI) / (a + fraction));
}

/** Names of the kernels `f` runs. */
async function kernelsOf(f: () => tf.Tensor): Promise<string[]> {
  const info = await tf.profile(() => f());
  return info.kernels.map((k) => k.name);
}

describe('fused GELU on wasm', () => {
  it('runs as one kernel', async () => {
    expect(runsFusedKernel(GeluErf)).toBe(true);
    const x = tf.tensor1d(values(10, 0));
    expect(await kernelsOf(() => gelu(x))).toEqual([GeluErf]);
  });

  it('is within 1e-6 of the composite and of float64, tails included', () => {
    // Dense samples of [-10, 10] plus extremes; counts that leave 0..3 elements after the last SIMD vector.
    for (const count of [1, 3, 4, 7, 4001]) {
      const xs = Float32Array.from({ length: count }, (_, i) => (count === 1 ? -0.3 : -10 + (20 * i) / (count - 1)));
      const x = tf.tensor1d(xs);
      const fused = gelu(x);
      expect(maxDiff(fused, compositeGelu(x)), `count ${count}`).toBeLessThan(1e-6);
      const ys = fused.dataSync();
      let [worst, worstAbsolute] = [0, 0];
      xs.forEach((v, i) => {
        const error = Math.abs(ys[i]! - v * 0.5 * (1 + erf64(v / Math.SQRT2)));
        worst = Math.max(worst, error / Math.max(1, Math.abs(v)));
        worstAbsolute = Math.max(worstAbsolute, error);
      });
      expect(worst, `count ${count}`).toBeLessThan(4e-7);
      // The kernel's 1 + erf keeps ~6 ulp of erf (1.1e-6 absolute near |x| = 5, as tfjs's and PyTorch's own 1 + erf).
      expect(worstAbsolute, `count ${count}`).toBeLessThan(1.5e-6);
    }
    const special = gelu(tf.tensor1d([Infinity, -100, 100, 0, -0.0001, NaN])).dataSync();
    expect([...special.slice(0, 5)]).toEqual([Infinity, expect.closeTo(0, 30), 100, 0, expect.closeTo(-0.0001 * 0.5 * (1 + erf64(-0.0001 / Math.SQRT2)), 11)]);
    expect(special[5]).toBeNaN();
  });

  it('keeps its closed-form gradient', () => {
    const x = tf.tensor2d(values(60, 0.3), [6, 10]);
    const w = tf.tensor2d(values(60, 1.7), [6, 10]);
    const ours = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(gelu(t), w)))(x);
    const reference = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(compositeGelu(t), w)))(x);
    expect(maxDiff(ours, reference)).toBeLessThan(1e-5);
  });
});

describe('fused LayerNorm on wasm', () => {
  const eps = 1e-5;

  it('runs as one kernel', async () => {
    expect(runsFusedKernel(LayerNormLastAxis)).toBe(true);
    const [x, gamma, beta] = [tf.tensor2d(values(16, 0), [2, 8]), tf.ones([8]), tf.zeros([8])];
    expect(await kernelsOf(() => layerNorm(x, gamma, beta, eps))).toEqual([LayerNormLastAxis]);
  });

  it('equals the composite and float64 for channel counts with and without a SIMD tail', () => {
    for (const channels of [1, 3, 8, 13, 64, 130]) {
      const rows = 5;
      // An offset mean per row, so a one-pass variance would cancel.
      const xs = values(rows * channels, channels).map((v, i) => v + 10 * Math.floor(i / channels));
      const [gs, bs] = [values(channels, 1.1).map((v) => 1 + 0.1 * v), values(channels, 2.2)];
      const [x, gamma, beta] = [tf.tensor2d(xs, [rows, channels]), tf.tensor1d(gs), tf.tensor1d(bs)];
      const fused = layerNorm(x, gamma, beta, eps);
      expect(maxDiff(fused, compositeLayerNorm(x, gamma, beta, eps)), `C ${channels}`).toBeLessThan(4e-6);
      const ys = fused.dataSync();
      for (let r = 0; r < rows; r++) {
        const row = [...xs.subarray(r * channels, (r + 1) * channels)];
        const mean = row.reduce((a, b) => a + b, 0) / channels;
        const inv = 1 / Math.sqrt(row.reduce((a, b) => a + (b - mean) ** 2, 0) / channels + eps);
        row.forEach((v, c) => expect(ys[r * channels + c]).toBeCloseTo((v - mean) * inv * gs[c]! + bs[c]!, 4));
      }
    }
  });

  it('keeps its closed-form gradients', () => {
    const shape = [2, 3, 12];
    const x = tf.tensor(values(72, 0.2), shape);
    const gamma = tf.tensor1d(values(12, 2.1).map((v) => 1 + 0.05 * v));
    const beta = tf.tensor1d(values(12, 3.3));
    const w = tf.tensor(values(72, 4.4), shape);
    const loss = (f: typeof layerNorm) => (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(f(a, g, b, eps), w));
    const ours = tf.grads(loss(layerNorm))([x, gamma, beta]);
    const reference = tf.grads(loss(compositeLayerNorm))([x, gamma, beta]);
    ours.forEach((g, i) => expect(maxDiff(g, reference[i]!), `input ${i}`).toBeLessThan(2e-5));
  });

  it('names gamma when it does not match the last axis', () => {
    expect(() => layerNorm(tf.zeros([2, 8]), tf.ones([4]), tf.zeros([8]), eps)).toThrow(/gamma \[4\]: layerNorm: must have shape \[8\]/);
  });
});
