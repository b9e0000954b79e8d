// SPDX-License-Identifier: MIT
// LayerNorm over the last axis with a gradient of its own. Autodiff through moments, sub, rsqrt and the affine
// keeps about six input-sized tensors per call and makes a dozen more in the backward pass; the closed form
// needs only the input and the per-row mean and 1/σ:
//   x̂ = (x - μ) / σ,  g = dy γ,  dx = (g - mean(g) - x̂ mean(g x̂)) / σ,  dγ = Σ dy x̂,  dβ = Σ dy.
import { add, customGrad, mean, moments, mul, reshape, rsqrt, sub, sum, tidy } from '@tensorflow/tfjs-core';
import type { GradSaveFunc, Tensor } from '@tensorflow/tfjs-core';

const layerNormWithGrad = (epsilon: number) =>
  customGrad((...args: Array<Tensor | GradSaveFunc>) => {
    const [x, gamma, beta, save] = args as [Tensor, Tensor, Tensor, GradSaveFunc];
    const { value, rowMean, invStd } = tidy(() => {
      const m = moments(x, -1, true);
      const r = rsqrt(add(m.variance, epsilon));
      return { value: add(mul(mul(sub(x, m.mean), r), gamma), beta), rowMean: m.mean, invStd: r };
    });
    save([x, gamma, rowMean, invStd]);
    return {
      value,
      gradFunc: (dy: Tensor | Tensor[], saved: Tensor[]) =>
        tidy(() => {
          const [input, g, mu, r] = saved as [Tensor, Tensor, Tensor, Tensor];
          const up = dy as Tensor;
          const normalised = mul(sub(input, mu), r);
          const scaled = mul(up, g);
          const dx = mul(r, sub(sub(scaled, mean(scaled, -1, true)), mul(normalised, mean(mul(scaled, normalised), -1, true))));
          const rows = [-1, g.size];
          const dGamma = sum(reshape(mul(up, normalised), rows), 0);
          const dBeta = sum(reshape(up, rows), 0);
          return [dx, dGamma, dBeta];
        }),
    };
  });

const byEpsilon = new Map<number, ReturnType<typeof layerNormWithGrad>>();

/** `(x - mean) / sqrt(var + eps) * gamma + beta` over the last axis (biased variance, as PyTorch). */
export function layerNorm(x: Tensor, gamma: Tensor, beta: Tensor, epsilon: number): Tensor {
  let op = byEpsilon.get(epsilon);
  if (op === undefined) {
    op = layerNormWithGrad(epsilon);
    byEpsilon.set(epsilon, op);
  }
  return op(x, gamma, beta);
}
