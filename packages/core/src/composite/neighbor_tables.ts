// SPDX-License-Identifier: MIT
// Index tables for the portable composite: which key row each (query, head, slot) gathers, one table per
// kernel row so that at most k1 neighbours per query are materialised at a time.
import type { NAProblem } from '../geometry.js';

export interface KernelRowTables {
  /** `[N * heads * k1]`: row `keyPos * heads + head` of the `[N * heads, D]` keys, for kernel row n0. */
  keyIndex: Int32Array[];
  /** `[N * heads * k0 * k1]`: flat index into the `[heads * (2k0-1) * (2k1-1)]` bias table. */
  biasIndex: Int32Array;
  /** `[N * heads * k0 * k1]`: 1 for valid slots, 0 for causally masked ones; null when nothing is masked. */
  valid: Float32Array | null;
}

export function buildKernelRowTables(p: NAProblem): KernelRowTables {
  const { heads, rows, cols, slots, biasRows, biasCols } = p;
  const [H, W, k0, k1] = [rows.length, cols.length, rows.kernel, cols.kernel];
  const N = H * W;
  const keyIndex = Array.from({ length: k0 }, () => new Int32Array(N * heads * k1));
  const biasIndex = new Int32Array(N * heads * slots);
  const anyCausal = rows.causal || cols.causal;
  const valid = anyCausal ? new Float32Array(N * heads * slots) : null;
  for (let i0 = 0; i0 < H; i0++) {
    for (let i1 = 0; i1 < W; i1++) {
      const pos = i0 * W + i1;
      for (let h = 0; h < heads; h++) {
        for (let n0 = 0; n0 < k0; n0++) {
          for (let n1 = 0; n1 < k1; n1++) {
            const inWindow = n0 < rows.count[i0]! && n1 < cols.count[i1]!;
            // Masked slots gather the query's own row; their logits are replaced by -inf afterwards.
            const keyPos = inWindow
              ? (rows.start[i0]! + n0 * rows.dilation) * W + cols.start[i1]! + n1 * cols.dilation
              : pos;
            keyIndex[n0]![(pos * heads + h) * k1 + n1] = keyPos * heads + h;
            const slot = (pos * heads + h) * slots + n0 * k1 + n1;
            biasIndex[slot] = (h * biasRows + rows.biasStart[i0]! + n0) * biasCols + cols.biasStart[i1]! + n1;
            if (valid !== null) valid[slot] = inWindow ? 1 : 0;
          }
        }
      }
    }
  }
  return { keyIndex, biasIndex, valid };
}
