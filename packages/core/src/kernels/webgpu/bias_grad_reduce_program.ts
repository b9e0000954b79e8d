// SPDX-License-Identifier: MIT
// dRPB, pass 2 of 2: one thread per bias entry adds the B * X * Y row partials of BiasGradPartialProgram in
// order, so the result does not depend on scheduling.
import { NAProgram, workgroupsFor } from './na_program.js';

export class BiasGradReduceProgram extends NAProgram {
  /** @param outputShape `[heads, 2k0-1, 2k1-1(, 2k2-1)]` */
  constructor(outputShape: number[]) {
    super({
      outputShape,
      variableNames: ['partBuf'],
      shaderKey: 'naBiasGradReduce',
      workgroups: workgroupsFor(outputShape.reduce((x, y) => x * y, 1)),
      size: true,
    });
  }

  getUserCode(): string {
    return `
      fn main(index : i32) {
        if (index >= uniforms.size) { return; }
        let rows = uniforms.batch * uniforms.spatial.x * uniforms.spatial.y;
        var acc = 0.0;
        for (var p = 0; p < rows; p++) { acc += partBuf[p * uniforms.size + index]; }
        setOutputAtIndex(index, acc);
      }`;
  }
}
