// SPDX-License-Identifier: MIT
// The portable NA implementation from standard tfjs ops: gather of key/value neighbourhoods by precomputed index
// tables, batched matMul, softmax. Used on backends without NA kernels (webgl, tensorflow, anything else) and
// for calls a backend's kernels do not implement; its gradients come from tfjs's own autograd of these ops.
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { makeProblem } from '../geometry.js';
import type { NAKernelAttrs } from '../na_args.js';
import { spatialSize } from '../windows.js';
import { gatherRows } from './gather_rows.js';
import { buildKernelLineTables } from './neighbor_tables.js';
import type { KernelLineTables } from './neighbor_tables.js';

function validMask(tables: KernelLineTables, shape: number[]): Tensor | null {
  return tables.valid === null ? null : tf.tensor(tables.valid, shape);
}

/** Works on `[B, S, heads, X]` with the spatial axes flattened: some backends (webgpu) mishandle 6-D concat. */
const flatShape = (p: { batch: number; heads: number }, S: number, last: number): number[] => [p.batch, S, p.heads, last];

/**
 * logits `[B, *S, heads, slots]` = scale * q.k + rpb, -inf in masked slots. `query` is `[B, *S, heads, D]` (5-D
 * or 6-D heads-last), `key` `[B, *S, kvHeads, D]`.
 */
export function compositeQK(query: Tensor, key: Tensor, rpb: Tensor | undefined, attrs: NAKernelAttrs): Tensor {
  return tf.tidy(() => {
    const p = makeProblem(query.shape, attrs);
    const [B, D, width] = [p.batch, p.headDim, p.cols.kernel];
    const S = spatialSize(p);
    const rowsOfTokens = B * S * p.heads;
    const tables = buildKernelLineTables(p);
    const q = tf.reshape(tf.mul(query, attrs.scale), [rowsOfTokens, 1, D]);
    const keys = tf.reshape(key, [B, S * p.kvHeads, D]);
    const lineShape = flatShape(p, S, width);
    const parts = tables.keyIndex.map((index) => {
      const gathered = tf.reshape(gatherRows(keys, index), [rowsOfTokens, width, D]);
      return tf.reshape(tf.matMul(q, gathered, false, true), lineShape);
    });
    let logits = parts.length === 1 ? parts[0]! : tf.concat(parts, -1);
    const shape = [1, S, p.heads, p.slots];
    if (rpb !== undefined) {
      const bias = gatherRows(tf.reshape(rpb, [1, -1, 1]), tables.biasIndex);
      logits = tf.add(logits, tf.reshape(bias, shape));
    }
    const valid = validMask(tables, shape);
    if (valid !== null) {
      // x * valid + (0 | -inf): masked slots become -inf and pass no gradient back.
      const minusInf = tf.tensor(tables.valid!.map((v) => (v === 1 ? 0 : -Infinity)), shape);
      logits = tf.add(tf.mul(logits, valid), minusInf);
    }
    return tf.reshape(logits, [...query.shape.slice(0, -1), p.slots]);
  });
}

/** out `[B, *S, heads, D]` = sum over slots of attn * v (`value` `[B, *S, kvHeads, D]`); masked slots are ignored. */
export function compositeAV(attn: Tensor, value: Tensor, attrs: NAKernelAttrs): Tensor {
  return tf.tidy(() => {
    const D = value.shape[value.rank - 1]!;
    const p = makeProblem(attn.shape, attrs, D);
    const [B, width] = [p.batch, p.cols.kernel];
    const S = spatialSize(p);
    const rowsOfTokens = B * S * p.heads;
    const tables = buildKernelLineTables(p);
    const valid = validMask(tables, [1, S, p.heads, p.slots]);
    const flatAttn = tf.reshape(attn, flatShape(p, S, p.slots));
    const weights = valid === null ? flatAttn : tf.mul(flatAttn, valid);
    const values = tf.reshape(value, [B, S * p.kvHeads, D]);
    const flatWeights = tf.reshape(weights, [rowsOfTokens, 1, p.slots]);
    const parts = tables.keyIndex.map((index, line) => {
      const gathered = tf.reshape(gatherRows(values, index), [rowsOfTokens, width, D]);
      const lineWeights = tables.keyIndex.length === 1 ? flatWeights : tf.slice(flatWeights, [0, 0, line * width], [-1, -1, width]);
      return tf.matMul(lineWeights, gathered);
    });
    // Pairwise adds: tfjs-backend-webgpu 4.22's addN returns zeros for more than 8 inputs (3-D windows have k0*k1 lines).
    return tf.reshape(parts.reduce((sum, part) => tf.add(sum, part)), [...attn.shape.slice(0, -1), D]);
  });
}

/** softmax(QK) then AV, the unfused chain (NATTEN <= 0.17 modules). */
export function compositeAttention(
  query: Tensor,
  key: Tensor,
  value: Tensor,
  rpb: Tensor | undefined,
  attrs: NAKernelAttrs,
): Tensor {
  return tf.tidy(() => compositeAV(tf.softmax(compositeQK(query, key, rpb, attrs)), value, attrs));
}
