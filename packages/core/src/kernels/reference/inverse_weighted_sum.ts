// SPDX-License-Identifier: MIT
// dK and dV: for each key, a sum over only the queries whose window holds it (the inverse neighbourhood, over
// stride groups and every query head that reads the kv head), as NATTEN v0.17.5 inverse_neighborhood_2d.hpp
// does; never a scan over every query.
import type { NAProblem } from '../../geometry.js';
import { inverseWalker, spatialSize } from '../../windows.js';

/**
 * out_x = scale * sum_{(i, slot) : key(i, slot) = x} sum_{h reading kv head} weights[i, h, slot] * values[i, h].
 * Layouts: `weights` `[B, *S, heads, slots]`; `values` `[B, *S, heads, D]`; `out` `[B, *S, kvHeads, D]`.
 */
export function inverseWeightedSum(
  p: NAProblem,
  weights: Float32Array,
  values: Float32Array,
  scale: number,
  out: Float32Array,
): void {
  const { batch, heads, kvHeads, headDim: D, slots } = p;
  const S = spatialSize(p);
  const group = heads / kvHeads;
  const acc = new Float64Array(D);
  const inv = inverseWalker(p);
  for (let position = 0; position < S; position++) {
    const pairs = inv.fill(position);
    for (let bi = 0; bi < batch; bi++) {
      for (let hk = 0; hk < kvHeads; hk++) {
        acc.fill(0);
        for (let h = hk * group; h < (hk + 1) * group; h++) {
          for (let n = 0; n < pairs; n++) {
            const token = (bi * S + inv.query[n]!) * heads + h;
            const weight = weights[token * slots + inv.slot[n]!]!;
            const vBase = token * D;
            for (let c = 0; c < D; c++) acc[c]! += weight * values[vBase + c]!;
          }
        }
        const outBase = ((bi * S + position) * kvHeads + hk) * D;
        for (let c = 0; c < D; c++) out[outBase + c] = scale * acc[c]!;
      }
    }
  }
}
