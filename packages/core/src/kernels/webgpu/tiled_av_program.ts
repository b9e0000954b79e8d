// SPDX-License-Identifier: MIT
// AV with workgroup tiling (see tiled_common.ts): one thread per query accumulates its output row in
// registers while the tile's value rows are staged once in workgroup memory.
// out_q = scale * sum_slot w[q, slot] * v_key(q,slot); also QK's backprop-query. Masked slots are skipped.
import { NAProgram, axisSnippet, tokenLoader, tokenStorer } from './na_program.js';
import type { CausalFlags } from './na_program.js';
import { tiledKey, tiledMain, tiledWorkgroups, unroll } from './tiled_common.js';
import type { TiledSetup } from './tiled_common.js';

export class TiledAVProgram extends NAProgram {
  constructor(
    outputShape: number[],
    private readonly causal: CausalFlags,
    private readonly setup: TiledSetup,
  ) {
    super({
      outputShape,
      variableNames: ['wBuf', 'vBuf'],
      variableComponents: [1, setup.vec4 ? 4 : 1],
      outputComponent: setup.vec4 ? 4 : 1,
      shaderKey: `naTiledAV_${causal.join('_')}_${tiledKey(setup)}`,
      workgroups: tiledWorkgroups(setup),
    });
  }

  getUserCode(): string {
    const { db4, vec4 } = this.setup;
    return `
      ${axisSnippet(this.causal)}
      ${tokenLoader('vBuf', vec4)}
      ${tokenStorer(vec4)}
      ${tiledMain({
        setup: this.setup,
        staged: ['vBuf'],
        before: `
          ${unroll(db4, (c) => `var acc_${c} = vec4<f32>(0.0);`)}
          let wBase = slotBase(b, pos, h);`,
        perKey: `
          let w = wBuf[wBase + slotIndex(n)];
          ${unroll(db4, (c) => `acc_${c} += w * stage_vBuf[local + ${c}];`)}`,
        after: `
          if (qValid) {
            let outBase = tokenBase(b, pos, h);
            let scale = uniforms.scale;
            ${unroll(db4, (c) => `if (${4 * c} < uniforms.headDim) { store_out(outBase, ${c}, scale * acc_${c}); }`)}
          }`,
      })}`;
  }
}
