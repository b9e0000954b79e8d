// SPDX-License-Identifier: MIT
// AV without workgroup tiling: one thread per (query, head, 4 channels).
// out_q = scale * sum_slot w[q, slot] * v_key(q,slot); also QK's backprop-query (dLogits against keys).
// Masked (causal) slots are skipped whatever the weights hold there.
import { NAProgram, axisSnippet, tokenLoader, tokenStorer, weightedRowsSetup } from './na_program.js';
import type { CausalFlags } from './na_program.js';

export class SimpleAVProgram extends NAProgram {
  constructor(
    outputShape: number[],
    private readonly causal: CausalFlags,
    private readonly vec4: boolean,
  ) {
    super(weightedRowsSetup('SimpleAV', outputShape, causal, vec4));
  }

  getUserCode(): string {
    return `
      ${axisSnippet(this.causal)}
      ${tokenLoader('vBuf', this.vec4)}
      ${tokenStorer(this.vec4)}
      fn main(index : i32) {
        let d4 = (uniforms.headDim + 3) / 4;
        let rows = uniforms.batch * uniforms.spatial.x * uniforms.spatial.y * uniforms.spatial.z * uniforms.heads;
        if (index >= rows * d4) { return; }
        let c = index % d4;
        let row = index / d4;
        let h = row % uniforms.heads;
        let at = positionOf(row / uniforms.heads);
        let b = at.x;
        let pos = at.yzw;
        let w = queryWindow(pos);
        let wBase = slotBase(b, pos, h);
        var acc = vec4<f32>(0.0);
        for (var n0 = 0; n0 < w.count.x; n0++) {
          for (var n1 = 0; n1 < w.count.y; n1++) {
            for (var n2 = 0; n2 < w.count.z; n2++) {
              let n = vec3<i32>(n0, n1, n2);
              acc += wBuf[wBase + slotIndex(n)] * load_vBuf(kvBase(b, keyPos(w, n), h), c);
            }
          }
        }
        store_out(tokenBase(b, pos, h), c, uniforms.scale * acc);
      }`;
  }
}
