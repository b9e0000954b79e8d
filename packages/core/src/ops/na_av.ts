// SPDX-License-Identifier: MIT
import { engine, tidy } from '@tensorflow/tfjs-core';
import type { Rank, Tensor, Tensor4D, Tensor5D } from '@tensorflow/tfjs-core';

type Tensor6D = Tensor<Rank.R6>;
import { compositeAV } from '../composite/composite_ops.js';
import { activeNAImplementation } from '../implementation.js';
import { NeighborhoodAttentionAV } from '../kernel_names.js';
import { checkTensor, fail, normalizeWindow, toKernelAttrs, tokenLayout } from '../na_args.js';
import type { NAAVOptions, NAKernelAttrs, SpatialRank } from '../na_args.js';
import { liftTokens, lowerTokens } from './spatial_lift.js';

/** Weighted sum over each window of lifted (kernel-layout) tensors, on the kernels where they implement the call. */
export function windowWeightedSum(attn: Tensor, value: Tensor, attrs: NAKernelAttrs): Tensor {
  return activeNAImplementation(attrs) === 'kernels'
    ? (engine().runKernel(NeighborhoodAttentionAV, { attn, value }, { ...attrs }) as Tensor)
    : compositeAV(attn, value, attrs);
}

export function neighborhoodAV(op: string, rank: SpatialRank, attn: Tensor, value: Tensor, opts: NAAVOptions): Tensor {
  const slotLayout = { 1: '[B, L, heads, k]', 2: '[B, H, W, heads, k0*k1]', 3: '[B, X, Y, Z, heads, k0*k1*k2]' }[rank];
  checkTensor(op, 'attn', attn, rank + 3, slotLayout);
  checkTensor(op, 'value', value, rank + 3, tokenLayout(rank));
  const window = normalizeWindow(op, rank, opts, value.shape);
  const slots = window.kernelSize.reduce((a, b) => a * b, 1);
  const heads = attn.shape[rank + 1]!;
  const kvHeads = value.shape[rank + 1]!;
  const expected = [...value.shape.slice(0, rank + 1), heads, slots];
  if (attn.shape.some((size, i) => size !== expected[i])) {
    fail(op, `attn shape [${attn.shape.join(', ')}] must be [${expected.join(', ')}] (value's batch and spatial sizes, the query heads, then prod(kernelSize))`);
  }
  if (heads % kvHeads !== 0) {
    fail(op, `attn heads (${heads}) must be a multiple of value heads (${kvHeads}) (GQA/MQA); value shape [${value.shape.join(', ')}]`);
  }
  const attrs = toKernelAttrs(window, 1, kvHeads === heads ? undefined : kvHeads);
  return tidy(() => lowerTokens(windowWeightedSum(liftTokens(attn, rank), liftTokens(value, rank), attrs), rank));
}

/**
 * Weighted sum of each query's neighbourhood values (NATTEN `na2d_av`, heads-last).
 * @param attn `[B, H, W, heads, k0*k1]` (masked slots are ignored)
 * @param value `[B, H, W, kvHeads, D]` with `heads % kvHeads == 0`
 * @returns `[B, H, W, heads, D]`
 */
export function na2dAV(attn: Tensor5D, value: Tensor5D, opts: NAAVOptions): Tensor5D {
  return neighborhoodAV('na2dAV', 2, attn, value, opts) as Tensor5D;
}

/** 1-D: `attn` `[B, L, heads, k]`, `value` `[B, L, kvHeads, D]` -> `[B, L, heads, D]`. */
export function na1dAV(attn: Tensor4D, value: Tensor4D, opts: NAAVOptions): Tensor4D {
  return neighborhoodAV('na1dAV', 1, attn, value, opts) as Tensor4D;
}

/** 3-D: `attn` `[B, X, Y, Z, heads, k0*k1*k2]`, `value` `[B, X, Y, Z, kvHeads, D]` -> `[B, X, Y, Z, heads, D]`. */
export function na3dAV(attn: Tensor6D, value: Tensor6D, opts: NAAVOptions): Tensor6D {
  return neighborhoodAV('na3dAV', 3, attn, value, opts) as Tensor6D;
}
