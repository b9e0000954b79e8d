// SPDX-License-Identifier: MIT
// 1-D NA is 2-D NA on a height-1 axis: these reshapes move between the two (free in tfjs).
import { reshape } from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import type { SpatialRank } from '../na_args.js';

/** `[B, L, heads, X]` -> `[B, 1, L, heads, X]`; 2-D tensors pass through. */
export function liftTokens(x: Tensor, rank: SpatialRank): Tensor {
  return rank === 2 ? x : reshape(x, [x.shape[0]!, 1, ...x.shape.slice(1)]);
}

/** `[heads, 2k-1]` -> `[heads, 1, 2k-1]`. */
export function liftBias(rpb: Tensor | undefined, rank: SpatialRank): Tensor | undefined {
  return rpb === undefined || rank === 2 ? rpb : reshape(rpb, [rpb.shape[0]!, 1, rpb.shape[1]!]);
}

/** Inverse of liftTokens. */
export function lowerTokens(x: Tensor, rank: SpatialRank): Tensor {
  return rank === 2 ? x : reshape(x, [x.shape[0]!, ...x.shape.slice(2)]);
}
