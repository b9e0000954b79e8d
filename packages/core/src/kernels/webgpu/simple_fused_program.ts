// SPDX-License-Identifier: MIT
// Fused NA forward without workgroup tiling: one thread per (query, head). A first phase over the window finds
// the softmax maximum and denominator, a second recomputes each logit and adds its weighted value row
// straight into the thread's own output row, so no logits are stored anywhere and any head dim works.
// The fallback for head dims the tiled program does not stage (> 128). With `withLse` each query also writes
// its log-sum-exp (fused_lse_output.ts).
import { fusedOutputSnippet, packedShape } from './fused_lse_output.js';
import { NAProgram, axisSnippet, outputLoader, tokenLoader, tokenStorer, workgroupsFor } from './na_program.js';
import type { CausalFlags } from './na_program.js';

export class SimpleFusedProgram extends NAProgram {
  constructor(
    outputShape: number[],
    private readonly causal: CausalFlags,
    private readonly hasBias: boolean,
    private readonly vec4: boolean,
    private readonly withLse = false,
  ) {
    const token = vec4 ? 4 : 1;
    super({
      outputShape: withLse ? packedShape(outputShape, vec4) : outputShape,
      variableNames: hasBias ? ['qBuf', 'kBuf', 'vBuf', 'biasBuf'] : ['qBuf', 'kBuf', 'vBuf'],
      variableComponents: hasBias ? [token, token, token, 1] : [token, token, token],
      outputComponent: token,
      shaderKey: `naSimpleFused_${causal.join('_')}_${hasBias}_${vec4}_${withLse}`,
      workgroups: workgroupsFor(outputShape.slice(0, -1).reduce((x, y) => x * y, 1)),
    });
  }

  getUserCode(): string {
    const bias = this.hasBias ? 'logit += biasBuf[biasIndex(h, w.bias + n)];' : '';
    return `
      ${axisSnippet(this.causal)}
      ${tokenLoader('qBuf', this.vec4)}
      ${tokenLoader('kBuf', this.vec4)}
      ${tokenLoader('vBuf', this.vec4)}
      ${tokenStorer(this.vec4)}
      ${fusedOutputSnippet(this.withLse, this.vec4)}
      fn main(index : i32) {
        if (index >= uniforms.batch * uniforms.spatial.x * uniforms.spatial.y * uniforms.spatial.z * uniforms.heads) { return; }
        let d4 = (uniforms.headDim + 3) / 4;
        let h = index % uniforms.heads;
        let at = positionOf(index / uniforms.heads);
        let b = at.x;
        let pos = at.yzw;
        let w = queryWindow(pos);
        let qBase = tokenBase(b, pos, h);
        let outBase = outRowBase(b, pos, h);
        var runningMax = -3.402823e38;
        var denominator = 0.0;
        // Phase 0 finds max and denominator (online); phase 1 accumulates normalised weights times values.
        for (var phase = 0; phase < 2; phase++) {
          for (var n0 = 0; n0 < w.count.x; n0++) {
            for (var n1 = 0; n1 < w.count.y; n1++) {
              for (var n2 = 0; n2 < w.count.z; n2++) {
                let n = vec3<i32>(n0, n1, n2);
                let kBase = kvBase(b, keyPos(w, n), h);
                var dotv = 0.0;
                for (var c = 0; c < d4; c++) { dotv += dot(load_qBuf(qBase, c), load_kBuf(kBase, c)); }
                var logit = uniforms.scale * dotv;
                ${bias}
                if (phase == 0) {
                  let m = max(runningMax, logit);
                  denominator = denominator * exp(runningMax - m) + exp(logit - m);
                  runningMax = m;
                } else {
                  let p = exp(logit - runningMax) / denominator;
                  let first = n0 == 0 && n1 == 0 && n2 == 0;
                  for (var c = 0; c < d4; c++) {
                    let prev = select(load_out(outBase, c), vec4<f32>(0.0), first);
                    store_out(outBase, c, prev + p * load_vBuf(kBase, c));
                  }
                }
              }
            }
          }
        }
        store_lse(outBase, runningMax + log(denominator));
      }
      ${outputLoader(this.vec4)}`;
  }
}
