// SPDX-License-Identifier: MIT
// The exact (erf) GELU of nn.GELU() with a gradient of its own. Autodiff through the erf formula keeps four
// activation-sized tensors per call until the backward pass ends and makes eight more there; this keeps the
// input only: d/dx [x Φ(x)] = Φ(x) + x φ(x). On wasm the forward is one fused SIMD pass (GeluErf); elsewhere,
// and for non-float32 input, the composite of tfjs ops.
import { add, customGrad, div, engine, erf, exp, mul, square, tidy } from '@tensorflow/tfjs-core';
import type { GradSaveFunc, Tensor } from '@tensorflow/tfjs-core';
import { runsFusedKernel } from '../fused_kernels.js';
import { GeluErf } from '../kernel_names.js';
import { isRecordingGradients } from '../tfjs_internals.js';

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** Φ(x) = 0.5 (1 + erf(x / √2)), written as tfjs-layers' 'gelu' activation writes it. */
function normalCdf(x: Tensor): Tensor {
  return mul(0.5, add(1, erf(div(x, Math.SQRT2))));
}

/** `x Φ(x)` as tfjs ops (what every backend without the fused kernel runs). */
export function compositeGelu(x: Tensor): Tensor {
  return tidy(() => mul(x, normalCdf(x)));
}

/** The fused kernel where the backend runs it, else the composite. */
function geluValue(x: Tensor): Tensor {
  return x.dtype === 'float32' && runsFusedKernel(GeluErf) ? (engine().runKernel(GeluErf, { x }) as Tensor) : compositeGelu(x);
}

const geluWithGrad = customGrad((...args: Array<Tensor | GradSaveFunc>) => {
  const [x, save] = args as [Tensor, GradSaveFunc];
  save([x]);
  return {
    value: geluValue(x),
    gradFunc: (dy: Tensor | Tensor[], saved: Tensor[]) =>
      tidy(() => {
        const input = saved[0]!;
        const pdf = mul(INV_SQRT_2PI, exp(mul(-0.5, square(input))));
        return mul(dy as Tensor, add(normalCdf(input), mul(input, pdf)));
      }),
  };
});

/** `x * Φ(x)`, the same values as tfjs-layers' 'gelu' activation (within 1e-6 where the fused kernel runs). */
export function gelu(x: Tensor): Tensor {
  // Outside a gradient the custom-gradient wrapper would only add a dispatch.
  return isRecordingGradients() ? geluWithGrad(x) : geluValue(x);
}
