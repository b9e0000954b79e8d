// SPDX-License-Identifier: MIT
// AV with workgroup tiling (see tiled_common.ts): one thread per query accumulates its output row in
// registers while the tile's value rows are staged once in workgroup memory.
// out_q = scale * sum_slot w[q, slot] * v_key(q,slot); also QK's backprop-query. Masked slots are skipped.
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { NA_UNIFORMS, TILE_THREADS, axisSnippet, tokenLoader, tokenStorer } from './na_program.js';
import { tiledDispatch, tiledKey, tiledMain, unroll } from './tiled_common.js';
import type { TiledSetup } from './tiled_common.js';

export class TiledAVProgram implements WebGPUProgram {
  variableNames = ['wBuf', 'vBuf'];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: WebGPUProgram['dispatchLayout'];
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [TILE_THREADS, 1, 1];
  variableComponents: number[];
  outputComponent: number;
  uniforms = NA_UNIFORMS;

  constructor(
    outputShape: number[],
    private readonly causal: readonly [boolean, boolean],
    private readonly setup: TiledSetup,
  ) {
    this.outputShape = outputShape;
    this.variableComponents = [1, setup.vec4 ? 4 : 1];
    this.outputComponent = setup.vec4 ? 4 : 1;
    this.shaderKey = `naTiledAV_${causal.join('_')}_${tiledKey(setup)}`;
    const flat = tiledDispatch(setup);
    this.dispatchLayout = flat.dispatchLayout;
    this.dispatch = flat.dispatch;
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
          let wBase = slotBase(b, y, x, h);`,
        perKey: `
          let w = wBuf[wBase + n0 * uniforms.kernel[1] + n1];
          ${unroll(db4, (c) => `acc_${c} += w * stage_vBuf[local + ${c}];`)}`,
        after: `
          if (qValid) {
            let outBase = tokenBase(b, y, x, h);
            let scale = uniforms.scale;
            ${unroll(db4, (c) => `if (${4 * c} < uniforms.headDim) { store_out(outBase, ${c}, scale * acc_${c}); }`)}
          }`,
      })}`;
  }
}
