// SPDX-License-Identifier: MIT
// Row gather whose gradient is another gather over a padded inverse table, instead of tfjs's default
// unsortedSegmentSum (O(segments x entries) on cpu). Same result, and every backend has a fast gather.
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';

/** For each source row, the entries of `index` that read it, padded with `index.length` (a zero row). */
function inverseTable(index: Int32Array, rows: number): { table: Int32Array; width: number } {
  const count = new Int32Array(rows);
  for (const row of index) count[row]!++;
  let width = 1;
  for (const c of count) width = Math.max(width, c);
  const table = new Int32Array(rows * width).fill(index.length);
  count.fill(0);
  index.forEach((row, entry) => {
    table[row * width + count[row]!++] = entry;
  });
  return { table, width };
}

/**
 * `source` `[B, R, D]`, `index` values in `[0, R)` -> `[B, index.length, D]`; differentiable in `source`.
 */
export function gatherRows(source: Tensor, index: Int32Array): Tensor {
  const [batch, rows, depth] = source.shape as [number, number, number];
  const gather = tf.customGrad((...args) => {
    const x = args[0] as Tensor;
    const value = tf.gather(x, tf.tensor1d(index, 'int32'), 1);
    const gradFunc = (dy: Tensor) => {
      const { table, width } = inverseTable(index, rows);
      const padded = tf.concat([dy, tf.zeros([batch, 1, depth])], 1);
      const picked = tf.gather(padded, tf.tensor1d(table, 'int32'), 1);
      return tf.sum(tf.reshape(picked, [batch, rows, width, depth]), 2);
    };
    return { value, gradFunc };
  });
  return gather(source);
}
