// SPDX-License-Identifier: MIT
// dRPB, pass 1 of 2 (NATTEN v0.17.5 rel_pos_bias_2d.hpp, made deterministic): one thread per
// (batch, query row, head, bias entry) sums, in a fixed order, the dLogits of that row's queries that land
// on the entry. Pass 2 (BiasGradReduceProgram) adds the rows up. No float atomics anywhere.
// A (query, slot) pair lands on entry (key' - query') + k - 1 per axis, i.e. slot n = r - biasStart(query).
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { NA_UNIFORMS, axisSnippet, flatDispatch } from './na_program.js';

export class BiasGradPartialProgram implements WebGPUProgram {
  variableNames = ['gBuf'];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: WebGPUProgram['dispatchLayout'];
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [64, 1, 1];
  uniforms = NA_UNIFORMS;
  size = true;

  /** @param outputShape `[B * H, heads, 2k0-1, 2k1-1]` */
  constructor(
    outputShape: number[],
    private readonly causal: readonly [boolean, boolean],
  ) {
    this.outputShape = outputShape;
    this.shaderKey = `naBiasGradPartial_${causal.join('_')}`;
    const flat = flatDispatch(Math.ceil(outputShape.reduce((x, y) => x * y, 1) / this.workgroupSize[0]));
    this.dispatchLayout = flat.dispatchLayout;
    this.dispatch = flat.dispatch;
  }

  getUserCode(): string {
    return `
      ${axisSnippet(this.causal)}
      fn main(index : i32) {
        if (index >= uniforms.size) { return; }
        let r1 = index % uniforms.biasSize[1];
        var rest = index / uniforms.biasSize[1];
        let r0 = rest % uniforms.biasSize[0]; rest = rest / uniforms.biasSize[0];
        let h = rest % uniforms.heads; rest = rest / uniforms.heads;
        let y = rest % uniforms.spatial[0];
        let b = rest / uniforms.spatial[0];
        let g0 = y % uniforms.dilation[0]; let ig0 = y / uniforms.dilation[0];
        let s0 = winStart0(ig0, groupLen0(g0));
        let n0 = r0 - biasStart0(ig0, groupLen0(g0), s0);
        var acc = 0.0;
        if (n0 >= 0 && n0 < winCount0(ig0, s0)) {
          for (var x = 0; x < uniforms.spatial[1]; x++) {
            let g1 = x % uniforms.dilation[1]; let ig1 = x / uniforms.dilation[1];
            let s1 = winStart1(ig1, groupLen1(g1));
            let n1 = r1 - biasStart1(ig1, groupLen1(g1), s1);
            if (n1 >= 0 && n1 < winCount1(ig1, s1)) {
              acc += gBuf[slotBase(b, y, x, h) + n0 * uniforms.kernel[1] + n1];
            }
          }
        }
        setOutputAtIndex(index, acc);
      }`;
  }
}
