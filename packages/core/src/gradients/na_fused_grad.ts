// SPDX-License-Identifier: MIT
// Gradient of the fused kernel by recomputation (flash-attention style): the forward keeps no attention weights.
// Where the backend registers the fused backward kernels, they recompute attention per (query, slot) from the
// log-sum-exp (saved by the forward when its kernel writes it, else recomputed here), so no `[.., heads, K]`
// tensor exists; elsewhere the backward rebuilds the attention from q, k and rpb and runs the split kernels.
import { engine, mul, softmax, sub, sum, zerosLike } from '@tensorflow/tfjs-core';
import type { GradConfig, NamedAttrMap, NamedTensorMap, Tensor } from '@tensorflow/tfjs-core';
import { hasFusedBackward } from '../implementation.js';
import * as names from '../kernel_names.js';
import { withOptionalBias } from '../ops/kernel_inputs.js';

export const naFusedGradConfig: GradConfig = {
  kernelName: names.NeighborhoodAttentionFused,
  inputsToSave: ['query', 'key', 'value', 'rpb'],
  // out, and the log-sum-exp when the kernel returned it (withLogSumExp).
  outputsToSave: [true, true],
  gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap) => {
    // Nothing downstream reads the log-sum-exp output, so only the output's gradient matters.
    const dOut = Array.isArray(dy) ? dy[0]! : dy;
    const [query, key, value, rpb, out, savedLse] = saved as [Tensor, Tensor, Tensor, Tensor, Tensor, Tensor?];
    const run = (name: string, inputs: NamedTensorMap) => engine().runKernel(name, inputs, attrs) as Tensor;
    const bias = rpb.size > 0 ? rpb : undefined;
    if (hasFusedBackward()) {
      const lse = savedLse ?? run(names.NeighborhoodAttentionLogSumExp, { query, key, rpb });
      const inputs = { query, key, value, rpb, lse, delta: sum(mul(dOut, out), -1), dOut };
      return {
        query: () => run(names.NeighborhoodAttentionFusedBackpropQuery, inputs),
        key: () => run(names.NeighborhoodAttentionFusedBackpropKey, inputs),
        value: () => run(names.NeighborhoodAttentionFusedBackpropValue, inputs),
        rpb: () => (bias ? run(names.NeighborhoodAttentionFusedBackpropRpb, inputs) : zerosLike(rpb)),
      };
    }
    const attn = softmax(run(names.NeighborhoodAttentionQK, withOptionalBias({ query, key }, bias)));
    const dAttn = run(names.NeighborhoodAttentionAVBackpropAttn, { dOut, value });
    // Softmax backward: dS = A * (dA - sum(dA * A)); masked slots have A = 0 and get 0.
    const dLogits = mul(attn, sub(dAttn, sum(mul(dAttn, attn), -1, true)));
    return {
      query: () => run(names.NeighborhoodAttentionQKBackpropQuery, { dLogits, key }),
      key: () => run(names.NeighborhoodAttentionQKBackpropKey, { dLogits, query }),
      value: () => run(names.NeighborhoodAttentionAVBackpropValue, { attn, dOut }),
      rpb: () => (bias ? run(names.NeighborhoodAttentionQKBackpropRpb, { dLogits }) : zerosLike(rpb)),
    };
  },
};
