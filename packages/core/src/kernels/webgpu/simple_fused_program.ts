// SPDX-License-Identifier: MIT
// Fused NA forward without workgroup tiling: one thread per (query, head). A first phase over the window finds
// the softmax maximum and denominator, a second recomputes each logit and adds its weighted value row
// straight into the thread's own output row, so no logits are stored anywhere and any head dim works.
// The fallback for head dims the tiled program does not stage (> 128).
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { NA_UNIFORMS, axisSnippet, flatDispatch, tokenLoader, tokenStorer } from './na_program.js';

export class SimpleFusedProgram implements WebGPUProgram {
  variableNames: string[];
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
    private readonly hasBias: boolean,
    private readonly vec4: boolean,
  ) {
    this.outputShape = outputShape;
    this.variableNames = hasBias ? ['qBuf', 'kBuf', 'vBuf', 'biasBuf'] : ['qBuf', 'kBuf', 'vBuf'];
    const token = vec4 ? 4 : 1;
    this.variableComponents = hasBias ? [token, token, token, 1] : [token, token, token];
    this.outputComponent = token;
    this.shaderKey = `naSimpleFused_${causal.join('_')}_${hasBias}_${vec4}`;
    const flat = flatDispatch(Math.ceil(outputShape.slice(0, 4).reduce((x, y) => x * y, 1) / this.workgroupSize[0]));
    this.dispatchLayout = flat.dispatchLayout;
    this.dispatch = flat.dispatch;
  }

  getUserCode(): string {
    const bias = this.hasBias
      ? `logit += biasBuf[(h * uniforms.biasSize[0] + pb0 + n0) * uniforms.biasSize[1] + pb1 + n1];`
      : '';
    return `
      ${axisSnippet(this.causal)}
      ${tokenLoader('qBuf', this.vec4)}
      ${tokenLoader('kBuf', this.vec4)}
      ${tokenLoader('vBuf', this.vec4)}
      ${tokenStorer(this.vec4)}
      fn main(index : i32) {
        if (index >= uniforms.batch * uniforms.spatial[0] * uniforms.spatial[1] * uniforms.heads) { return; }
        let d4 = (uniforms.headDim + 3) / 4;
        let h = index % uniforms.heads;
        var rest = index / uniforms.heads;
        let x = rest % uniforms.spatial[1]; rest = rest / uniforms.spatial[1];
        let y = rest % uniforms.spatial[0];
        let b = rest / uniforms.spatial[0];
        let g0 = y % uniforms.dilation[0]; let ig0 = y / uniforms.dilation[0];
        let g1 = x % uniforms.dilation[1]; let ig1 = x / uniforms.dilation[1];
        let s0 = winStart0(ig0, groupLen0(g0));
        let s1 = winStart1(ig1, groupLen1(g1));
        let count0 = winCount0(ig0, s0);
        let count1 = winCount1(ig1, s1);
        let pb0 = biasStart0(ig0, groupLen0(g0), s0);
        let pb1 = biasStart1(ig1, groupLen1(g1), s1);
        let qBase = tokenBase(b, y, x, h);
        var runningMax = -3.402823e38;
        var denominator = 0.0;
        // Phase 0 finds max and denominator (online); phase 1 accumulates normalised weights times values.
        for (var phase = 0; phase < 2; phase++) {
          for (var n0 = 0; n0 < count0; n0++) {
            let ky = (s0 + n0) * uniforms.dilation[0] + g0;
            for (var n1 = 0; n1 < count1; n1++) {
              let kBase = kvBase(b, ky, (s1 + n1) * uniforms.dilation[1] + g1, h);
              var dotv = 0.0;
              for (var c = 0; c < d4; c++) { dotv += dot(load_qBuf(qBase, c), load_kBuf(kBase, c)); }
              var logit = uniforms.scale * dotv;
              ${bias}
              if (phase == 0) {
                let m = max(runningMax, logit);
                denominator = denominator * exp(runningMax - m) + exp(logit - m);
                runningMax = m;
              } else {
                let p = exp(logit - runningMax) / denominator;
                for (var c = 0; c < d4; c++) {
                  let first = n0 == 0 && n1 == 0;
                  let prev = select(load_out(qBase, c), vec4<f32>(0.0), first);
                  store_out(qBase, c, prev + p * load_vBuf(kBase, c));
                }
              }
            }
          }
        }
      }
      ${this.vec4 ? 'fn load_out(base : i32, c : i32) -> vec4<f32> { return result[(base >> 2) + c]; }'
      : `fn load_out(base : i32, c : i32) -> vec4<f32> {
          var v = vec4<f32>(0.0);
          for (var j = 0; j < 4; j++) { if (c * 4 + j < uniforms.headDim) { v[j] = result[base + c * 4 + j]; } }
          return v;
        }`}`;
  }
}
