// SPDX-License-Identifier: MIT
// QK: logits[i, slot] = scale * (a_i . b_key(i,slot)) + rpb; also AV's backprop-attn (dO . v, masked slots 0).
// Mirrors NATTEN v0.17.5 pointwise_neighborhood_2d.hpp (PointwiseNeighborhood2D{,WithBias}), in 3-D with GQA.
import type { NAProblem } from '../../geometry.js';
import { forEachQueryHead, windowWalker } from '../../windows.js';

/**
 * Dot products of every query row of `a` with the key rows of `b` in its neighbourhood.
 * Layouts: `a` `[B, *S, heads, D]`; `b` `[B, *S, kvHeads, D]`; `out` `[B, *S, heads, slots]`;
 * `rpb` `[heads, 2k0-1, 2k1-1, 2k2-1]`. Masked (causal) slots get `maskedValue`: `-Infinity` for logits, `0`
 * for gradients.
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
  const { headDim: D, slots } = p;
  const biasSize = p.biasPlanes * p.biasRows * p.biasCols;
  const w = windowWalker(p);
  forEachQueryHead(p, w, (row, h, keyRow) => {
    const aBase = row * D;
    for (let slot = 0; slot < slots; slot++) {
      const key = w.key[slot]!;
      if (key < 0) {
        out[row * slots + slot] = maskedValue;
        continue;
      }
      const bBase = keyRow(key) * D;
      let dot = 0;
      for (let c = 0; c < D; c++) dot += a[aBase + c]! * b[bBase + c]!;
      let value = scale * dot;
      if (rpb !== null) value += rpb[h * biasSize + w.bias[slot]!]!;
      out[row * slots + slot] = value;
    }
  });
}
