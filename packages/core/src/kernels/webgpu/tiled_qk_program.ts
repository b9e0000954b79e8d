// SPDX-License-Identifier: MIT
// QK with workgroup tiling (see tiled_common.ts): one thread per query keeps its query row in registers and
// writes all k0*k1 logits of its row; the tile's key rows are staged once in workgroup memory.
// logits[q, slot] = scale * (a_q . b_key(q,slot)) + rpb; masked (causal) slots get `maskValue`.
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { NA_UNIFORMS, TILE_THREADS, axisSnippet, tokenLoader } from './na_program.js';
import { loadPrivateRow, tiledDispatch, tiledKey, tiledMain, unroll } from './tiled_common.js';
import type { TiledSetup } from './tiled_common.js';

export class TiledQKProgram implements WebGPUProgram {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: WebGPUProgram['dispatchLayout'];
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [TILE_THREADS, 1, 1];
  variableComponents: number[];
  uniforms = NA_UNIFORMS;

  constructor(
    outputShape: number[],
    private readonly causal: readonly [boolean, boolean],
    private readonly hasBias: boolean,
    private readonly setup: TiledSetup,
  ) {
    this.outputShape = outputShape;
    this.variableNames = hasBias ? ['aBuf', 'bBuf', 'biasBuf'] : ['aBuf', 'bBuf'];
    const token = setup.vec4 ? 4 : 1;
    this.variableComponents = hasBias ? [token, token, 1] : [token, token];
    this.shaderKey = `naTiledQK_${causal.join('_')}_${hasBias}_${tiledKey(setup)}`;
    const flat = tiledDispatch(setup);
    this.dispatchLayout = flat.dispatchLayout;
    this.dispatch = flat.dispatch;
  }

  getUserCode(): string {
    const { db4, vec4 } = this.setup;
    const bias = this.hasBias
      ? 'logit += biasBuf[(h * uniforms.biasSize[0] + pb0 + n0) * uniforms.biasSize[1] + pb1 + n1];'
      : '';
    // Slots past a causal window's clipped count are never visited by the bands: fill them up front.
    const mask = this.causal[0] || this.causal[1]
      ? `if (qValid) {
          for (var m0 = 0; m0 < uniforms.kernel[0]; m0++) {
            for (var m1 = 0; m1 < uniforms.kernel[1]; m1++) {
              if (m0 >= count0 || m1 >= count1) { result[outBase + m0 * uniforms.kernel[1] + m1] = uniforms.maskValue; }
            }
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
          let outBase = slotBase(b, y, x, h);
          ${mask}`,
        perKey: `
          var acc = 0.0;
          ${unroll(db4, (c) => `acc += dot(q_${c}, stage_bBuf[local + ${c}]);`)}
          var logit = uniforms.scale * acc;
          ${bias}
          result[outBase + n0 * uniforms.kernel[1] + n1] = logit;`,
        after: '',
      })}`;
  }
}
