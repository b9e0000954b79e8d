// SPDX-License-Identifier: MIT
// The Fréchet distance against closed forms (numpy/scipy are not available to compute a reference here):
// 1-D Gaussians, non-commuting 2x2 covariances via Tr sqrt(M) = sqrt(tr M + 2 sqrt(det M)) for a 2x2 M with
// positive eigenvalues, invariance under a common rotation, and feature statistics of hand-computable data.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { createStyleNATGenerator } from '@natzoo/models';
import { FeatureAccumulator, featureStatistics, frechetDistance, generatedFeatureStatistics } from '@natzoo/train';

const stats = (mean: number[], cov: number[]) => ({ dim: mean.length, mean: Float64Array.from(mean), cov: Float64Array.from(cov) });

describe('Fréchet distance', () => {
  it('1-D Gaussians: (m1 - m2)^2 + (s1 - s2)^2', () => {
    expect(frechetDistance(stats([1.5], [4]), stats([-0.5], [0.25]))).toBeCloseTo(2 ** 2 + (2 - 0.5) ** 2, 12);
  });

  it('non-commuting 2x2 covariances match the closed form', () => {
    const a = stats([0.3, -1], [2, 0.7, 0.7, 1]);
    const b = stats([1, 2], [0.5, -0.2, -0.2, 3]);
    const [p, q, r, s] = [2, 0.7, 0.7, 1];
    const [e, f, g, h] = [0.5, -0.2, -0.2, 3];
    const m = [p * e + q * g, p * f + q * h, r * e + s * g, r * f + s * h];
    const traceRoot = Math.sqrt(m[0]! + m[3]! + 2 * Math.sqrt(m[0]! * m[3]! - m[1]! * m[2]!));
    const expected = 0.7 ** 2 + 3 ** 2 + (p + s) + (e + h) - 2 * traceRoot;
    expect(frechetDistance(a, b)).toBeCloseTo(expected, 10);
    expect(frechetDistance(b, a)).toBeCloseTo(expected, 10);
  });

  it('is zero between identical statistics and unchanged by a common rotation (d = 12)', () => {
    const d = 12;
    let seed = 1;
    const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;
    const randomCov = () => {
      const x = Array.from({ length: d * d }, rand);
      const c = new Float64Array(d * d);
      for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) for (let k = 0; k < d; k++) c[i * d + j]! += x[i * d + k]! * x[j * d + k]!;
      return c;
    };
    const a = { dim: d, mean: Float64Array.from({ length: d }, rand), cov: randomCov() };
    const b = { dim: d, mean: Float64Array.from({ length: d }, rand), cov: randomCov() };
    expect(Math.abs(frechetDistance(a, a))).toBeLessThan(1e-9);
    // A Givens rotation in the (0, 5) plane applied to both: mean R m, covariance R C R^T.
    const [c, s] = [Math.cos(0.7), Math.sin(0.7)];
    const rotate = (t: typeof a) => {
      // Rotates coordinates 0 and 5 of the vectors get(0..)/set(0..) address.
      const givens = (get: (i: number) => number, set: (i: number, x: number) => void) => {
        const [x0, x5] = [get(0), get(5)];
        set(0, c * x0 - s * x5);
        set(5, s * x0 + c * x5);
      };
      const mean = Float64Array.from(t.mean);
      givens((i) => mean[i]!, (i, x) => (mean[i] = x));
      const cov = Float64Array.from(t.cov);
      for (let j = 0; j < d; j++) givens((i) => cov[i * d + j]!, (i, x) => (cov[i * d + j] = x));
      for (let i = 0; i < d; i++) givens((j) => cov[i * d + j]!, (j, x) => (cov[i * d + j] = x));
      return { dim: d, mean, cov };
    };
    const before = frechetDistance(a, b);
    expect(before).toBeGreaterThan(1);
    expect(frechetDistance(rotate(a), rotate(b))).toBeCloseTo(before, 8);
  });

  it('feature statistics: mean and unbiased covariance, also when accumulated in batches', () => {
    const rows = [1, 2, 3, 6, 5, 10];
    const all = featureStatistics(rows, 2);
    expect([...all.mean]).toEqual([3, 6]);
    expect([...all.cov]).toEqual([4, 8, 8, 16]);
    const acc = new FeatureAccumulator(2);
    acc.add(rows.slice(0, 2));
    acc.add(rows.slice(2));
    expect([...acc.statistics().cov]).toEqual([4, 8, 8, 16]);
    expect(() => featureStatistics([1, 2], 2)).toThrow(/at least 2 rows/);
  });

  it('generated-image statistics: the same seeds give FD 0, other seeds a positive FD', async () => {
    await tf.setBackend('cpu');
    const g = createStyleNATGenerator('ffhq256', { size: 16, style_dim: 16, n_mlp: 2, in_channels: [16, 16, 16], min_heads: 2 });
    // A stand-in extractor: per-channel means and standard deviations of the [0, 1] images (6 features).
    const extract = (x: tf.Tensor4D) => tf.tidy(() => {
      const { mean, variance } = tf.moments(x, [1, 2]);
      return tf.concat([mean, tf.sqrt(variance)], 1) as tf.Tensor2D;
    });
    const a = await generatedFeatureStatistics(g, extract, { count: 12, batch: 5 });
    const b = await generatedFeatureStatistics(g, extract, { count: 12, batch: 4 });
    const c = await generatedFeatureStatistics(g, extract, { count: 12, batch: 4, seed: 100 });
    expect(a.count).toBe(12);
    expect(a.dim).toBe(6);
    expect(Math.abs(frechetDistance(a, b))).toBeLessThan(1e-9);
    expect(frechetDistance(a, c)).toBeGreaterThan(0);
    g.dispose();
  });
});
