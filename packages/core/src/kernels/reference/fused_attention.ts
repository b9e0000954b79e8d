// SPDX-License-Identifier: MIT
// Fused NA forward: QK (+rpb), softmax and AV per query with an online softmax, so no logits tensor exists.
import type { NAProblem } from '../../geometry.js';

/** Layouts: `q`, `k`, `v`, `out` `[B, H, W, heads, D]`; `rpb` `[heads, 2k0-1, 2k1-1]`. */
export function fusedAttention(
  p: NAProblem,
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  rpb: Float32Array | null,
  scale: number,
  out: Float32Array,
): void {
  const { batch, heads, headDim: D, rows, cols, biasRows, biasCols } = p;
  const [H, W, d0, d1] = [rows.length, cols.length, rows.dilation, cols.dilation];
  const acc = new Float64Array(D);
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
          const qBase = (pos * heads + h) * D;
          let runningMax = -Infinity;
          let denominator = 0;
          acc.fill(0);
          for (let n0 = 0; n0 < c0; n0++) {
            const keyRow = (bi * H + s0 + n0 * d0) * W;
            for (let n1 = 0; n1 < c1; n1++) {
              const kvBase = ((keyRow + s1 + n1 * d1) * heads + h) * D;
              let dot = 0;
              for (let c = 0; c < D; c++) dot += q[qBase + c]! * k[kvBase + c]!;
              let logit = scale * dot;
              if (rpb !== null) logit += rpb[(h * biasRows + pb0 + n0) * biasCols + pb1 + n1]!;
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
          }
          const inv = 1 / denominator;
          for (let c = 0; c < D; c++) out[qBase + c] = acc[c]! * inv;
        }
      }
    }
  }
}
