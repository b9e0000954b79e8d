// SPDX-License-Identifier: MIT
// Full self-attention from standard tfjs ops (split heads, batched matMul, softmax, matMul, merge heads): what
// backends without the fused kernel run, what training with attention dropout runs, and what the fused kernel's
// gradient differentiates.
import { add, matMul, mul, reshape, slice, softmax, tidy, transpose } from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';

/**
 * softmax(q k^T * scale + bias) v per head: `qkv` `[B, N, 3C]` (columns `[q | k | v]`, each `heads` blocks of
 * `C / heads`), `bias` `[heads, N, N]` or null; returns `[B, N, C]`. `dropAttention` acts on the weights.
 */
export function compositeSelfAttention(
  qkv: Tensor,
  bias: Tensor | null,
  heads: number,
  scale: number,
  dropAttention?: (weights: Tensor) => Tensor,
): Tensor {
  return tidy(() => {
    const [batch, tokens, width] = qkv.shape as [number, number, number];
    const channels = width / 3;
    const headDim = channels / heads;
    // [B, N, C] -> [B * heads, N, D], at most 4-D throughout: webgpu has no 5-D pad for a 5-D slice's gradient.
    const toHeads = (i: number) =>
      reshape(transpose(reshape(slice(qkv, [0, 0, i * channels], [-1, -1, channels]), [batch, tokens, heads, headDim]), [0, 2, 1, 3]), [batch * heads, tokens, headDim]);
    const [q, k, v] = [toHeads(0), toHeads(1), toHeads(2)];
    let logits = mul(matMul(q, k, false, true), scale);
    if (bias !== null) logits = reshape(add(reshape(logits, [batch, heads, tokens, tokens]), bias), [batch * heads, tokens, tokens]);
    let weights = softmax(logits);
    if (dropAttention !== undefined) weights = dropAttention(weights);
    const merged = transpose(reshape(matMul(weights, v), [batch, heads, tokens, headDim]), [0, 2, 1, 3]);
    return reshape(merged, [batch, tokens, channels]);
  });
}
