// SPDX-License-Identifier: MIT
// LayerNorm over the last axis with a gradient of its own. Autodiff through moments, sub, rsqrt and the affine
// keeps about six input-sized tensors per call and makes a dozen more in the backward pass; the closed form
// needs only the input and gamma (the per-row mean and 1/σ are recomputed there):
//   x̂ = (x - μ) / σ,  g = dy γ,  dx = (g - mean(g) - x̂ mean(g x̂)) / σ,  dγ = Σ dy x̂,  dβ = Σ dy.
// On wasm the forward is one fused SIMD kernel (LayerNormLastAxis); elsewhere the composite of tfjs ops.
import { add, customGrad, engine, mean, moments, mul, reshape, rsqrt, sub, sum, tidy } from '@tensorflow/tfjs-core';
import type { GradSaveFunc, Tensor } from '@tensorflow/tfjs-core';
import { ArgumentError } from '../argument_error.js';
import { runsFusedKernel } from '../fused_kernels.js';
import { LayerNormLastAxis } from '../kernel_names.js';
import type { LayerNormAttrs } from '../kernel_names.js';
import { isRecordingGradients } from '../tfjs_internals.js';

/** The per-row mean and 1/σ over the last axis (kept dims). */
function rowStatistics(x: Tensor, epsilon: number): { rowMean: Tensor; invStd: Tensor } {
  const m = moments(x, -1, true);
  return { rowMean: m.mean, invStd: rsqrt(add(m.variance, epsilon)) };
}

/** LayerNorm as tfjs ops (what every backend without the fused kernel runs). */
export function compositeLayerNorm(x: Tensor, gamma: Tensor, beta: Tensor, epsilon: number): Tensor {
  return tidy(() => {
    const { rowMean, invStd } = rowStatistics(x, epsilon);
    return add(mul(mul(sub(x, rowMean), invStd), gamma), beta);
  });
}

/** The fused kernel where the backend runs it, else the composite. */
function layerNormValue(x: Tensor, gamma: Tensor, beta: Tensor, epsilon: number): Tensor {
  if (![x, gamma, beta].every((t) => t.dtype === 'float32') || !runsFusedKernel(LayerNormLastAxis)) return compositeLayerNorm(x, gamma, beta, epsilon);
  const attrs: LayerNormAttrs = { epsilon };
  return engine().runKernel(LayerNormLastAxis, { x, gamma, beta }, { ...attrs }) as Tensor;
}

const layerNormWithGrad = (epsilon: number) =>
  customGrad((...args: Array<Tensor | GradSaveFunc>) => {
    const [x, gamma, beta, save] = args as [Tensor, Tensor, Tensor, GradSaveFunc];
    save([x, gamma]);
    return {
      value: layerNormValue(x, gamma, beta, epsilon),
      gradFunc: (dy: Tensor | Tensor[], saved: Tensor[]) =>
        tidy(() => {
          const [input, g] = saved as [Tensor, Tensor];
          const up = dy as Tensor;
          const { rowMean, invStd } = rowStatistics(input, epsilon);
          const normalised = mul(sub(input, rowMean), invStd);
          const scaled = mul(up, g);
          const dx = mul(invStd, sub(sub(scaled, mean(scaled, -1, true)), mul(normalised, mean(mul(scaled, normalised), -1, true))));
          const rows = [-1, g.size];
          const dGamma = sum(reshape(mul(up, normalised), rows), 0);
          const dBeta = sum(reshape(up, rows), 0);
          return [dx, dGamma, dBeta];
        }),
    };
  });

const byEpsilon = new Map<number, ReturnType<typeof layerNormWithGrad>>();

/**
 * `(x - mean) / sqrt(var + eps) * gamma + beta` over the last axis (biased variance, as PyTorch); `gamma` and
 * `beta` hold one value per channel of that axis.
 */
export function layerNorm(x: Tensor, gamma: Tensor, beta: Tensor, epsilon: number): Tensor {
  const channels = x.shape[x.rank - 1];
  for (const [argument, t] of [['gamma', gamma], ['beta', beta]] as const) {
    if (t.rank !== 1 || t.shape[0] !== channels) {
      throw new ArgumentError(argument, t.shape, `layerNorm: must have shape [${String(channels)}], one value per channel of x's last axis (x is [${x.shape.join(', ')}])`);
    }
  }
  if (!(epsilon > 0)) throw new ArgumentError('epsilon', epsilon, 'layerNorm: must be > 0');
  // Outside a gradient the custom-gradient wrapper would only add a dispatch.
  if (!isRecordingGradients()) return layerNormValue(x, gamma, beta, epsilon);
  let op = byEpsilon.get(epsilon);
  if (op === undefined) {
    op = layerNormWithGrad(epsilon);
    byEpsilon.set(epsilon, op);
  }
  return op(x, gamma, beta);
}
