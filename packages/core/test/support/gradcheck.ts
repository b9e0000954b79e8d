// SPDX-License-Identifier: MIT
// Central finite differences against analytic gradients (tf.grads), for the NA and self-attention gradient tests.
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';

export type Fn = (...xs: tf.Tensor[]) => tf.Tensor;

/** Seeded normal tensor, so failures reproduce. */
export const randn = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, 'float32', seed);

/**
 * Checks d/dx sum(f(xs) * g) against (L(x + eps e_i) - L(x - eps e_i)) / 2eps on a sample of coordinates.
 * Float32 evaluation, so eps is large and the tolerance is relative to the gradient's scale.
 */
export function gradcheck(f: Fn, inputs: tf.Tensor[], samples = 12): void {
  const g = tf.tidy(() => randn(f(...inputs).shape, 99));
  const loss = (xs: tf.Tensor[]) => tf.tidy(() => tf.sum(tf.mul(f(...xs), g)).dataSync()[0]!);
  const analytic = tf.grads(f)(inputs, g).map((t) => t.dataSync());
  const eps = 1e-2;
  inputs.forEach((x, which) => {
    const base = x.dataSync();
    const scale = Math.max(...analytic[which]!.map(Math.abs), 1e-3);
    for (let s = 0; s < samples; s++) {
      const i = Math.floor(((s + 0.5) / samples) * base.length);
      const shifted = (delta: number) => {
        const copy = base.slice();
        copy[i]! += delta;
        return inputs.map((t, j) => (j === which ? tf.tensor(copy, x.shape) : t));
      };
      const numeric = (loss(shifted(eps)) - loss(shifted(-eps))) / (2 * eps);
      expect(Math.abs(numeric - analytic[which]![i]!), `input ${which}, element ${i}`).toBeLessThan(2e-3 * scale + 2e-3);
    }
  });
}
