// SPDX-License-Identifier: MIT
// AV without workgroup tiling: one thread per (query, head, 4 channels).
// out_q = scale * sum_slot w[q, slot] * v_key(q,slot); also QK's backprop-query (dLogits against keys).
// Masked (causal) slots are skipped whatever the weights hold there.
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { NA_UNIFORMS, axisSnippet, flatDispatch, tokenLoader, tokenStorer } from './na_program.js';

export class SimpleAVProgram implements WebGPUProgram {
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
    this.shaderKey = `naSimpleAV_${causal.join('_')}_${vec4}`;
    const threads = (outputShape.slice(0, 4).reduce((x, y) => x * y, 1) * Math.ceil(outputShape[4]! / 4));
    const flat = flatDispatch(Math.ceil(threads / this.workgroupSize[0]));
    this.dispatchLayout = flat.dispatchLayout;
    this.dispatch = flat.dispatch;
  }

  getUserCode(): string {
    return `
      ${axisSnippet(this.causal)}
      ${tokenLoader('vBuf', this.vec4)}
      ${tokenStorer(this.vec4)}
      fn main(index : i32) {
        let d4 = (uniforms.headDim + 3) / 4;
        if (index >= uniforms.batch * uniforms.spatial[0] * uniforms.spatial[1] * uniforms.heads * d4) { return; }
        let c = index % d4;
        var rest = index / d4;
        let h = rest % uniforms.heads; rest = rest / uniforms.heads;
        let x = rest % uniforms.spatial[1]; rest = rest / uniforms.spatial[1];
        let y = rest % uniforms.spatial[0];
        let b = rest / uniforms.spatial[0];
        let g0 = y % uniforms.dilation[0]; let ig0 = y / uniforms.dilation[0];
        let g1 = x % uniforms.dilation[1]; let ig1 = x / uniforms.dilation[1];
        let s0 = winStart0(ig0, groupLen0(g0));
        let s1 = winStart1(ig1, groupLen1(g1));
        let count0 = winCount0(ig0, s0);
        let count1 = winCount1(ig1, s1);
        let wBase = slotBase(b, y, x, h);
        var acc = vec4<f32>(0.0);
        for (var n0 = 0; n0 < count0; n0++) {
          let ky = (s0 + n0) * uniforms.dilation[0] + g0;
          for (var n1 = 0; n1 < count1; n1++) {
            let w = wBuf[wBase + n0 * uniforms.kernel[1] + n1];
            acc += w * load_vBuf(kvBase(b, ky, (s1 + n1) * uniforms.dilation[1] + g1, h), c);
          }
        }
        store_out(tokenBase(b, y, x, h), c, uniforms.scale * acc);
      }`;
  }
}
