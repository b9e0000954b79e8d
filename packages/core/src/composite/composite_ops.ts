// SPDX-License-Identifier: MIT
// The portable NA implementation from standard tfjs ops: gather of key/value neighbourhoods by precomputed index
// tables, batched matMul, softmax. Used on backends without NA kernels (webgl, tensorflow, anything else);
// its gradients come from tfjs's own autograd of these ops.
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { makeProblem } from '../geometry.js';
import type { NAKernelAttrs } from '../na_args.js';
import { gatherRows } from './gather_rows.js';
import { buildKernelRowTables } from './neighbor_tables.js';
import type { KernelRowTables } from './neighbor_tables.js';

function validMask(tables: KernelRowTables, shape: number[]): Tensor | null {
  return tables.valid === null ? null : tf.tensor(tables.valid, shape);
}

/** logits `[B, H, W, heads, k0*k1]` = scale * q.k + rpb, -inf in masked slots. Inputs are 5-D heads-last. */
export function compositeQK(query: Tensor, key: Tensor, rpb: Tensor | undefined, attrs: NAKernelAttrs): Tensor {
  return tf.tidy(() => {
    const p = makeProblem(query.shape, attrs);
    const [B, H, W, heads, D] = query.shape as [number, number, number, number, number];
    const k1 = p.cols.kernel;
    const rowsOfTokens = B * H * W * heads;
    const tables = buildKernelRowTables(p);
    const q = tf.reshape(tf.mul(query, attrs.scale), [rowsOfTokens, 1, D]);
    const keys = tf.reshape(key, [B, H * W * heads, D]);
    const parts = tables.keyIndex.map((index) => {
      const gathered = tf.reshape(gatherRows(keys, index), [rowsOfTokens, k1, D]);
      return tf.reshape(tf.matMul(q, gathered, false, true), [B, H, W, heads, k1]);
    });
    let logits = parts.length === 1 ? parts[0]! : tf.concat(parts, -1);
    const slotShape = [1, H, W, heads, p.slots];
    if (rpb !== undefined) {
      const bias = gatherRows(tf.reshape(rpb, [1, -1, 1]), tables.biasIndex);
      logits = tf.add(logits, tf.reshape(bias, slotShape));
    }
    const valid = validMask(tables, slotShape);
    if (valid !== null) {
      // x * valid + (0 | -inf): masked slots become -inf and pass no gradient back.
      const minusInf = tf.tensor(tables.valid!.map((v) => (v === 1 ? 0 : -Infinity)), slotShape);
      logits = tf.add(tf.mul(logits, valid), minusInf);
    }
    return logits;
  });
}

/** out `[B, H, W, heads, D]` = sum over slots of attn * v; masked slots are ignored. */
export function compositeAV(attn: Tensor, value: Tensor, attrs: NAKernelAttrs): Tensor {
  return tf.tidy(() => {
    const p = makeProblem(value.shape, attrs);
    const [B, H, W, heads, D] = value.shape as [number, number, number, number, number];
    const k1 = p.cols.kernel;
    const rowsOfTokens = B * H * W * heads;
    const tables = buildKernelRowTables(p);
    const valid = validMask(tables, [1, H, W, heads, p.slots]);
    const weights = valid === null ? attn : tf.mul(attn, valid);
    const values = tf.reshape(value, [B, H * W * heads, D]);
    const flatWeights = tf.reshape(weights, [rowsOfTokens, 1, p.slots]);
    const parts = tables.keyIndex.map((index, n0) => {
      const gathered = tf.reshape(gatherRows(values, index), [rowsOfTokens, k1, D]);
      const rowWeights = p.rows.kernel === 1 ? flatWeights : tf.slice(flatWeights, [0, 0, n0 * k1], [-1, -1, k1]);
      return tf.matMul(rowWeights, gathered);
    });
    return tf.reshape(parts.length === 1 ? parts[0]! : tf.addN(parts), [B, H, W, heads, D]);
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
