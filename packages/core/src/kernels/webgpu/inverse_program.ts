// SPDX-License-Identifier: MIT
// dK and dV through the inverse neighbourhood (NATTEN v0.17.5 inverse_neighborhood_2d.hpp): each thread owns
// one (key, head, 4 channels) output and sums weights[q, slot(q, key)] * values_q over exactly the queries
// whose window holds that key, in a fixed order, so there are no atomics and results are deterministic.
// out_x = scale * sum_{q : x in N(q)} weights[q, n(q, x)] * values_q.
import { NAProgram, axisSnippet, tokenLoader, tokenStorer, weightedRowsSetup } from './na_program.js';
import type { CausalFlags } from './na_program.js';

/**
 * Per axis, the queries whose window holds key group-position `xg` form one contiguous run (window starts
 * and ends never decrease along the axis), and every such query lies within k + stride - 2 of the key. The run is
 * found by testing those candidates with the forward rule itself, so both directions always agree
 * (also for even and causal kernels, where NATTEN's closed form needs special cases).
 */
function inverseRange(a: 0 | 1 | 2): string {
  return `
      fn inverseRange${a}(xg : i32, lg : i32) -> vec2<i32> {
        // A query's leader is within stride - 1 of it, and the key within k - 1 of the leader.
        let reach = uniforms.kernel[${a}] + uniforms.stride[${a}] - 2;
        var lo = lg;
        var hi = -1;
        for (var t = max(xg - reach, 0); t <= min(xg + reach, lg - 1); t++) {
          let s = winStart${a}(t, lg);
          if (s <= xg && xg < s + winCount${a}(t, s)) {
            lo = min(lo, t);
            hi = t;
          }
        }
        return vec2<i32>(lo, hi);
      }`;
}

/** `inverseRange0..2`: the run of queries whose window holds a key, per axis. */
export const inverseRanges = (): string => [0, 1, 2].map((a) => inverseRange(a as 0 | 1 | 2)).join('\n');

export class InverseProgram extends NAProgram {
  constructor(
    outputShape: number[],
    private readonly causal: CausalFlags,
    private readonly vec4: boolean,
  ) {
    super(weightedRowsSetup('Inverse', outputShape, causal, vec4));
  }

  getUserCode(): string {
    return `
      ${axisSnippet(this.causal)}
      ${inverseRanges()}
      ${tokenLoader('vBuf', this.vec4)}
      ${tokenStorer(this.vec4)}
      fn main(index : i32) {
        let d4 = (uniforms.headDim + 3) / 4;
        let rows = uniforms.batch * uniforms.spatial.x * uniforms.spatial.y * uniforms.spatial.z * uniforms.kvHeads;
        if (index >= rows * d4) { return; }
        let c = index % d4;
        let row = index / d4;
        // One thread per kv head: the sum runs over the query heads that read it (GQA/MQA).
        let hk = row % uniforms.kvHeads;
        let group = uniforms.heads / uniforms.kvHeads;
        let at = positionOf(row / uniforms.kvHeads);
        let b = at.x;
        let pos = at.yzw;
        let g = pos % uniforms.dilation;
        let xg = pos / uniforms.dilation;
        let lg = vec3<i32>(groupLen0(g.x), groupLen1(g.y), groupLen2(g.z));
        let range0 = inverseRange0(xg.x, lg.x);
        let range1 = inverseRange1(xg.y, lg.y);
        let range2 = inverseRange2(xg.z, lg.z);
        var acc = vec4<f32>(0.0);
        for (var h = hk * group; h < (hk + 1) * group; h++) {
          for (var q0 = range0.x; q0 <= range0.y; q0++) {
            let n0 = xg.x - winStart0(q0, lg.x);
            for (var q1 = range1.x; q1 <= range1.y; q1++) {
              let n1 = xg.y - winStart1(q1, lg.y);
              for (var q2 = range2.x; q2 <= range2.y; q2++) {
                let n = vec3<i32>(n0, n1, xg.z - winStart2(q2, lg.z));
                let q = vec3<i32>(q0, q1, q2) * uniforms.dilation + g;
                let weight = wBuf[slotBase(b, q, h) + slotIndex(n)];
                acc += weight * load_vBuf(tokenBase(b, q, h), c);
              }
            }
          }
        }
        store_out(kvRowBase(b, pos, hk), c, uniforms.scale * acc);
      }`;
  }
}
