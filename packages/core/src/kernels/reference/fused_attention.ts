// SPDX-License-Identifier: MIT
// Fused NA forward: QK (+rpb), softmax and AV per query with an online softmax, so no logits tensor exists.
// The softmax's log-sum-exp falls out of the same pass (max + log denominator), for the fused backward.
import type { NAProblem } from '../../geometry.js';
import { forEachQueryHead, windowWalker } from '../../windows.js';

/**
 * Layouts: `q`, `out` `[B, *S, heads, D]`; `k`, `v` `[B, *S, kvHeads, D]`; `rpb` `[heads, 2k0-1, 2k1-1, 2k2-1]`;
 * `lse` (written when given) `[B, *S, heads]`.
 */
export function fusedAttention(
  p: NAProblem,
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  rpb: Float32Array | null,
  scale: number,
  out: Float32Array,
  lse: Float32Array | null = null,
): void {
  const { headDim: D, slots } = p;
  const biasSize = p.biasPlanes * p.biasRows * p.biasCols;
  const acc = new Float64Array(D);
  const w = windowWalker(p);
  forEachQueryHead(p, w, (row, h, keyRow) => {
    const qBase = row * D;
    let runningMax = -Infinity;
    let denominator = 0;
    acc.fill(0);
    for (let slot = 0; slot < slots; slot++) {
      const key = w.key[slot]!;
      if (key < 0) continue;
      const kvBase = keyRow(key) * D;
      let dot = 0;
      for (let c = 0; c < D; c++) dot += q[qBase + c]! * k[kvBase + c]!;
      let logit = scale * dot;
      if (rpb !== null) logit += rpb[h * biasSize + w.bias[slot]!]!;
      if (logit > runningMax) {
        // A new maximum rescales what was accumulated so far (online softmax).
        const correction = Math.exp(runningMax - logit);
        denominator *= correction;
        for (let c = 0; c < D; c++) acc[c]! *= correction;
        runningMax = logit;
      }
      const weight = Math.exp(logit - runningMax);
      denominator += weight;
      for (let c = 0; c < D; c++) acc[c]! += weight * v[kvBase + c]!;
    }
    const inv = 1 / denominator;
    for (let c = 0; c < D; c++) out[qBase + c] = acc[c]! * inv;
    if (lse !== null) lse[row] = runningMax + Math.log(denominator);
  });
}
