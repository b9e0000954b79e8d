// SPDX-License-Identifier: MIT
import { engine, softmax, tidy, zeros } from '@tensorflow/tfjs-core';
import type { Rank, Tensor, Tensor4D, Tensor5D } from '@tensorflow/tfjs-core';

type Tensor6D = Tensor<Rank.R6>;
import { compositeAttention } from '../composite/composite_ops.js';
import { activeNABackward, activeNAImplementation } from '../implementation.js';
import { NeighborhoodAttentionFused } from '../kernel_names.js';
import {
  checkKeyValueHeads,
  checkRpb,
  checkSameShape,
  checkScale,
  checkTensor,
  fail,
  normalizeWindow,
  toKernelAttrs,
  tokenLayout,
} from '../na_args.js';
import type { NAKernelAttrs, NAOptions, SpatialRank } from '../na_args.js';
import { isRecordingGradients } from '../tfjs_internals.js';
import { attendWithExtraTokens } from './extra_tokens.js';
import { windowWeightedSum } from './na_av.js';
import { windowLogits } from './na_qk.js';
import { liftBias, liftTokens, lowerTokens } from './spatial_lift.js';

/** Checks `additionalKeys`/`additionalValues` (`[B, n, kvHeads, D]`, both or neither). */
function checkExtraTokens(op: string, opts: NAOptions, key: Tensor): { keys: Tensor; values: Tensor } | null {
  const { additionalKeys: keys, additionalValues: values } = opts;
  if (keys == null && values == null) return null;
  if (keys == null || values == null) {
    fail(op, `additionalKeys and additionalValues go together; got only ${keys == null ? 'additionalValues' : 'additionalKeys'}`);
  }
  checkTensor(op, 'additionalKeys', keys, 4, '[B, n, kvHeads, D]');
  checkTensor(op, 'additionalValues', values, 4, '[B, n, kvHeads, D]');
  checkSameShape(op, 'additionalKeys', keys, 'additionalValues', values);
  const r = key.rank;
  const expected = [key.shape[0]!, keys.shape[1]!, key.shape[r - 2]!, key.shape[r - 1]!];
  if (keys.shape.some((size, i) => size !== expected[i]) || keys.shape[1]! < 1) {
    fail(op, `additionalKeys shape [${keys.shape.join(', ')}] must be [B, n >= 1, kvHeads, D] = [${expected.join(', ')}] (key's batch, heads and head dim)`);
  }
  return { keys, values };
}

/** The fused kernel's output (a kernel that also returns the log-sum-exp keeps it for its gradient only). */
function fusedKernel(q: Tensor, k: Tensor, v: Tensor, rpb: Tensor | undefined, attrs: NAKernelAttrs): Tensor {
  const inputs = { query: q, key: k, value: v, rpb: rpb ?? zeros([0]) };
  const result = engine().runKernel(NeighborhoodAttentionFused, inputs, { ...attrs }) as Tensor | Tensor[];
  return Array.isArray(result) ? result[0]! : result;
}

export function neighborhoodAttention(
  op: string,
  rank: SpatialRank,
  query: Tensor,
  key: Tensor,
  value: Tensor,
  opts: NAOptions,
): Tensor {
  const layout = tokenLayout(rank);
  checkTensor(op, 'query', query, rank + 3, layout);
  checkTensor(op, 'key', key, rank + 3, layout);
  checkTensor(op, 'value', value, rank + 3, layout);
  const kvHeads = checkKeyValueHeads(op, query, 'key', key);
  checkSameShape(op, 'key', key, 'value', value);
  const window = normalizeWindow(op, rank, opts, query.shape);
  const heads = query.shape[rank + 1]!;
  checkRpb(op, rank, opts.rpb, heads, window.kernelSize, window.isCausal);
  checkScale(op, opts.scale);
  const extra = checkExtraTokens(op, opts, key);
  const scale = opts.scale ?? query.shape[rank + 2]! ** -0.5;
  const attrs = toKernelAttrs(window, scale, kvHeads === heads ? undefined : kvHeads);
  return tidy(() => {
    const q = liftTokens(query, rank);
    const k = liftTokens(key, rank);
    const v = liftTokens(value, rank);
    const rpb = liftBias(opts.rpb, rank);
    let out: Tensor;
    if (extra !== null) {
      // The extra tokens join the window's softmax; the window halves run on the kernels where they can.
      out = attendWithExtraTokens(q, windowLogits(q, k, rpb, attrs), extra.keys, extra.values, scale, (attn) =>
        windowWeightedSum(attn, v, attrs),
      );
    } else if (activeNAImplementation(attrs) === 'composite') {
      out = compositeAttention(q, k, v, rpb, attrs);
    } else if (!isRecordingGradients()) {
      out = fusedKernel(q, k, v, rpb, attrs);
    } else if (activeNABackward() === 'split') {
      out = windowWeightedSum(softmax(windowLogits(q, k, rpb, attrs)), v, attrs);
    } else {
      // The fused backward will need the softmax's log-sum-exp: the forward saves it where the kernel writes it.
      out = fusedKernel(q, k, v, rpb, { ...attrs, withLogSumExp: true });
    }
    return lowerTokens(out, rank);
  });
}

/**
 * 2-D neighbourhood attention, `softmax(scale * q.k + rpb) v` over each query's `k0 x k1` window (NATTEN 0.21
 * generalized NA with v0.17.5's rpb, heads-last like its fused `na2d`). Runs the fused kernel (no logits in
 * memory) unless extra tokens are given or gradients are recorded with the split backward (setNABackward).
 * @param query `[B, H, W, heads, D]`; `key`, `value` `[B, H, W, kvHeads, D]` with `heads % kvHeads == 0`
 * @param opts `kernelSize`, `dilation`, `isCausal`, `stride` (per axis or shared), `rpb` `[heads, 2k0-1, 2k1-1]`,
 *   `scale` (default `D ** -0.5`), `additionalKeys`/`additionalValues` `[B, n, kvHeads, D]`
 * @returns `[B, H, W, heads, D]`
 */
export function na2d(query: Tensor5D, key: Tensor5D, value: Tensor5D, opts: NAOptions): Tensor5D {
  return neighborhoodAttention('na2d', 2, query, key, value, opts) as Tensor5D;
}

/** 1-D neighbourhood attention: `[B, L, heads, D]` in and out (k/v `[B, L, kvHeads, D]`); `rpb` `[heads, 2k-1]`. */
export function na1d(query: Tensor4D, key: Tensor4D, value: Tensor4D, opts: NAOptions): Tensor4D {
  return neighborhoodAttention('na1d', 1, query, key, value, opts) as Tensor4D;
}

/**
 * 3-D neighbourhood attention: `[B, X, Y, Z, heads, D]` in and out (k/v `[B, X, Y, Z, kvHeads, D]`);
 * `rpb` `[heads, 2k0-1, 2k1-1, 2k2-1]`.
 */
export function na3d(query: Tensor6D, key: Tensor6D, value: Tensor6D, opts: NAOptions): Tensor6D {
  return neighborhoodAttention('na3d', 3, query, key, value, opts) as Tensor6D;
}
