// SPDX-License-Identifier: MIT
// dK and dV through the inverse neighbourhood (NATTEN v0.17.5 inverse_neighborhood_2d.hpp): each thread owns
// one (key, head, 4 channels) output and sums weights[q, slot(q, key)] * values_q over exactly the queries
// whose window holds that key, in a fixed order, so there are no atomics and results are deterministic.
// out_x = scale * sum_{q : x in N(q)} weights[q, n(q, x)] * values_q.
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { NA_UNIFORMS, axisSnippet, flatDispatch, tokenLoader, tokenStorer } from './na_program.js';

/**
 * Per axis, the queries whose window holds key group-position `xg` form one contiguous run (window starts
 * and ends never decrease along the axis), and every such query lies within k + stride - 2 of the key. The run is
 * found by testing those 2k - 1 candidates with the forward rule itself, so both directions always agree
 * (also for even and causal kernels, where NATTEN's closed form needs special cases).
 */
function inverseRange(a: 0 | 1): string {
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

export class InverseProgram implements WebGPUProgram {
  variableNames = ['wBuf', 'vBuf'];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: WebGPUProgram['dispatchLayout'];
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [64, 1, 1];
  variableComponents: number[];
  outputComponent: number;
  uniforms = NA_UNIFORMS;

  constructor(
    outputShape: number[],
    private readonly causal: readonly [boolean, boolean],
    private readonly vec4: boolean,
  ) {
    this.outputShape = outputShape;
    this.variableComponents = [1, vec4 ? 4 : 1];
    this.outputComponent = vec4 ? 4 : 1;
    this.shaderKey = `naInverse_${causal.join('_')}_${vec4}`;
    const threads = outputShape.slice(0, 4).reduce((x, y) => x * y, 1) * Math.ceil(outputShape[4]! / 4);
    const flat = flatDispatch(Math.ceil(threads / this.workgroupSize[0]));
    this.dispatchLayout = flat.dispatchLayout;
    this.dispatch = flat.dispatch;
  }

  getUserCode(): string {
    return `
      ${axisSnippet(this.causal)}
      ${inverseRange(0)}
      ${inverseRange(1)}
      ${tokenLoader('vBuf', this.vec4)}
      ${tokenStorer(this.vec4)}
      fn main(index : i32) {
        let d4 = (uniforms.headDim + 3) / 4;
        if (index >= uniforms.batch * uniforms.spatial[0] * uniforms.spatial[1] * uniforms.kvHeads * d4) { return; }
        let c = index % d4;
        var rest = index / d4;
        // One thread per kv head: the sum runs over the query heads that read it (GQA/MQA).
        let hk = rest % uniforms.kvHeads; rest = rest / uniforms.kvHeads;
        let group = uniforms.heads / uniforms.kvHeads;
        let x = rest % uniforms.spatial[1]; rest = rest / uniforms.spatial[1];
        let y = rest % uniforms.spatial[0];
        let b = rest / uniforms.spatial[0];
        let g0 = y % uniforms.dilation[0]; let xg0 = y / uniforms.dilation[0]; let lg0 = groupLen0(g0);
        let g1 = x % uniforms.dilation[1]; let xg1 = x / uniforms.dilation[1]; let lg1 = groupLen1(g1);
        let range0 = inverseRange0(xg0, lg0);
        let range1 = inverseRange1(xg1, lg1);
        var acc = vec4<f32>(0.0);
        for (var h = hk * group; h < (hk + 1) * group; h++) {
        for (var q0 = range0.x; q0 <= range0.y; q0++) {
          let n0 = xg0 - winStart0(q0, lg0);
          let qy = q0 * uniforms.dilation[0] + g0;
          for (var q1 = range1.x; q1 <= range1.y; q1++) {
            let n1 = xg1 - winStart1(q1, lg1);
            let qx = q1 * uniforms.dilation[1] + g1;
            let w = wBuf[slotBase(b, qy, qx, h) + n0 * uniforms.kernel[1] + n1];
            acc += w * load_vBuf(tokenBase(b, qy, qx, h), c);
          }
        }
        }
        store_out(kvRowBase(b, y, x, hk), c, uniforms.scale * acc);
      }`;
  }
}
