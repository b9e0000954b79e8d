// SPDX-License-Identifier: MIT
// Benchmark (not a test): the wasm fused NA forward at stride 1, 2, 4 and blocked, before and after tiling by stride
// group, called directly on one WebAssembly memory in interleaved rounds (one call of each per round): `--base`'s
// fused kernel (per query, which every stride ran before) against this tree's dispatch (the grouped kernel where
// groups hold two or more queries, else the per-query one), beside tfjs-wasm's fused dense self-attention over
// blocks of K tokens (blocked NA's work as dense attention). Problems as bench_na.mjs's stride section. Needs git
// and packages/core built (pnpm build). Prints a table and writes bench-results/na_stride_ab.json.
//
//   node scripts/bench_na_stride_ab.mjs [--base=main] [--rounds=15] [--only=2-D] [--out=file.json]
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { selfAttention } from '@natzoo/core';
import { makeProblem } from '@natzoo/core/advanced';
import { median } from './bench/measure.mjs';
import { abOptions, timeInterleaved } from './bench/kernel_ab.mjs';
import { callFused, compileFused, windowTables } from './bench/na_kernel_modules.mjs';
import { machineInfo, printTable, writeJsonAtomic } from './bench/report.mjs';

const { value: argValue, base: BASE, rounds: ROUNDS, out: OUT } = abOptions('bench_na_stride_ab', { rounds: 15, outName: 'na_stride_ab', defaultBase: 'main' });
const root = fileURLToPath(new URL('..', import.meta.url));
// This tree's kernels and its tiling rule, from the built package (not part of its public entries).
const { simdKernelsForMemory } = await import(join(root, 'packages/core/dist/kernels/wasm/simd_module.js'));
const { groupTiling } = await import(join(root, 'packages/core/dist/kernels/wasm/stride_groups.js'));
const ALL_PROBLEMS = [
  { name: '2-D 56x56 k7', spatial: [56, 56], kernel: 7, strides: [1, 2, 4, 7] },
  { name: '3-D 16^3 k3', spatial: [16, 16, 16], kernel: 3, strides: [1, 2, 3] },
  { name: '3-D 16^3 k5', spatial: [16, 16, 16], kernel: 5, strides: [1, 2, 4, 5] },
];
const ONLY = argValue('only');
const PROBLEMS = ALL_PROBLEMS.filter((p) => ONLY === undefined || p.name.includes(ONLY));
const [HEADS, HEAD_DIM] = [2, 32];
const SCALE = HEAD_DIM ** -0.5;

await tf.setBackend('wasm');
const memory = new WebAssembly.Memory({ initial: 1024 });
const base = new WebAssembly.Instance(await compileFused(BASE), { env: { memory } }).exports.fusedAttention;
const ours = simdKernelsForMemory(memory);
const rows = [];
for (const problem of PROBLEMS) {
  const rank = problem.spatial.length;
  const shape = [1, ...problem.spatial, HEADS, HEAD_DIM];
  const tokens = problem.spatial.reduce((a, b) => a * b, 1);
  const window = problem.kernel ** rank;
  const n = tokens * HEADS * HEAD_DIM;
  // Layout: tables from byte 1024, 64 KB of scratch, then q, k, v and one output per kernel.
  const header = 1024;
  const at = (/** @type {number} */ i) => header + 262144 + 4 * n * i;
  const floats = new Float32Array(memory.buffer);
  for (let i = 0; i < 3 * n; i++) floats[at(0) / 4 + i] = Math.sin(i * 12.9898) * 0.9;
  // Dense self-attention over blocks of `window` tokens: the same work as blocked NA ([blocks, K, 3C] packed qkv).
  const blocks = Math.ceil(tokens / window);
  const qkv = tf.randomNormal([blocks, window, 3 * HEADS * HEAD_DIM]);
  const flops = 4 * HEADS * tokens * window * HEAD_DIM;
  for (const stride of problem.strides) {
    const attrs = { kernelSize: new Array(rank).fill(problem.kernel), dilation: new Array(rank).fill(1),
      isCausal: new Array(rank).fill(false), stride: new Array(rank).fill(stride) };
    const p = makeProblem(shape, attrs);
    const tiling = groupTiling(p, false);
    const tables = [windowTables(p), ...(tiling?.tables ?? [])];
    const ints = Int32Array.from(tables.flatMap((t) => [...t]));
    const scratch = header + 4 * ints.length;
    new Int32Array(memory.buffer).set(ints, header / 4);
    const q = [at(0), at(1), at(2), 0];
    const runs = [
      { label: `per query (${BASE})`, run: () => callFused(base, [...q, at(3)], header, scratch, SCALE) },
      { label: tiling === null ? 'per query (this tree)' : 'grouped (this tree)',
        run: () => (tiling === null ? ours.fusedAttention : ours.groupedAttention)(...q, at(4), 0, header, scratch, SCALE) },
      ...(stride === problem.kernel ? [{ label: `dense over ${blocks} blocks of ${window}`, run: () => tf.tidy(() => {
        selfAttention(qkv, { heads: HEADS }).dataSync();
      }) }] : []),
    ];
    const times = timeInterleaved(runs, ROUNDS);
    let differs = 0;
    if (!floats.subarray(at(3) / 4, at(3) / 4 + n).some((x) => x !== 0)) throw new Error('the base kernel wrote no output');
    for (let i = 0; i < n; i++) differs = Math.max(differs, Math.abs(floats[at(3) / 4 + i] - floats[at(4) / 4 + i]));
    const group = runs.map((r, i) => ({
      problem: problem.name, stride, blocked: stride === problem.kernel, label: r.label, timesMs: times[i], medianMs: median(times[i]),
      bestMs: Math.min(...times[i]), gflops: flops / (median(times[i]) * 1e6), outputsDiffer: differs,
    }));
    for (const row of group) {
      row.speedup = group[0].medianMs / row.medianMs;
      row.bestSpeedup = group[0].bestMs / row.bestMs;
    }
    console.error(`[stride-ab] ${problem.name} s${stride}: ${group.map((r) => `${r.label} ${r.medianMs.toFixed(2)} ms`).join(', ')}`);
    rows.push(...group);
  }
  tf.dispose(qkv);
}
// Each problem's per-query stride-1 time from the base, for the speed-up from the stride.
for (const row of rows) {
  const strideOne = rows.find((r) => r.problem === row.problem && r.stride === 1 && r.label === rows[0].label);
  row.vsStride1Base = strideOne.medianMs / row.medianMs;
}
const columns = [
  { title: 'problem', cell: (/** @type {any} */ r) => r.problem, left: true },
  { title: 'stride', cell: (/** @type {any} */ r) => `${r.stride}${r.blocked ? ' (blocked)' : ''}`, left: true },
  { title: 'kernel', cell: (/** @type {any} */ r) => r.label, left: true },
  { title: 'median ms', cell: (/** @type {any} */ r) => r.medianMs.toFixed(2) },
  { title: 'GFLOP/s', cell: (/** @type {any} */ r) => r.gflops.toFixed(2) },
  { title: 'vs base, same stride', cell: (/** @type {any} */ r) => `${r.speedup.toFixed(2)}x` },
  { title: 'best ms', cell: (/** @type {any} */ r) => r.bestMs.toFixed(2) },
  { title: 'best vs base', cell: (/** @type {any} */ r) => `${r.bestSpeedup.toFixed(2)}x` },
  { title: 'vs base stride 1', cell: (/** @type {any} */ r) => `${r.vsStride1Base.toFixed(2)}x` },
  { title: 'max |out diff|', cell: (/** @type {any} */ r) => r.outputsDiffer.toExponential(1) },
];
printTable(`fused NA wasm forward by stride: ${BASE} (per query) against this tree (tiled by stride group), called directly`, columns, rows, [
  `batch 1, ${HEADS} heads of ${HEAD_DIM}, no rpb; ${ROUNDS} interleaved rounds after 3 warm-up rounds; median`,
  'FLOPs: 4 * heads * tokens * window * headDim; dense: na selfAttention (the fused wasm kernel) on [ceil(tokens / K), K, 3C], through tfjs dispatch',
  'vs base: the base kernel\'s median / this median at the same stride; vs base stride 1: the base\'s stride-1 median / this median',
]);
writeJsonAtomic(OUT, { meta: { ...machineInfo(), base: BASE, rounds: ROUNDS }, results: rows });
