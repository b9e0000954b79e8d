// SPDX-License-Identifier: MIT
// Gradient of the fused kernel by recomputation (flash-attention style): the forward keeps no attention
// weights, so the backward rebuilds them from q, k and rpb, then runs the split backward kernels.
import { engine, mul, softmax, sub, sum, zerosLike } from '@tensorflow/tfjs-core';
import type { GradConfig, NamedAttrMap, NamedTensorMap, Tensor } from '@tensorflow/tfjs-core';
import * as names from '../kernel_names.js';
import { withOptionalBias } from '../ops/kernel_inputs.js';

export const naFusedGradConfig: GradConfig = {
  kernelName: names.NeighborhoodAttentionFused,
  inputsToSave: ['query', 'key', 'value', 'rpb'],
  gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap) => {
    const dOut = dy as Tensor;
    const [query, key, value, rpb] = saved as [Tensor, Tensor, Tensor, Tensor];
    const run = (name: string, inputs: NamedTensorMap) => engine().runKernel(name, inputs, attrs) as Tensor;
    const attn = softmax(run(names.NeighborhoodAttentionQK, withOptionalBias({ query, key }, rpb.size > 0 ? rpb : undefined)));
    const dAttn = run(names.NeighborhoodAttentionAVBackpropAttn, { dOut, value });
    // Softmax backward: dS = A * (dA - sum(dA * A)); masked slots have A = 0 and get 0.
    const dLogits = mul(attn, sub(dAttn, sum(mul(dAttn, attn), -1, true)));
    return {
      query: () => run(names.NeighborhoodAttentionQKBackpropQuery, { dLogits, key }),
      key: () => run(names.NeighborhoodAttentionQKBackpropKey, { dLogits, query }),
      value: () => run(names.NeighborhoodAttentionAVBackpropValue, { attn, dOut }),
      rpb: () => (rpb.size > 0 ? run(names.NeighborhoodAttentionQKBackpropRpb, { dLogits }) : zerosLike(rpb)),
    };
  },
};
