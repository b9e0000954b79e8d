// SPDX-License-Identifier: MIT
// AV: out_i = scale * sum_slot w[i, slot] * v_key(i,slot); also QK's backprop-query (dS against keys).
// Mirrors NATTEN v0.17.5 neighborhood_neighborhood_2d.hpp.
import type { NAProblem } from '../../geometry.js';

/**
 * Layouts: `weights` `[B, H, W, heads, k0*k1]`; `values`, `out` `[B, H, W, heads, D]`.
 * Masked (causal) slots are skipped whatever `weights` holds there.
 */
export function neighborhoodWeightedSum(
  p: NAProblem,
  weights: Float32Array,
  values: Float32Array,
  scale: number,
  out: Float32Array,
): void {
  const { batch, heads, headDim: D, rows, cols, slots } = p;
  const [H, W, k1, d0, d1] = [rows.length, cols.length, cols.kernel, rows.dilation, cols.dilation];
  const acc = new Float64Array(D);
  for (let bi = 0; bi < batch; bi++) {
    for (let i0 = 0; i0 < H; i0++) {
      const s0 = rows.start[i0]!;
      const c0 = rows.count[i0]!;
      for (let i1 = 0; i1 < W; i1++) {
        const s1 = cols.start[i1]!;
        const c1 = cols.count[i1]!;
        const pos = (bi * H + i0) * W + i1;
        for (let h = 0; h < heads; h++) {
          const weightBase = (pos * heads + h) * slots;
          acc.fill(0);
          for (let n0 = 0; n0 < c0; n0++) {
            const keyRow = (bi * H + s0 + n0 * d0) * W;
            for (let n1 = 0; n1 < c1; n1++) {
              const w = weights[weightBase + n0 * k1 + n1]!;
              const vBase = ((keyRow + s1 + n1 * d1) * heads + h) * D;
              for (let c = 0; c < D; c++) acc[c]! += w * values[vBase + c]!;
            }
          }
          const outBase = (pos * heads + h) * D;
          for (let c = 0; c < D; c++) out[outBase + c] = scale * acc[c]!;
        }
      }
    }
  }
}
