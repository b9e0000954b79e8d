// SPDX-License-Identifier: MIT
import { engine, tidy } from '@tensorflow/tfjs-core';
import type { Rank, Tensor, Tensor4D, Tensor5D } from '@tensorflow/tfjs-core';

type Tensor6D = Tensor<Rank.R6>;
import { compositeQK } from '../composite/composite_ops.js';
import { activeNAImplementation } from '../implementation.js';
import { NeighborhoodAttentionQK } from '../kernel_names.js';
import { checkKeyValueHeads, checkRpb, checkScale, checkTensor, normalizeWindow, toKernelAttrs, tokenLayout } from '../na_args.js';
import type { NAKernelAttrs, NAQKOptions, SpatialRank } from '../na_args.js';
import { withOptionalBias } from './kernel_inputs.js';
import { liftBias, liftTokens, lowerTokens } from './spatial_lift.js';

/** Window logits of lifted (kernel-layout) tensors, on the kernels where they implement the call. */
export function windowLogits(q: Tensor, k: Tensor, rpb: Tensor | undefined, attrs: NAKernelAttrs): Tensor {
  return activeNAImplementation(attrs) === 'kernels'
    ? (engine().runKernel(NeighborhoodAttentionQK, withOptionalBias({ query: q, key: k }, rpb), { ...attrs }) as Tensor)
    : compositeQK(q, k, rpb, attrs);
}

export function neighborhoodQK(op: string, rank: SpatialRank, query: Tensor, key: Tensor, opts: NAQKOptions): Tensor {
  checkTensor(op, 'query', query, rank + 3, tokenLayout(rank));
  checkTensor(op, 'key', key, rank + 3, tokenLayout(rank));
  const kvHeads = checkKeyValueHeads(op, query, 'key', key);
  const window = normalizeWindow(op, rank, opts, query.shape);
  const heads = query.shape[rank + 1]!;
  checkRpb(op, rank, opts.rpb, heads, window.kernelSize, window.isCausal);
  checkScale(op, opts.scale);
  const attrs = toKernelAttrs(window, opts.scale ?? 1, kvHeads === heads ? undefined : kvHeads);
  return tidy(() => lowerTokens(windowLogits(liftTokens(query, rank), liftTokens(key, rank), liftBias(opts.rpb, rank), attrs), rank));
}

/**
 * Neighbourhood logits of 2-D NA (NATTEN `na2d_qk`, heads-last):
 * `logits[b, i, j, h, ki*k1 + kj] = scale * q[b, i, j, h] . k[b, key(i, ki), key(j, kj), h'] + rpb[h, ...]`,
 * `-Infinity` in causally masked slots; with `stride`, the queries of a stride group share their leader's window.
 * @param query `[B, H, W, heads, D]`
 * @param key `[B, H, W, kvHeads, D]` with `heads % kvHeads == 0` (query head h reads kv head `h / (heads/kvHeads)`)
 * @param opts `kernelSize`, `dilation`, `isCausal`, `stride` (per axis or shared), `rpb` `[heads, 2k0-1, 2k1-1]`,
 *   `scale` (default 1, NATTEN's unfused convention: scale q yourself or pass it here)
 * @returns logits `[B, H, W, heads, k0*k1]`
 */
export function na2dQK(query: Tensor5D, key: Tensor5D, opts: NAQKOptions): Tensor5D {
  return neighborhoodQK('na2dQK', 2, query, key, opts) as Tensor5D;
}

/**
 * 1-D neighbourhood logits. `query` `[B, L, heads, D]`, `key` `[B, L, kvHeads, D]`; `rpb` `[heads, 2k-1]`.
 * @returns logits `[B, L, heads, k]`
 */
export function na1dQK(query: Tensor4D, key: Tensor4D, opts: NAQKOptions): Tensor4D {
  return neighborhoodQK('na1dQK', 1, query, key, opts) as Tensor4D;
}

/**
 * 3-D neighbourhood logits. `query` `[B, X, Y, Z, heads, D]`, `key` `[B, X, Y, Z, kvHeads, D]`;
 * `rpb` `[heads, 2k0-1, 2k1-1, 2k2-1]`.
 * @returns logits `[B, X, Y, Z, heads, k0*k1*k2]`
 */
export function na3dQK(query: Tensor6D, key: Tensor6D, opts: NAQKOptions): Tensor6D {
  return neighborhoodQK('na3dQK', 3, query, key, opts) as Tensor6D;
}
