// SPDX-License-Identifier: MIT
// What the direct wasm-kernel A/B benchmarks (scripts/bench_na_kernel_ab.mjs, bench_na_stride_ab.mjs) share: the
// fused forward module of any commit (compiled by bench/kernel_ab.mjs) and the int32 header and window tables its
// kernels read.
import { compileAssemblyAt } from './kernel_ab.mjs';

/** The fused forward module of `rev` (a commit, or null for the working tree): the entry that exports it. */
export const compileFused = (/** @type {string | null} */ rev) => compileAssemblyAt(rev, ['fused/index.ts', 'index.ts'], 'fusedAttention');

/** The int32 header and window tables the kernels read (assembly/problem.ts's field order). */
export function windowTables(/** @type {any} */ p) {
  const axes = [p.planes, p.rows, p.cols];
  const header = [p.batch, ...axes.map((a) => a.length), p.heads, p.kvHeads, p.headDim, ...axes.map((a) => a.kernel),
    ...axes.map((a) => a.dilation), p.biasPlanes, p.biasRows, p.biasCols, ...axes.map((a) => a.inverseQuery.length), 0];
  return Int32Array.from([...header, ...axes.flatMap((a) => [...a.start, ...a.count, ...a.biasStart])]);
}

/**
 * Calls a fusedAttention export on [q, k, v, rpb, out] pointers, whichever signature its commit has: since the
 * log-sum-exp output it takes an `lse` pointer after `out` (0: none).
 * @param {Function} fn @param {number[]} tensors @param {number} header @param {number} scratch @param {number} scale
 */
export function callFused(fn, tensors, header, scratch, scale) {
  return fn.length === 9 ? fn(...tensors, 0, header, scratch, scale) : fn(...tensors, header, scratch, scale);
}
