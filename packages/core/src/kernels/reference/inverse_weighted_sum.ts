// SPDX-License-Identifier: MIT
// dK and dV: for each key, a sum over only the queries whose window holds it (the inverse neighbourhood),
// as NATTEN v0.17.5 inverse_neighborhood_2d.hpp does; never a scan over every query.
import type { NAProblem } from '../../geometry.js';

/**
 * out_x = scale * sum_{(i, slot) : key(i, slot) = x} weights[i, slot] * values_i.
 * Layouts: `weights` `[B, H, W, heads, k0*k1]`; `values`, `out` `[B, H, W, heads, D]`.
 */
export function inverseWeightedSum(
  p: NAProblem,
  weights: Float32Array,
  values: Float32Array,
  scale: number,
  out: Float32Array,
): void {
  const { batch, heads, headDim: D, rows, cols, slots } = p;
  const [H, W, k1] = [rows.length, cols.length, cols.kernel];
  const acc = new Float64Array(D);
  for (let bi = 0; bi < batch; bi++) {
    for (let x0 = 0; x0 < H; x0++) {
      const rowFrom = rows.inverseOffset[x0]!;
      const rowTo = rows.inverseOffset[x0 + 1]!;
      for (let x1 = 0; x1 < W; x1++) {
        const colFrom = cols.inverseOffset[x1]!;
        const colTo = cols.inverseOffset[x1 + 1]!;
        const keyPos = (bi * H + x0) * W + x1;
        for (let h = 0; h < heads; h++) {
          acc.fill(0);
          for (let r = rowFrom; r < rowTo; r++) {
            const queryRow = (bi * H + rows.inverseQuery[r]!) * W;
            const slotRow = rows.inverseSlot[r]! * k1;
            for (let c = colFrom; c < colTo; c++) {
              const queryPos = queryRow + cols.inverseQuery[c]!;
              const w = weights[(queryPos * heads + h) * slots + slotRow + cols.inverseSlot[c]!]!;
              const vBase = (queryPos * heads + h) * D;
              for (let ch = 0; ch < D; ch++) acc[ch]! += w * values[vBase + ch]!;
            }
          }
          const outBase = (keyPos * heads + h) * D;
          for (let ch = 0; ch < D; ch++) out[outBase + ch] = scale * acc[ch]!;
        }
      }
    }
  }
}
