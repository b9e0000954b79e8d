// SPDX-License-Identifier: MIT
// 1-D NA is 2-D NA on a height-1 axis: these reshapes move between the two (free in tfjs). 2-D and 3-D
// tensors are the kernels' own layouts and pass through.
import { reshape } from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import type { SpatialRank } from '../na_args.js';

/** `[B, L, heads, X]` -> `[B, 1, L, heads, X]`. */
export function liftTokens(x: Tensor, rank: SpatialRank): Tensor {
  return rank !== 1 ? x : reshape(x, [x.shape[0]!, 1, ...x.shape.slice(1)]);
}

/** `[heads, 2k-1]` -> `[heads, 1, 2k-1]`. */
export function liftBias(rpb: Tensor | undefined, rank: SpatialRank): Tensor | undefined {
  return rpb === undefined || rank !== 1 ? rpb : reshape(rpb, [rpb.shape[0]!, 1, rpb.shape[1]!]);
}

/** Inverse of liftTokens. */
export function lowerTokens(x: Tensor, rank: SpatialRank): Tensor {
  return rank !== 1 ? x : reshape(x, [x.shape[0]!, ...x.shape.slice(2)]);
}
