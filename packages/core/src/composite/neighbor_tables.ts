// SPDX-License-Identifier: MIT
// Index tables for the portable composite: which key row each (query, head, slot) gathers, one table per
// kernel line (a run of k2 slots along the last axis), so that at most k2 neighbours per query are
// materialised at a time.
import type { NAProblem } from '../geometry.js';
import { spatialSize, windowWalker } from '../windows.js';

export interface KernelLineTables {
  /** Per line `[S * heads * k2]`: row `keyPos * kvHeads + kvHead` of the `[S * kvHeads, D]` keys. */
  keyIndex: Int32Array[];
  /** `[S * heads * slots]`: flat index into the `[heads * biasSize]` bias table. */
  biasIndex: Int32Array;
  /** `[S * heads * slots]`: 1 for valid slots, 0 for causally masked ones; null when nothing is masked. */
  valid: Float32Array | null;
}

export function buildKernelLineTables(p: NAProblem): KernelLineTables {
  const { heads, kvHeads, slots } = p;
  const S = spatialSize(p);
  const width = p.cols.kernel;
  const group = heads / kvHeads;
  const biasSize = p.biasPlanes * p.biasRows * p.biasCols;
  const keyIndex = Array.from({ length: slots / width }, () => new Int32Array(S * heads * width));
  const biasIndex = new Int32Array(S * heads * slots);
  const anyCausal = p.planes.causal || p.rows.causal || p.cols.causal;
  const valid = anyCausal ? new Float32Array(S * heads * slots) : null;
  const w = windowWalker(p);
  for (let position = 0; position < S; position++) {
    w.fill(position);
    for (let h = 0; h < heads; h++) {
      const hk = Math.floor(h / group);
      for (let slot = 0; slot < slots; slot++) {
        const key = w.key[slot]!;
        // Masked slots gather the query's own position; their logits are replaced by -inf afterwards.
        const keyPos = key < 0 ? position : key;
        const line = Math.floor(slot / width);
        keyIndex[line]![(position * heads + h) * width + (slot % width)] = keyPos * kvHeads + hk;
        const at = (position * heads + h) * slots + slot;
        biasIndex[at] = h * biasSize + w.bias[slot]!;
        if (valid !== null) valid[at] = key < 0 ? 0 : 1;
      }
    }
  }
  return { keyIndex, biasIndex, valid };
}
