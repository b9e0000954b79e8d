// SPDX-License-Identifier: MIT
// The exact (erf) GELU of nn.GELU() with a gradient of its own. Autodiff through the erf formula keeps four
// activation-sized tensors per call until the backward pass ends and makes eight more there; this keeps the
// input only: d/dx [x Φ(x)] = Φ(x) + x φ(x).
import { add, customGrad, div, erf, exp, mul, square, tidy } from '@tensorflow/tfjs-core';
import type { GradSaveFunc, Tensor } from '@tensorflow/tfjs-core';

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** Φ(x) = 0.5 (1 + erf(x / √2)), written as tfjs-layers' 'gelu' activation writes it. */
function normalCdf(x: Tensor): Tensor {
  return mul(0.5, add(1, erf(div(x, Math.SQRT2))));
}

const geluWithGrad = customGrad((...args: Array<Tensor | GradSaveFunc>) => {
  const [x, save] = args as [Tensor, GradSaveFunc];
  save([x]);
  return {
    value: tidy(() => mul(x, normalCdf(x))),
    gradFunc: (dy: Tensor | Tensor[], saved: Tensor[]) =>
      tidy(() => {
        const input = saved[0]!;
        const pdf = mul(INV_SQRT_2PI, exp(mul(-0.5, square(input))));
        return mul(dy as Tensor, add(normalCdf(input), mul(input, pdf)));
      }),
  };
});

/** `x * Φ(x)`, the same values as tfjs-layers' 'gelu' activation. */
export function gelu(x: Tensor): Tensor {
  return geluWithGrad(x);
}
