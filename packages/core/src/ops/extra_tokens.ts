// SPDX-License-Identifier: MIT
// Additional key/value tokens (NATTEN's additional_keys/values): attended by every query, merged with its window
// in one softmax. A dense [queries x n] product per kv head, built from tfjs ops so autograd covers it.
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';

/** `[B, *S, heads, X]` -> `[B * kvHeads, S * group, X]` with the query heads of one kv head together. */
function byKvHead(x: Tensor, kvHeads: number): Tensor {
  const [B, heads, X] = [x.shape[0]!, x.shape[x.rank - 2]!, x.shape[x.rank - 1]!];
  const group = heads / kvHeads;
  const grouped = tf.reshape(x, [B, -1, kvHeads, group, X]);
  return tf.reshape(tf.transpose(grouped, [0, 2, 1, 3, 4]), [B * kvHeads, -1, X]);
}

/** Inverse of byKvHead, back to `shape` with its last axis replaced by the product's. */
function fromKvHead(x: Tensor, shape: readonly number[], kvHeads: number): Tensor {
  const [B, heads, X] = [shape[0]!, shape[shape.length - 2]!, x.shape[2]!];
  const grouped = tf.reshape(x, [B, kvHeads, -1, heads / kvHeads, X]);
  return tf.reshape(tf.transpose(grouped, [0, 2, 1, 3, 4]), [...shape.slice(0, -1), X]);
}

/** `[B, n, kvHeads, D]` -> `[B * kvHeads, n, D]`. */
function tokensByKvHead(tokens: Tensor): Tensor {
  const [B, n, kvHeads, D] = tokens.shape as [number, number, number, number];
  return tf.reshape(tf.transpose(tokens, [0, 2, 1, 3]), [B * kvHeads, n, D]);
}

/**
 * softmax over [window logits, scale * q . extraKeys], then the window's weighted sum (`windowSum`) plus the
 * extra tokens' weighted sum. `windowLogits` `[B, *S, heads, slots]`; `extraKeys`/`extraValues` `[B, n, kvHeads, D]`.
 */
export function attendWithExtraTokens(
  query: Tensor,
  windowLogits: Tensor,
  extraKeys: Tensor,
  extraValues: Tensor,
  scale: number,
  windowSum: (attn: Tensor) => Tensor,
): Tensor {
  const kvHeads = extraKeys.shape[2]!;
  const slots = windowLogits.shape[windowLogits.rank - 1]!;
  const n = extraKeys.shape[1]!;
  const extraLogits = fromKvHead(
    tf.matMul(byKvHead(tf.mul(query, scale), kvHeads), tokensByKvHead(extraKeys), false, true),
    query.shape,
    kvHeads,
  );
  const attn = tf.softmax(tf.concat([windowLogits, extraLogits], -1));
  const [windowAttn, extraAttn] = tf.split(attn, [slots, n], -1) as [Tensor, Tensor];
  const extraOut = fromKvHead(tf.matMul(byKvHead(extraAttn, kvHeads), tokensByKvHead(extraValues)), query.shape, kvHeads);
  return tf.add(windowSum(windowAttn), extraOut);
}
