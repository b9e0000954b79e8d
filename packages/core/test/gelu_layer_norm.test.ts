// SPDX-License-Identifier: MIT
// GELU and LayerNorm carry gradients of their own (closed forms that keep less for the backward pass). Their
// values must be the plain formulas' and their gradients must equal autodiff through those formulas and central
// finite differences in float64 arithmetic.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { gelu } from '../src/ops/gelu.js';
import { layerNorm } from '../src/ops/layer_norm.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const values = (n: number, salt: number) => Array.from({ length: n }, (_, i) => 2.5 * Math.sin(i * 0.71 + salt));
const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!;

function plainGelu(x: tf.Tensor): tf.Tensor {
  return tf.mul(x, tf.mul(0.5, tf.add(1, tf.erf(tf.div(x, Math.SQRT2)))));
}

function plainLayerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps))), gamma), beta);
}

/** float64 reference for one LayerNorm row set: rows of length c, returns sum(w * y). */
function layerNormLoss64(x: number[], gamma: number[], beta: number[], w: number[], c: number, eps: number): number {
  let total = 0;
  for (let r = 0; r < x.length / c; r++) {
    const row = x.slice(r * c, (r + 1) * c);
    const mean = row.reduce((a, b) => a + b, 0) / c;
    const variance = row.reduce((a, b) => a + (b - mean) ** 2, 0) / c;
    row.forEach((v, i) => (total += w[r * c + i]! * (((v - mean) / Math.sqrt(variance + eps)) * gamma[i]! + beta[i]!)));
  }
  return total;
}

describe('gelu', () => {
  it('equals the erf formula, and its gradient equals autodiff and finite differences', () => {
    const x = tf.tensor2d(values(60, 0.3), [6, 10]);
    const w = tf.tensor2d(values(60, 1.7), [6, 10]);
    expect(maxDiff(gelu(x), plainGelu(x))).toBe(0);
    const ours = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(gelu(t), w)))(x);
    const reference = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(plainGelu(t), w)))(x);
    expect(maxDiff(ours, reference)).toBeLessThan(1e-6);
    const erf64 = (v: number) => {
      // Abramowitz-Stegun 7.1.26 is too coarse; integrate the series instead (|v| <= 2.5 / sqrt 2 here).
      let sum = 0;
      let term = v;
      for (let n = 0; n < 60; n++) {
        sum += term / (2 * n + 1);
        term *= (-v * v) / (n + 1);
      }
      return (2 / Math.sqrt(Math.PI)) * sum;
    };
    const gelu64 = (v: number) => v * 0.5 * (1 + erf64(v / Math.SQRT2));
    const [xs, ws, gs] = [x.dataSync(), w.dataSync(), ours.dataSync()];
    for (const i of [0, 7, 23, 41, 59]) {
      const h = 1e-5;
      const fd = (ws[i]! * (gelu64(xs[i]! + h) - gelu64(xs[i]! - h))) / (2 * h);
      expect(gs[i]).toBeCloseTo(fd, 5);
    }
  });
});

describe('layerNorm', () => {
  it('equals the moments formula, and its gradients (x, gamma, beta) equal autodiff and finite differences', () => {
    const c = 8;
    const shape = [2, 3, 2, c];
    const n = 2 * 3 * 2 * c;
    const [xv, gv, bv, wv] = [values(n, 0.2), values(c, 2.1).map((v) => 1 + 0.2 * v), values(c, 3.3), values(n, 4.4)];
    const x = tf.tensor(xv, shape);
    const gamma = tf.tensor1d(gv);
    const beta = tf.tensor1d(bv);
    const w = tf.tensor(wv, shape);
    const eps = 1e-5;
    expect(maxDiff(layerNorm(x, gamma, beta, eps), plainLayerNorm(x, gamma, beta, eps))).toBeLessThan(1e-6);
    const loss = (f: typeof layerNorm) => (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(f(a, g, b, eps), w));
    const ours = tf.grads(loss(layerNorm))([x, gamma, beta]);
    const reference = tf.grads(loss(plainLayerNorm))([x, gamma, beta]);
    ours.forEach((g, i) => expect(maxDiff(g, reference[i]!), `input ${i}`).toBeLessThan(2e-5));
    const h = 1e-4;
    const fd = (which: 0 | 1 | 2, i: number) => {
      const plus = [xv, gv, bv].map((a) => [...a]);
      const minus = [xv, gv, bv].map((a) => [...a]);
      plus[which]![i]! += h;
      minus[which]![i]! -= h;
      return (layerNormLoss64(plus[0]!, plus[1]!, plus[2]!, wv, c, eps) - layerNormLoss64(minus[0]!, minus[1]!, minus[2]!, wv, c, eps)) / (2 * h);
    };
    const [dx, dGamma, dBeta] = ours.map((g) => g.dataSync());
    for (const i of [0, 5, 17, 40, n - 1]) expect(dx![i]).toBeCloseTo(fd(0, i), 3);
    for (const i of [0, 3, c - 1]) {
      expect(dGamma![i]).toBeCloseTo(fd(1, i), 3);
      expect(dBeta![i]).toBeCloseTo(fd(2, i), 3);
    }
  });
});
