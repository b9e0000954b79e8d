// SPDX-License-Identifier: MIT
// dRPB: every (query, slot) gradient lands on bias entry (key' - query') + k - 1 per axis, summed over the batch.
// NATTEN v0.17.5 rel_pos_bias_2d.hpp; this loop is sequential, hence deterministic.
import type { NAProblem } from '../../geometry.js';

/** Layouts: `gradLogits` `[B, H, W, heads, k0*k1]`; `out` `[heads, 2k0-1, 2k1-1]` (overwritten). */
export function biasGradient(p: NAProblem, gradLogits: Float32Array, out: Float32Array): void {
  const { batch, heads, rows, cols, slots, biasRows, biasCols } = p;
  const [H, W, k1] = [rows.length, cols.length, cols.kernel];
  const acc = new Float64Array(out.length);
  for (let bi = 0; bi < batch; bi++) {
    for (let i0 = 0; i0 < H; i0++) {
      const pb0 = rows.biasStart[i0]!;
      const c0 = rows.count[i0]!;
      for (let i1 = 0; i1 < W; i1++) {
        const pb1 = cols.biasStart[i1]!;
        const c1 = cols.count[i1]!;
        const pos = (bi * H + i0) * W + i1;
        for (let h = 0; h < heads; h++) {
          const gBase = (pos * heads + h) * slots;
          for (let n0 = 0; n0 < c0; n0++) {
            const biasRow = (h * biasRows + pb0 + n0) * biasCols + pb1;
            for (let n1 = 0; n1 < c1; n1++) acc[biasRow + n1]! += gradLogits[gBase + n0 * k1 + n1]!;
          }
        }
      }
    }
  }
  out.set(acc);
}
