// SPDX-License-Identifier: MIT
// Benchmark (not a test): the fused NA forward wasm kernel of another commit against this tree's, called directly
// on one WebAssembly memory in interleaved rounds (one call of each per round), on nat_mini's layer shapes, with
// tfjs-wasm's matMul of the layer's q/k/v projection timed in the same rounds for scale. For before/after figures
// on a shared machine: both kernels run under the same load. Needs git and packages/core built (pnpm build).
// Prints a table and writes bench-results/na_kernel_ab.json.
//
//   node scripts/bench_na_kernel_ab.mjs --base=<commit> [--rounds=40] [--out=file.json]
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { makeProblem } from '@natzoo/core/advanced';
import { abColumns, abOptions, maxDifference, timeKernels } from './bench/kernel_ab.mjs';
import { callFused, compileFused, windowTables } from './bench/na_kernel_modules.mjs';
import { machineInfo, printTable, writeJsonAtomic } from './bench/report.mjs';

const { base: BASE, rounds: ROUNDS, out: OUT } = abOptions('bench_na_kernel_ab', { rounds: 40, outName: 'na_kernel_ab' });
const LEVELS = [[56, 2, 1], [56, 2, 8], [28, 4, 1], [28, 4, 4], [14, 8, 1], [14, 8, 2], [7, 16, 1]];
const [KERNEL, HEAD_DIM] = [7, 32];

await tf.setBackend('wasm');
const memory = new WebAssembly.Memory({ initial: 1024 });
const kernels = [
  { label: `fused at ${BASE}`, fn: new WebAssembly.Instance(await compileFused(BASE), { env: { memory } }).exports.fusedAttention },
  { label: 'fused, this tree', fn: new WebAssembly.Instance(await compileFused(null), { env: { memory } }).exports.fusedAttention },
];
const rows = [];
for (const [size, heads, dilation] of LEVELS) {
  const p = makeProblem([1, size, size, heads, HEAD_DIM], { kernelSize: [KERNEL, KERNEL], dilation: [dilation, dilation], isCausal: [false, false] });
  // Layout: tables from byte 1024, 64 KB of scratch, then q, k, v, rpb and one output per kernel.
  const tables = windowTables(p);
  new Int32Array(memory.buffer).set(tables, 256);
  const header = 1024;
  const scratch = header + 4 * tables.length;
  const n = size * size * heads * HEAD_DIM;
  const at = (/** @type {number} */ i) => scratch + 65536 + 4 * n * i;
  const floats = new Float32Array(memory.buffer);
  for (let i = 0; i < 3 * n; i++) floats[at(0) / 4 + i] = Math.sin(i * 12.9898) * 0.9;
  for (let i = 0; i < heads * (2 * KERNEL - 1) ** 2; i++) floats[at(3) / 4 + i] = Math.cos(i) * 0.1;
  const C = heads * HEAD_DIM;
  const [x, w] = [tf.randomNormal([size * size, C]), tf.randomNormal([C, 3 * C])];
  const attention = 4 * size * size * heads * KERNEL * KERNEL * HEAD_DIM;
  const runs = [
    ...kernels.map((k, i) => ({ label: k.label, flops: attention, run: () => callFused(k.fn, [at(0), at(1), at(2), at(3), at(4 + i)], header, scratch, HEAD_DIM ** -0.5) })),
    { label: 'matMul (tfjs-wasm)', flops: 2 * size * size * C * 3 * C, run: () => tf.tidy(() => {
      tf.matMul(x, w).dataSync();
    }) },
  ];
  const group = timeKernels(runs, ROUNDS, { size, heads, dilation });
  tf.dispose([x, w]);
  const outputsDiffer = maxDifference(memory, at(4), at(5), n);
  for (const row of group) Object.assign(row, { outputsDiffer });
  console.error(`[ab] ${size}x${size} h${heads} d${dilation}: ${group.map((r) => `${r.label} ${r.gflops.toFixed(2)}`).join(', ')} GFLOP/s`);
  rows.push(...group);
}
const columns = abColumns((/** @type {any} */ r) => `${r.size}x${r.size} h${r.heads} d${r.dilation}`, BASE);
printTable(`fused NA wasm kernel: ${BASE} against this tree, called directly, batch 1`, columns, rows, [
  `headDim ${HEAD_DIM}, kernel ${KERNEL}, rpb; ${ROUNDS} interleaved rounds after 3 warm-up rounds; GFLOP/s from the median (best: the fastest run)`,
  'FLOPs: 4 * heads * tokens * window * headDim for the kernels, 2 * M * K * N for the matMul ([tokens, C] x [C, 3C]); no tfjs dispatch on the kernels',
  'wasm compiled by V8\'s optimising compiler only (--no-liftoff), so every round times optimised code',
]);
writeJsonAtomic(OUT, { meta: { ...machineInfo(), base: BASE, rounds: ROUNDS }, results: rows });
