// SPDX-License-Identifier: MIT
// dK and dV: for each key, a sum over only the queries whose window holds it (the inverse neighbourhood, over
// stride groups and every query head that reads the kv head), as NATTEN v0.17.5 inverse_neighborhood_2d.hpp
// does; never a scan over every query.
import type { NAProblem } from '../../geometry.js';
import { forEachKeyHead, inverseWalker } from '../../windows.js';

/**
 * out_x = scale * sum_{(i, slot) : key(i, slot) = x} sum_{h reading kv head} weights[i, h, slot] * values[i, h].
 * Layouts: `weights` `[B, *S, heads, slots]`; `values` `[B, *S, heads, D]`; `out` `[B, *S, kvHeads, D]`.
 */
export function inverseWeightedSum(
  p: NAProblem,
  weights: Float32Array,
  values: Float32Array,
  scale: number,
  out: Float32Array,
): void {
  const { headDim: D, slots } = p;
  const acc = new Float64Array(D);
  const inv = inverseWalker(p);
  forEachKeyHead(p, inv, (kvRow, pairs, headFrom, headTo, queryRow) => {
    acc.fill(0);
    for (let h = headFrom; h < headTo; h++) {
      for (let n = 0; n < pairs; n++) {
        const token = queryRow(n, h);
        const weight = weights[token * slots + inv.slot[n]!]!;
        for (let c = 0; c < D; c++) acc[c]! += weight * values[token * D + c]!;
      }
    }
    for (let c = 0; c < D; c++) out[kvRow * D + c] = scale * acc[c]!;
  });
}
