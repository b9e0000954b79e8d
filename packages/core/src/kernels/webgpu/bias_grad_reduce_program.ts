// SPDX-License-Identifier: MIT
// dRPB, pass 2 of 2: one thread per bias entry adds the B * H row partials of BiasGradPartialProgram in
// order, so the result does not depend on scheduling.
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { NA_UNIFORMS, flatDispatch } from './na_program.js';

export class BiasGradReduceProgram implements WebGPUProgram {
  variableNames = ['partBuf'];
  outputShape: number[];
  shaderKey = 'naBiasGradReduce';
  dispatchLayout: WebGPUProgram['dispatchLayout'];
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [64, 1, 1];
  uniforms = NA_UNIFORMS;
  size = true;

  /** @param outputShape `[heads, 2k0-1, 2k1-1]` */
  constructor(outputShape: number[]) {
    this.outputShape = outputShape;
    const flat = flatDispatch(Math.ceil(outputShape.reduce((x, y) => x * y, 1) / this.workgroupSize[0]));
    this.dispatchLayout = flat.dispatchLayout;
    this.dispatch = flat.dispatch;
  }

  getUserCode(): string {
    return `
      fn main(index : i32) {
        if (index >= uniforms.size) { return; }
        let rows = uniforms.batch * uniforms.spatial[0];
        var acc = 0.0;
        for (var p = 0; p < rows; p++) { acc += partBuf[p * uniforms.size + index]; }
        setOutputAtIndex(index, acc);
      }`;
  }
}
