// SPDX-License-Identifier: MIT
// QK without workgroup tiling: one thread per logit. logits[q, slot] = scale * (a_q . b_key(q,slot)) + rpb;
// masked (causal) slots get `maskValue` (-inf for logits, 0 when it computes AV's backprop-attn).
// The fallback for head dims the tiled program does not stage (> 128), and the plainest statement of QK.
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { NA_UNIFORMS, axisSnippet, flatDispatch, tokenLoader } from './na_program.js';

export class SimpleQKProgram implements WebGPUProgram {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: WebGPUProgram['dispatchLayout'];
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [64, 1, 1];
  variableComponents: number[];
  uniforms = NA_UNIFORMS;
  size = true;

  constructor(
    outputShape: number[],
    private readonly causal: readonly [boolean, boolean],
    private readonly hasBias: boolean,
  ) {
    this.outputShape = outputShape;
    this.variableNames = hasBias ? ['aBuf', 'bBuf', 'biasBuf'] : ['aBuf', 'bBuf'];
    this.variableComponents = this.variableNames.map(() => 1);
    this.shaderKey = `naSimpleQK_${causal.join('_')}_${hasBias}`;
    const total = outputShape.reduce((x, y) => x * y, 1);
    const flat = flatDispatch(Math.ceil(total / this.workgroupSize[0]));
    this.dispatchLayout = flat.dispatchLayout;
    this.dispatch = flat.dispatch;
  }

  getUserCode(): string {
    const bias = this.hasBias
      ? `v += biasBuf[(h * uniforms.biasSize[0] + biasStart0(ig0, groupLen0(g0), s0) + n0) * uniforms.biasSize[1]
                    + biasStart1(ig1, groupLen1(g1), s1) + n1];`
      : '';
    return `
      ${axisSnippet(this.causal)}
      ${tokenLoader('aBuf', false)}
      ${tokenLoader('bBuf', false)}
      fn main(index : i32) {
        if (index >= uniforms.size) { return; }
        let slot = index % uniforms.slots;
        var rest = index / uniforms.slots;
        let h = rest % uniforms.heads; rest = rest / uniforms.heads;
        let x = rest % uniforms.spatial[1]; rest = rest / uniforms.spatial[1];
        let y = rest % uniforms.spatial[0];
        let b = rest / uniforms.spatial[0];
        let n0 = slot / uniforms.kernel[1];
        let n1 = slot % uniforms.kernel[1];
        let g0 = y % uniforms.dilation[0]; let ig0 = y / uniforms.dilation[0];
        let g1 = x % uniforms.dilation[1]; let ig1 = x / uniforms.dilation[1];
        let s0 = winStart0(ig0, groupLen0(g0));
        let s1 = winStart1(ig1, groupLen1(g1));
        if (n0 >= winCount0(ig0, s0) || n1 >= winCount1(ig1, s1)) {
          setOutputAtIndex(index, uniforms.maskValue);
          return;
        }
        let aBase = tokenBase(b, y, x, h);
        let bBase = kvBase(b, (s0 + n0) * uniforms.dilation[0] + g0, (s1 + n1) * uniforms.dilation[1] + g1, h);
        var acc = 0.0;
        for (var c = 0; c < (uniforms.headDim + 3) / 4; c++) {
          acc += dot(load_aBuf(aBase, c), load_bBuf(bBase, c));
        }
        var v = uniforms.scale * acc;
        ${bias}
        setOutputAtIndex(index, v);
      }`;
  }
}
