// SPDX-License-Identifier: MIT
// QK: logits[i, slot] = scale * (a_i . b_key(i,slot)) + rpb; also AV's backprop-attn (dO . v, masked slots 0).
// Mirrors NATTEN v0.17.5 pointwise_neighborhood_2d.hpp (PointwiseNeighborhood2D{,WithBias}).
import type { NAProblem } from '../../geometry.js';

/**
 * Dot products of every query row of `a` with the key rows of `b` in its neighbourhood.
 * Layouts: `a`, `b` `[B, H, W, heads, D]`; `out` `[B, H, W, heads, k0*k1]`; `rpb` `[heads, 2k0-1, 2k1-1]`.
 * Masked (causal) slots get `maskedValue`: `-Infinity` for logits, `0` for gradients.
 */
export function neighborhoodDot(
  p: NAProblem,
  a: Float32Array,
  b: Float32Array,
  rpb: Float32Array | null,
  scale: number,
  maskedValue: number,
  out: Float32Array,
): void {
  const { batch, heads, headDim: D, rows, cols, slots, biasRows, biasCols } = p;
  const [H, W, k0, k1, d0, d1] = [rows.length, cols.length, rows.kernel, cols.kernel, rows.dilation, cols.dilation];
  for (let bi = 0; bi < batch; bi++) {
    for (let i0 = 0; i0 < H; i0++) {
      const s0 = rows.start[i0]!;
      const c0 = rows.count[i0]!;
      const pb0 = rows.biasStart[i0]!;
      for (let i1 = 0; i1 < W; i1++) {
        const s1 = cols.start[i1]!;
        const c1 = cols.count[i1]!;
        const pb1 = cols.biasStart[i1]!;
        const pos = (bi * H + i0) * W + i1;
        for (let h = 0; h < heads; h++) {
          const aBase = (pos * heads + h) * D;
          const outBase = (pos * heads + h) * slots;
          for (let n0 = 0; n0 < k0; n0++) {
            const keyRow = (bi * H + s0 + n0 * d0) * W;
            for (let n1 = 0; n1 < k1; n1++) {
              const slot = n0 * k1 + n1;
              if (n0 >= c0 || n1 >= c1) {
                out[outBase + slot] = maskedValue;
                continue;
              }
              const bBase = ((keyRow + s1 + n1 * d1) * heads + h) * D;
              let dot = 0;
              for (let c = 0; c < D; c++) dot += a[aBase + c]! * b[bBase + c]!;
              let value = scale * dot;
              if (rpb !== null) value += rpb[(h * biasRows + pb0 + n0) * biasCols + pb1 + n1]!;
              out[outBase + slot] = value;
            }
          }
        }
      }
    }
  }
}
