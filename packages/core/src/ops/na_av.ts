// SPDX-License-Identifier: MIT
import { engine, tidy } from '@tensorflow/tfjs-core';
import type { Tensor, Tensor4D, Tensor5D } from '@tensorflow/tfjs-core';
import { compositeAV } from '../composite/composite_ops.js';
import { activeNAImplementation } from '../implementation.js';
import { NeighborhoodAttentionAV } from '../kernel_names.js';
import { checkTensor, fail, normalizeWindow, toKernelAttrs } from '../na_args.js';
import type { NAAVOptions, SpatialRank } from '../na_args.js';
import { liftTokens, lowerTokens } from './spatial_lift.js';

export function neighborhoodAV(op: string, rank: SpatialRank, attn: Tensor, value: Tensor, opts: NAAVOptions): Tensor {
  checkTensor(op, 'attn', attn, rank + 3, rank === 1 ? '[B, L, heads, k]' : '[B, H, W, heads, k0*k1]');
  checkTensor(op, 'value', value, rank + 3, rank === 1 ? '[B, L, heads, D]' : '[B, H, W, heads, D]');
  const window = normalizeWindow(op, rank, opts, value.shape);
  const slots = window.kernelSize.reduce((a, b) => a * b, 1);
  const expected = [...value.shape.slice(0, rank + 2), slots];
  if (attn.shape.some((size, i) => size !== expected[i])) {
    fail(op, `attn shape [${attn.shape.join(', ')}] must be [${expected.join(', ')}] (value's batch, spatial and heads, then prod(kernelSize))`);
  }
  const attrs = toKernelAttrs(window, 1);
  return tidy(() => {
    const a = liftTokens(attn, rank);
    const v = liftTokens(value, rank);
    const out =
      activeNAImplementation() === 'kernels'
        ? (engine().runKernel(NeighborhoodAttentionAV, { attn: a, value: v }, { ...attrs }) as Tensor)
        : compositeAV(a, v, attrs);
    return lowerTokens(out, rank);
  });
}

/**
 * Weighted sum of each query's neighbourhood values (NATTEN v0.17.5 `na2d_av`, heads-last).
 * @param attn `[B, H, W, heads, k0*k1]` (masked slots are ignored)
 * @param value `[B, H, W, heads, D]`
 * @returns `[B, H, W, heads, D]`
 */
export function na2dAV(attn: Tensor5D, value: Tensor5D, opts: NAAVOptions): Tensor5D {
  return neighborhoodAV('na2dAV', 2, attn, value, opts) as Tensor5D;
}

/** 1-D: `attn` `[B, L, heads, k]`, `value` `[B, L, heads, D]` -> `[B, L, heads, D]`. */
export function na1dAV(attn: Tensor4D, value: Tensor4D, opts: NAAVOptions): Tensor4D {
  return neighborhoodAV('na1dAV', 1, attn, value, opts) as Tensor4D;
}
