// SPDX-License-Identifier: MIT
// Fused NA forward with workgroup tiling (see tiled_common.ts) and an online softmax: one thread per query
// keeps its query row, running maximum, denominator and output row in registers; the tile's key and value
// rows are staged once in workgroup memory. No logits are stored anywhere. With `withLse` each query also
// writes its log-sum-exp (fused_lse_output.ts).
import { fusedOutputSnippet, packedShape } from './fused_lse_output.js';
import { NAProgram, axisSnippet, tokenLoader, tokenStorer } from './na_program.js';
import type { CausalFlags } from './na_program.js';
import { loadPrivateRow, tiledMain, tiledTokenSetup, unroll } from './tiled_common.js';
import type { TiledSetup } from './tiled_common.js';

export class TiledFusedProgram extends NAProgram {
  constructor(
    outputShape: number[],
    private readonly causal: CausalFlags,
    private readonly hasBias: boolean,
    private readonly setup: TiledSetup,
    private readonly withLse = false,
  ) {
    const shape = withLse ? packedShape(outputShape, setup.vec4) : outputShape;
    const kind = withLse ? 'TiledFusedLse' : 'TiledFused';
    super(tiledTokenSetup(kind, shape, causal, hasBias, setup, ['qBuf', 'kBuf', 'vBuf'], true));
  }

  getUserCode(): string {
    const { db4, vec4 } = this.setup;
    const bias = this.hasBias ? 'logit += biasBuf[biasIndex(h, pb + n)];' : '';
    return `
      ${axisSnippet(this.causal)}
      ${tokenLoader('qBuf', vec4)}
      ${tokenLoader('kBuf', vec4)}
      ${tokenLoader('vBuf', vec4)}
      ${tokenStorer(vec4)}
      ${fusedOutputSnippet(this.withLse, vec4)}
      ${tiledMain({
        setup: this.setup,
        staged: ['kBuf', 'vBuf'],
        before: `${loadPrivateRow('q', 'qBuf', db4)}
          ${unroll(db4, (c) => `var acc_${c} = vec4<f32>(0.0);`)}
          var runningMax = -3.402823e38;
          var denominator = 0.0;`,
        perKey: `
          var dotv = 0.0;
          ${unroll(db4, (c) => `dotv += dot(q_${c}, stage_kBuf[local + ${c}]);`)}
          var logit = uniforms.scale * dotv;
          ${bias}
          if (logit > runningMax) {
            // A new maximum rescales what was accumulated so far.
            let correction = exp(runningMax - logit);
            denominator *= correction;
            ${unroll(db4, (c) => `acc_${c} *= correction;`)}
            runningMax = logit;
          }
          let weight = exp(logit - runningMax);
          denominator += weight;
          ${unroll(db4, (c) => `acc_${c} += weight * stage_vBuf[local + ${c}];`)}`,
        after: `
          if (qValid) {
            let outBase = outRowBase(b, pos, h);
            let inv = 1.0 / denominator;
            ${unroll(db4, (c) => `if (${4 * c} < uniforms.headDim) { store_out(outBase, ${c}, acc_${c} * inv); }`)}
            store_lse(outBase, runningMax + log(denominator));
          }`,
      })}`;
  }
}
