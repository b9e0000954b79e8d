// SPDX-License-Identifier: MIT
// The fused backward on webgpu (flash-attention style, as the cpu reference fused_backward.ts): attention is
// recomputed per (query, slot) from q, k, rpb and the query's log-sum-exp, so no `[.., heads, K]` tensor exists.
// With P = exp(logit - lse), dP = dOut . v, delta = dOut . out: dS = P (dP - delta); dq = scale sum dS k,
// dk = scale sum dS q, dv = sum P dOut, drpb = sum dS (BiasGradPartialProgram with `fused`). One thread per
// (query or key, head) row, which it accumulates in place, so each (query, slot) pair's dot products run once
// per thread; dk/dv walk the inverse neighbourhood, never every query.
import { inverseRanges } from './inverse_program.js';
import { NAProgram, axisSnippet, outputLoader, tokenLoader, tokenStorer, workgroupsFor } from './na_program.js';
import type { CausalFlags, NAProgramSetup } from './na_program.js';

/** Structure of a fused backward program: token buffers as vec4 (headDim % 4 == 0), and whether rpb is bound. */
export interface FusedBackwardShape {
  vec4: boolean;
  hasBias: boolean;
}

/** Buffers of the backward programs, in the order the kernels pass them (rpb last, when present). */
export function fusedBackwardBuffers(s: FusedBackwardShape): Pick<NAProgram, 'variableNames' | 'variableComponents'> {
  const token = s.vec4 ? 4 : 1;
  const names = ['qBuf', 'kBuf', 'vBuf', 'lseBuf', 'deltaBuf', 'dBuf', ...(s.hasBias ? ['biasBuf'] : [])];
  return { variableNames: names, variableComponents: [token, token, token, 1, 1, token, 1].slice(0, names.length) };
}

/** `logitOf(qBase, kBase, h, r)`: scale q.k (+ rpb entry r of head h). Needs the qBuf/kBuf loaders. */
function logitSnippet(hasBias: boolean): string {
  return `
      fn logitOf(qBase : i32, kBase : i32, h : i32, r : vec3<i32>) -> f32 {
        var qk = 0.0;
        for (var c = 0; c < (uniforms.headDim + 3) / 4; c++) { qk += dot(load_qBuf(qBase, c), load_kBuf(kBase, c)); }
        return uniforms.scale * qk${hasBias ? ' + biasBuf[biasIndex(h, r)]' : ''};
      }`;
}

/**
 * The WGSL the backward programs share: window rules, loaders and `slotGradient(b, pos, h, w, n)`, which
 * returns (P, dS) of query (b, pos, head h) at slot n of its window w.
 */
export function fusedBackwardSnippet(causal: CausalFlags, s: FusedBackwardShape): string {
  return `
      ${axisSnippet(causal)}
      ${['qBuf', 'kBuf', 'vBuf', 'dBuf'].map((name) => tokenLoader(name, s.vec4)).join('\n')}
      ${logitSnippet(s.hasBias)}
      fn slotGradient(b : i32, pos : vec3<i32>, h : i32, w : Window, n : vec3<i32>) -> vec2<f32> {
        let row = spatialIndex(b, pos) * uniforms.heads + h;
        let qBase = row * uniforms.headDim;
        let kBase = kvBase(b, keyPos(w, n), h);
        var dP = 0.0;
        for (var c = 0; c < (uniforms.headDim + 3) / 4; c++) { dP += dot(load_dBuf(qBase, c), load_vBuf(kBase, c)); }
        let p = exp(logitOf(qBase, kBase, h, w.bias + n) - lseBuf[row]);
        return vec2<f32>(p, p * (dP - deltaBuf[row]));
      }`;
}

const queryRows = 'uniforms.batch * uniforms.spatial.x * uniforms.spatial.y * uniforms.spatial.z * uniforms.heads';

/** lse `[B, *S, heads]`: log sum_slot exp(logit) over each query's window, one thread per (query, head). */
export class LogSumExpProgram extends NAProgram {
  constructor(
    outputShape: number[],
    private readonly causal: CausalFlags,
    private readonly shape: FusedBackwardShape,
  ) {
    const token = shape.vec4 ? 4 : 1;
    super({
      outputShape,
      variableNames: shape.hasBias ? ['qBuf', 'kBuf', 'biasBuf'] : ['qBuf', 'kBuf'],
      variableComponents: shape.hasBias ? [token, token, 1] : [token, token],
      shaderKey: `naLogSumExp_${causal.join('_')}_${shape.hasBias}_${shape.vec4}`,
      workgroups: workgroupsFor(outputShape.reduce((x, y) => x * y, 1)),
    });
  }

  getUserCode(): string {
    return `
      ${axisSnippet(this.causal)}
      ${tokenLoader('qBuf', this.shape.vec4)}
      ${tokenLoader('kBuf', this.shape.vec4)}
      ${logitSnippet(this.shape.hasBias)}
      fn main(index : i32) {
        if (index >= ${queryRows}) { return; }
        let h = index % uniforms.heads;
        let at = positionOf(index / uniforms.heads);
        let w = queryWindow(at.yzw);
        let qBase = index * uniforms.headDim;
        var most = -3.402823e38;
        var sum = 0.0;
        for (var n0 = 0; n0 < w.count.x; n0++) {
          for (var n1 = 0; n1 < w.count.y; n1++) {
            for (var n2 = 0; n2 < w.count.z; n2++) {
              let n = vec3<i32>(n0, n1, n2);
              let logit = logitOf(qBase, kvBase(at.x, keyPos(w, n), h), h, w.bias + n);
              let m = max(most, logit);
              sum = sum * exp(most - m) + exp(logit - m);
              most = m;
            }
          }
        }
        setOutputAtIndex(index, most + log(sum));
      }`;
  }
}

/** A program with one thread per token row of its `[B, *S, heads | kvHeads, D]` output, reading every buffer. */
function rowSetup(kind: string, outputShape: number[], causal: CausalFlags, shape: FusedBackwardShape): NAProgramSetup {
  return {
    outputShape,
    ...fusedBackwardBuffers(shape),
    outputComponent: shape.vec4 ? 4 : 1,
    shaderKey: `na${kind}_${causal.join('_')}_${shape.hasBias}_${shape.vec4}`,
    workgroups: workgroupsFor(outputShape.slice(0, -1).reduce((x, y) => x * y, 1)),
  };
}

/** dq `[B, *S, heads, D]`: one thread per (query, head) row. */
export class FusedBackpropQueryProgram extends NAProgram {
  constructor(
    outputShape: number[],
    private readonly causal: CausalFlags,
    private readonly shape: FusedBackwardShape,
  ) {
    super(rowSetup('FusedBackpropQuery', outputShape, causal, shape));
  }

  getUserCode(): string {
    return `
      ${fusedBackwardSnippet(this.causal, this.shape)}
      ${tokenStorer(this.shape.vec4)}
      ${outputLoader(this.shape.vec4)}
      fn main(index : i32) {
        if (index >= ${queryRows}) { return; }
        let d4 = (uniforms.headDim + 3) / 4;
        let h = index % uniforms.heads;
        let at = positionOf(index / uniforms.heads);
        let w = queryWindow(at.yzw);
        let outBase = index * uniforms.headDim;
        for (var c = 0; c < d4; c++) { store_out(outBase, c, vec4<f32>(0.0)); }
        for (var n0 = 0; n0 < w.count.x; n0++) {
          for (var n1 = 0; n1 < w.count.y; n1++) {
            for (var n2 = 0; n2 < w.count.z; n2++) {
              let n = vec3<i32>(n0, n1, n2);
              let dS = uniforms.scale * slotGradient(at.x, at.yzw, h, w, n).y;
              let kBase = kvBase(at.x, keyPos(w, n), h);
              for (var c = 0; c < d4; c++) { store_out(outBase, c, load_out(outBase, c) + dS * load_kBuf(kBase, c)); }
            }
          }
        }
      }`;
  }
}

/** dk (`value` false) or dv (true) `[B, *S, kvHeads, D]`: one thread per (key, kv head) row, by the inverse neighbourhood. */
export class FusedBackpropKeyValueProgram extends NAProgram {
  constructor(
    outputShape: number[],
    private readonly causal: CausalFlags,
    private readonly shape: FusedBackwardShape,
    private readonly value: boolean,
  ) {
    super(rowSetup(value ? 'FusedBackpropValue' : 'FusedBackpropKey', outputShape, causal, shape));
  }

  getUserCode(): string {
    // dv adds P dOut_q, dk adds scale dS q_q.
    const update = this.value ? 'g.x * load_dBuf(qBase, c)' : 'uniforms.scale * g.y * load_qBuf(qBase, c)';
    return `
      ${fusedBackwardSnippet(this.causal, this.shape)}
      ${inverseRanges()}
      ${tokenStorer(this.shape.vec4)}
      ${outputLoader(this.shape.vec4)}
      fn main(index : i32) {
        if (index >= uniforms.batch * uniforms.spatial.x * uniforms.spatial.y * uniforms.spatial.z * uniforms.kvHeads) { return; }
        let d4 = (uniforms.headDim + 3) / 4;
        let hk = index % uniforms.kvHeads;
        let group = uniforms.heads / uniforms.kvHeads;
        let at = positionOf(index / uniforms.kvHeads);
        let b = at.x;
        let g3 = at.yzw % uniforms.dilation;
        let xg = at.yzw / uniforms.dilation;
        let lg = vec3<i32>(groupLen0(g3.x), groupLen1(g3.y), groupLen2(g3.z));
        let range0 = inverseRange0(xg.x, lg.x);
        let range1 = inverseRange1(xg.y, lg.y);
        let range2 = inverseRange2(xg.z, lg.z);
        let outBase = index * uniforms.headDim;
        for (var c = 0; c < d4; c++) { store_out(outBase, c, vec4<f32>(0.0)); }
        for (var h = hk * group; h < (hk + 1) * group; h++) {
          for (var q0 = range0.x; q0 <= range0.y; q0++) {
            for (var q1 = range1.x; q1 <= range1.y; q1++) {
              for (var q2 = range2.x; q2 <= range2.y; q2++) {
                let qPos = vec3<i32>(q0, q1, q2) * uniforms.dilation + g3;
                let w = queryWindow(qPos);
                let g = slotGradient(b, qPos, h, w, xg - w.start);
                let qBase = tokenBase(b, qPos, h);
                for (var c = 0; c < d4; c++) { store_out(outBase, c, load_out(outBase, c) + ${update}); }
              }
            }
          }
        }
      }`;
  }
}
