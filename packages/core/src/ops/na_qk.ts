// SPDX-License-Identifier: MIT
import { engine, tidy } from '@tensorflow/tfjs-core';
import type { Tensor, Tensor4D, Tensor5D } from '@tensorflow/tfjs-core';
import { compositeQK } from '../composite/composite_ops.js';
import { activeNAImplementation } from '../implementation.js';
import { NeighborhoodAttentionQK } from '../kernel_names.js';
import { checkRpb, checkSameShape, checkScale, checkTensor, normalizeWindow, toKernelAttrs } from '../na_args.js';
import type { NAQKOptions, SpatialRank } from '../na_args.js';
import { withOptionalBias } from './kernel_inputs.js';
import { liftBias, liftTokens, lowerTokens } from './spatial_lift.js';

export function neighborhoodQK(op: string, rank: SpatialRank, query: Tensor, key: Tensor, opts: NAQKOptions): Tensor {
  const layout = rank === 1 ? '[B, L, heads, D]' : '[B, H, W, heads, D]';
  checkTensor(op, 'query', query, rank + 3, layout);
  checkTensor(op, 'key', key, rank + 3, layout);
  checkSameShape(op, 'query', query, 'key', key);
  const window = normalizeWindow(op, rank, opts, query.shape);
  checkRpb(op, rank, opts.rpb, query.shape[rank + 1]!, window.kernelSize, window.isCausal);
  checkScale(op, opts.scale);
  const attrs = toKernelAttrs(window, opts.scale ?? 1);
  return tidy(() => {
    const q = liftTokens(query, rank);
    const k = liftTokens(key, rank);
    const rpb = liftBias(opts.rpb, rank);
    const logits =
      activeNAImplementation() === 'kernels'
        ? (engine().runKernel(NeighborhoodAttentionQK, withOptionalBias({ query: q, key: k }, rpb), { ...attrs }) as Tensor)
        : compositeQK(q, k, rpb, attrs);
    return lowerTokens(logits, rank);
  });
}

/**
 * Neighbourhood logits of 2-D NA (NATTEN v0.17.5 `na2d_qk`, heads-last):
 * `logits[b, i, j, h, ki*k1 + kj] = scale * q[b, i, j, h] . k[b, key(i, ki), key(j, kj), h] + rpb[h, ...]`,
 * `-Infinity` in causally masked slots.
 * @param query `[B, H, W, heads, D]`
 * @param key `[B, H, W, heads, D]`
 * @param opts `kernelSize`, `dilation`, `isCausal` (per axis or shared), `rpb` `[heads, 2k0-1, 2k1-1]`,
 *   `scale` (default 1, NATTEN's unfused convention: scale q yourself or pass it here)
 * @returns logits `[B, H, W, heads, k0*k1]`
 */
export function na2dQK(query: Tensor5D, key: Tensor5D, opts: NAQKOptions): Tensor5D {
  return neighborhoodQK('na2dQK', 2, query, key, opts) as Tensor5D;
}

/**
 * 1-D neighbourhood logits. `query`, `key` `[B, L, heads, D]`; `rpb` `[heads, 2k-1]`.
 * @returns logits `[B, L, heads, k]`
 */
export function na1dQK(query: Tensor4D, key: Tensor4D, opts: NAQKOptions): Tensor4D {
  return neighborhoodQK('na1dQK', 1, query, key, opts) as Tensor4D;
}
