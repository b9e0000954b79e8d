// SPDX-License-Identifier: MIT
// dRPB, pass 1 of 2 (NATTEN v0.17.5 rel_pos_bias_2d.hpp, made deterministic): one thread per
// (batch, plane, row, head, bias entry) sums, in a fixed order, the dLogits of that row's queries that land
// on the entry. Pass 2 (BiasGradReduceProgram) adds the rows up. No float atomics anywhere.
// A (query, slot) pair lands on entry (key' - leader') + k - 1 per axis, i.e. slot n = r - biasStart(query).
// With `fused`, dLogits are not stored: each is recomputed from the fused backward's saved tensors.
import { fusedBackwardBuffers, fusedBackwardSnippet } from './fused_backward_programs.js';
import type { FusedBackwardShape } from './fused_backward_programs.js';
import { NAProgram, axisSnippet, workgroupsFor } from './na_program.js';
import type { CausalFlags } from './na_program.js';

export class BiasGradPartialProgram extends NAProgram {
  /** @param outputShape `[B * X * Y, heads, 2k0-1, 2k1-1(, 2k2-1)]` */
  constructor(
    outputShape: number[],
    private readonly causal: CausalFlags,
    private readonly fused: FusedBackwardShape | null = null,
  ) {
    super({
      outputShape,
      ...(fused ? fusedBackwardBuffers(fused) : { variableNames: ['gBuf'] }),
      shaderKey: `naBiasGradPartial_${causal.join('_')}${fused ? `_fused_${fused.hasBias}_${fused.vec4}` : ''}`,
      workgroups: workgroupsFor(outputShape.reduce((x, y) => x * y, 1)),
      size: true,
    });
  }

  getUserCode(): string {
    const dLogit = this.fused
      ? 'slotGradient(at.x, pos, h, w, n).y'
      : 'gBuf[slotBase(at.x, pos, h) + slotIndex(n)]';
    return `
      ${this.fused ? fusedBackwardSnippet(this.causal, this.fused) : axisSnippet(this.causal)}
      fn main(index : i32) {
        if (index >= uniforms.size) { return; }
        let r2 = index % uniforms.biasSize.z;
        var rest = index / uniforms.biasSize.z;
        let r1 = rest % uniforms.biasSize.y; rest = rest / uniforms.biasSize.y;
        let r0 = rest % uniforms.biasSize.x; rest = rest / uniforms.biasSize.x;
        let h = rest % uniforms.heads;
        // The thread's row: (b, plane, row) with every column of it.
        let at = positionOf((rest / uniforms.heads) * uniforms.spatial.z);
        let r = vec3<i32>(r0, r1, r2);
        var acc = 0.0;
        for (var x = 0; x < uniforms.spatial.z; x++) {
          let pos = vec3<i32>(at.y, at.z, x);
          let w = queryWindow(pos);
          let n = r - w.bias;
          if (all(n >= vec3<i32>(0)) && all(n < w.count)) {
            acc += ${dLogit};
          }
        }
        setOutputAtIndex(index, acc);
      }`;
  }
}
