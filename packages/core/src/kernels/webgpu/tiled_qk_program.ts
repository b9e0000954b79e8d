// SPDX-License-Identifier: MIT
// QK with workgroup tiling (see tiled_common.ts): one thread per query keeps its query row in registers and
// writes all k0*k1*k2 logits of its row; the tile's key rows are staged once in workgroup memory.
// logits[q, slot] = scale * (a_q . b_key(q,slot)) + rpb; masked (causal) slots get `maskValue`.
import { NAProgram, axisSnippet, tokenLoader } from './na_program.js';
import type { CausalFlags } from './na_program.js';
import { loadPrivateRow, tiledMain, tiledTokenSetup, unroll } from './tiled_common.js';
import type { TiledSetup } from './tiled_common.js';

export class TiledQKProgram extends NAProgram {
  constructor(
    outputShape: number[],
    private readonly causal: CausalFlags,
    private readonly hasBias: boolean,
    private readonly setup: TiledSetup,
  ) {
    super(tiledTokenSetup('TiledQK', outputShape, causal, hasBias, setup, ['aBuf', 'bBuf'], false));
  }

  getUserCode(): string {
    const { db4, vec4 } = this.setup;
    const bias = this.hasBias ? 'logit += biasBuf[biasIndex(h, pb + n)];' : '';
    // Slots past a causal window's clipped count are never visited by the bands: fill them up front.
    const mask = this.causal.some((c) => c)
      ? `if (qValid) {
          for (var m = 0; m < uniforms.slots; m++) {
            let mn = vec3<i32>(m / (uniforms.kernel.y * uniforms.kernel.z), (m / uniforms.kernel.z) % uniforms.kernel.y,
                               m % uniforms.kernel.z);
            if (any(mn >= count)) { result[outBase + m] = uniforms.maskValue; }
          }
        }`
      : '';
    return `
      ${axisSnippet(this.causal)}
      ${tokenLoader('aBuf', vec4)}
      ${tokenLoader('bBuf', vec4)}
      ${tiledMain({
        setup: this.setup,
        staged: ['bBuf'],
        before: `${loadPrivateRow('q', 'aBuf', db4)}
          let outBase = slotBase(b, pos, h);
          ${mask}`,
        perKey: `
          var acc = 0.0;
          ${unroll(db4, (c) => `acc += dot(q_${c}, stage_bBuf[local + ${c}]);`)}
          var logit = uniforms.scale * acc;
          ${bias}
          result[outBase + slotIndex(n)] = logit;`,
        after: '',
      })}`;
  }
}
