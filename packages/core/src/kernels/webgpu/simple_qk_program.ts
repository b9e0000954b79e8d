// SPDX-License-Identifier: MIT
// QK without workgroup tiling: one thread per logit. logits[q, slot] = scale * (a_q . b_key(q,slot)) + rpb;
// masked (causal) slots get `maskValue` (-inf for logits, 0 when it computes AV's backprop-attn).
// The fallback for head dims the tiled program does not stage (> 128), and the plainest statement of QK.
import { NAProgram, axisSnippet, tokenLoader, workgroupsFor } from './na_program.js';
import type { CausalFlags } from './na_program.js';

export class SimpleQKProgram extends NAProgram {
  constructor(
    outputShape: number[],
    private readonly causal: CausalFlags,
    private readonly hasBias: boolean,
  ) {
    super({
      outputShape,
      variableNames: hasBias ? ['aBuf', 'bBuf', 'biasBuf'] : ['aBuf', 'bBuf'],
      shaderKey: `naSimpleQK_${causal.join('_')}_${hasBias}`,
      workgroups: workgroupsFor(outputShape.reduce((x, y) => x * y, 1)),
      size: true,
    });
  }

  getUserCode(): string {
    const bias = this.hasBias ? 'v += biasBuf[biasIndex(h, w.bias + n)];' : '';
    return `
      ${axisSnippet(this.causal)}
      ${tokenLoader('aBuf', false)}
      ${tokenLoader('bBuf', false)}
      fn main(index : i32) {
        if (index >= uniforms.size) { return; }
        let slot = index % uniforms.slots;
        let row = index / uniforms.slots;
        let h = row % uniforms.heads;
        let at = positionOf(row / uniforms.heads);
        let b = at.x;
        let pos = at.yzw;
        let n = vec3<i32>(slot / (uniforms.kernel.y * uniforms.kernel.z), (slot / uniforms.kernel.z) % uniforms.kernel.y,
                          slot % uniforms.kernel.z);
        let w = queryWindow(pos);
        if (any(n >= w.count)) {
          setOutputAtIndex(index, uniforms.maskValue);
          return;
        }
        let aBase = tokenBase(b, pos, h);
        let bBase = kvBase(b, keyPos(w, n), h);
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
