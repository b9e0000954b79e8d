// SPDX-License-Identifier: MIT
// The fused kernel's backward without any [.., slots] tensor (flash-attention style): attention is recomputed
// per (query, slot) from q, k, rpb and the query's log-sum-exp, so training memory does not grow with the
// window. With P = exp(logit - lse), dP = dOut . v and delta = dOut . out: dS = P (dP - delta);
// dq = scale sum dS k, dk = scale sum dS q, dv = sum P dOut, drpb = sum dS. dk and dv walk the inverse
// neighbourhood (over stride groups and the query heads of each kv head), never every query.
import type { NAProblem } from '../../geometry.js';
import { forEachKeyHead, forEachQueryHead, inverseWalker, windowWalker } from '../../windows.js';

/** The saved and upstream arrays of one backward call. Layouts as the fused kernel's; `lse`, `delta` `[B, *S, heads]`. */
export interface FusedBackwardInputs {
  query: Float32Array;
  key: Float32Array;
  value: Float32Array;
  rpb: Float32Array | null;
  lse: Float32Array;
  delta: Float32Array;
  dOut: Float32Array;
}

const dotRows = (a: Float32Array, aBase: number, b: Float32Array, bBase: number, D: number): number => {
  let dot = 0;
  for (let c = 0; c < D; c++) dot += a[aBase + c]! * b[bBase + c]!;
  return dot;
};

/** lse `[B, *S, heads]`: log sum_slot exp(scale q.k + rpb) over each query's window. */
export function logSumExp(p: NAProblem, q: Float32Array, k: Float32Array, rpb: Float32Array | null, scale: number, out: Float32Array): void {
  const { headDim: D, slots } = p;
  const biasSize = p.biasPlanes * p.biasRows * p.biasCols;
  const logits = new Float64Array(slots);
  const w = windowWalker(p);
  forEachQueryHead(p, w, (row, h, keyRow) => {
    let most = -Infinity;
    for (let slot = 0; slot < slots; slot++) {
      const key = w.key[slot]!;
      if (key < 0) continue;
      const logit = scale * dotRows(q, row * D, k, keyRow(key) * D, D) + (rpb === null ? 0 : rpb[h * biasSize + w.bias[slot]!]!);
      logits[slot] = logit;
      most = Math.max(most, logit);
    }
    let sum = 0;
    for (let slot = 0; slot < slots; slot++) if (w.key[slot]! >= 0) sum += Math.exp(logits[slot]! - most);
    out[row] = most + Math.log(sum);
  });
}

/** Visits every valid (query head row, slot) with P and dS, from the query side. */
function forEachSlotGradient(
  p: NAProblem,
  x: FusedBackwardInputs,
  scale: number,
  visit: (row: number, h: number, slot: number, kvRow: number, biasAt: number, prob: number, dS: number) => void,
): void {
  const { headDim: D, slots } = p;
  const biasSize = p.biasPlanes * p.biasRows * p.biasCols;
  const w = windowWalker(p);
  forEachQueryHead(p, w, (row, h, keyRow) => {
    for (let slot = 0; slot < slots; slot++) {
      const key = w.key[slot]!;
      if (key < 0) continue;
      const kvRow = keyRow(key);
      const biasAt = h * biasSize + w.bias[slot]!;
      const logit = scale * dotRows(x.query, row * D, x.key, kvRow * D, D) + (x.rpb === null ? 0 : x.rpb[biasAt]!);
      const prob = Math.exp(logit - x.lse[row]!);
      const dS = prob * (dotRows(x.dOut, row * D, x.value, kvRow * D, D) - x.delta[row]!);
      visit(row, h, slot, kvRow, biasAt, prob, dS);
    }
  });
}

/** dq `[B, *S, heads, D]`. */
export function fusedBackpropQuery(p: NAProblem, x: FusedBackwardInputs, scale: number, out: Float32Array): void {
  const D = p.headDim;
  const acc = new Float64Array(out.length);
  forEachSlotGradient(p, x, scale, (row, _h, _slot, kvRow, _b, _prob, dS) => {
    for (let c = 0; c < D; c++) acc[row * D + c]! += scale * dS * x.key[kvRow * D + c]!;
  });
  out.set(acc);
}

/** drpb `[heads, 2k0-1, 2k1-1, 2k2-1]`. */
export function fusedBackpropRpb(p: NAProblem, x: FusedBackwardInputs, scale: number, out: Float32Array): void {
  const acc = new Float64Array(out.length);
  forEachSlotGradient(p, x, scale, (_row, _h, _slot, _kv, biasAt, _prob, dS) => {
    acc[biasAt]! += dS;
  });
  out.set(acc);
}

/** dk (`which` 'key') or dv ('value') `[B, *S, kvHeads, D]`, by the inverse neighbourhood. */
export function fusedBackpropKeyValue(p: NAProblem, x: FusedBackwardInputs, scale: number, which: 'key' | 'value', out: Float32Array): void {
  const D = p.headDim;
  const biasSize = p.biasPlanes * p.biasRows * p.biasCols;
  const acc = new Float64Array(D);
  const inv = inverseWalker(p);
  forEachKeyHead(p, inv, (kvRow, pairs, headFrom, headTo, queryRow) => {
    const kvBase = kvRow * D;
    acc.fill(0);
    for (let h = headFrom; h < headTo; h++) {
      for (let n = 0; n < pairs; n++) {
        const row = queryRow(n, h);
        const logit = scale * dotRows(x.query, row * D, x.key, kvBase, D) + (x.rpb === null ? 0 : x.rpb[h * biasSize + inv.bias[n]!]!);
        const prob = Math.exp(logit - x.lse[row]!);
        if (which === 'value') {
          for (let c = 0; c < D; c++) acc[c]! += prob * x.dOut[row * D + c]!;
        } else {
          const dS = prob * (dotRows(x.dOut, row * D, x.value, kvBase, D) - x.delta[row]!);
          for (let c = 0; c < D; c++) acc[c]! += scale * dS * x.query[row * D + c]!;
        }
      }
    }
    for (let c = 0; c < D; c++) out[kvBase + c] = acc[c]!;
  });
}
