// SPDX-License-Identifier: MIT
// Gradient of the fused self-attention kernel by recomputation: the forward keeps no attention weights, the
// backward differentiates the composite (tfjs's own gradients of matMul and softmax) on a tape of its own.
import { zerosLike } from '@tensorflow/tfjs-core';
import type { GradConfig, NamedAttrMap, Tensor } from '@tensorflow/tfjs-core';
import { compositeSelfAttention } from '../composite/self_attention_composite.js';
import { FusedSelfAttention } from '../kernel_names.js';
import type { SelfAttentionAttrs } from '../kernel_names.js';
import { gradientsInBackwardPass } from '../tfjs_internals.js';

export const selfAttentionGradConfig: GradConfig = {
  kernelName: FusedSelfAttention,
  inputsToSave: ['qkv', 'bias'],
  gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap) => {
    const [qkv, bias] = saved as [Tensor, Tensor];
    const { heads, scale } = attrs as unknown as SelfAttentionAttrs;
    const hasBias = bias.size > 0;
    const { value, grads } = gradientsInBackwardPass(
      () => compositeSelfAttention(qkv, hasBias ? bias : null, heads, scale),
      hasBias ? [qkv, bias] : [qkv],
      dy as Tensor,
    );
    value.dispose();
    return { qkv: () => grads[0]!, bias: () => (hasBias ? grads[1]! : zerosLike(bias)) };
  },
};
