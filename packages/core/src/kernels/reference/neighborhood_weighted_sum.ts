// SPDX-License-Identifier: MIT
// AV: out_i = scale * sum_slot w[i, slot] * v_key(i,slot); also QK's backprop-query (dS against keys).
// Mirrors NATTEN v0.17.5 neighborhood_neighborhood_2d.hpp, in 3-D with GQA.
import type { NAProblem } from '../../geometry.js';
import { forEachQueryHead, windowWalker } from '../../windows.js';

/**
 * Layouts: `weights` `[B, *S, heads, slots]`; `values` `[B, *S, kvHeads, D]`; `out` `[B, *S, heads, D]`.
 * Masked (causal) slots are skipped whatever `weights` holds there.
 */
export function neighborhoodWeightedSum(
  p: NAProblem,
  weights: Float32Array,
  values: Float32Array,
  scale: number,
  out: Float32Array,
): void {
  const { headDim: D, slots } = p;
  const acc = new Float64Array(D);
  const w = windowWalker(p);
  forEachQueryHead(p, w, (row, _h, keyRow) => {
    acc.fill(0);
    for (let slot = 0; slot < slots; slot++) {
      const key = w.key[slot]!;
      if (key < 0) continue;
      const weight = weights[row * slots + slot]!;
      const vBase = keyRow(key) * D;
      for (let c = 0; c < D; c++) acc[c]! += weight * values[vBase + c]!;
    }
    for (let c = 0; c < D; c++) out[row * D + c] = scale * acc[c]!;
  });
}
