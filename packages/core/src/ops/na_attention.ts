// SPDX-License-Identifier: MIT
import { engine, softmax, tidy, zeros } from '@tensorflow/tfjs-core';
import type { Tensor, Tensor4D, Tensor5D } from '@tensorflow/tfjs-core';
import { compositeAttention } from '../composite/composite_ops.js';
import { activeNAImplementation } from '../implementation.js';
import { NeighborhoodAttentionAV, NeighborhoodAttentionFused, NeighborhoodAttentionQK } from '../kernel_names.js';
import { checkRpb, checkSameShape, checkScale, checkTensor, normalizeWindow, toKernelAttrs } from '../na_args.js';
import type { NAOptions, SpatialRank } from '../na_args.js';
import { isRecordingGradients } from '../tfjs_internals.js';
import { withOptionalBias } from './kernel_inputs.js';
import { liftBias, liftTokens, lowerTokens } from './spatial_lift.js';

export function neighborhoodAttention(
  op: string,
  rank: SpatialRank,
  query: Tensor,
  key: Tensor,
  value: Tensor,
  opts: NAOptions,
): Tensor {
  const layout = rank === 1 ? '[B, L, heads, D]' : '[B, H, W, heads, D]';
  checkTensor(op, 'query', query, rank + 3, layout);
  checkTensor(op, 'key', key, rank + 3, layout);
  checkTensor(op, 'value', value, rank + 3, layout);
  checkSameShape(op, 'query', query, 'key', key);
  checkSameShape(op, 'query', query, 'value', value);
  const window = normalizeWindow(op, rank, opts, query.shape);
  checkRpb(op, rank, opts.rpb, query.shape[rank + 1]!, window.kernelSize, window.isCausal);
  checkScale(op, opts.scale);
  const attrs = { ...toKernelAttrs(window, opts.scale ?? query.shape[rank + 2]! ** -0.5) };
  return tidy(() => {
    const q = liftTokens(query, rank);
    const k = liftTokens(key, rank);
    const v = liftTokens(value, rank);
    const rpb = liftBias(opts.rpb, rank);
    let out: Tensor;
    if (activeNAImplementation() === 'composite') {
      out = compositeAttention(q, k, v, rpb, attrs);
    } else if (isRecordingGradients()) {
      const qkInputs = withOptionalBias({ query: q, key: k }, rpb);
      const attn = softmax(engine().runKernel(NeighborhoodAttentionQK, qkInputs, attrs) as Tensor);
      out = engine().runKernel(NeighborhoodAttentionAV, { attn, value: v }, attrs) as Tensor;
    } else {
      const inputs = { query: q, key: k, value: v, rpb: rpb ?? zeros([0]) };
      out = engine().runKernel(NeighborhoodAttentionFused, inputs, attrs) as Tensor;
    }
    return lowerTokens(out, rank);
  });
}

/**
 * 2-D neighbourhood attention, `softmax(scale * q.k + rpb) v` over each query's `k0 x k1` window
 * (NATTEN v0.17.5 semantics, heads-last like its fused `na2d`). Runs the fused kernel (no logits in memory)
 * unless gradients are being recorded.
 * @param query `[B, H, W, heads, D]`; `key`, `value` the same shape
 * @param opts `kernelSize`, `dilation`, `isCausal` (per axis or shared), `rpb` `[heads, 2k0-1, 2k1-1]`,
 *   `scale` (default `D ** -0.5`)
 * @returns `[B, H, W, heads, D]`
 */
export function na2d(query: Tensor5D, key: Tensor5D, value: Tensor5D, opts: NAOptions): Tensor5D {
  return neighborhoodAttention('na2d', 2, query, key, value, opts) as Tensor5D;
}

/** 1-D neighbourhood attention: `[B, L, heads, D]` in and out; `rpb` `[heads, 2k-1]`. */
export function na1d(query: Tensor4D, key: Tensor4D, value: Tensor4D, opts: NAOptions): Tensor4D {
  return neighborhoodAttention('na1d', 1, query, key, value, opts) as Tensor4D;
}
