// SPDX-License-Identifier: MIT
// dRPB: every (query, slot) gradient lands on bias entry (key' - leader') + k - 1 per axis, summed over the
// batch. NATTEN v0.17.5 rel_pos_bias_2d.hpp; this loop is sequential, hence deterministic.
import type { NAProblem } from '../../geometry.js';
import { forEachQueryHead, windowWalker } from '../../windows.js';

/** Layouts: `gradLogits` `[B, *S, heads, slots]`; `out` `[heads, 2k0-1, 2k1-1, 2k2-1]` (overwritten). */
export function biasGradient(p: NAProblem, gradLogits: Float32Array, out: Float32Array): void {
  const slots = p.slots;
  const biasSize = p.biasPlanes * p.biasRows * p.biasCols;
  const acc = new Float64Array(out.length);
  const w = windowWalker(p);
  forEachQueryHead(p, w, (row, h) => {
    for (let slot = 0; slot < slots; slot++) {
      if (w.key[slot]! >= 0) acc[h * biasSize + w.bias[slot]!]! += gradLogits[row * slots + slot]!;
    }
  });
  out.set(acc);
}
