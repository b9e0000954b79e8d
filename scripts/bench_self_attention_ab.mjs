// SPDX-License-Identifier: MIT
// Benchmark (not a test): the fused full self-attention wasm kernel of another commit against this tree's, called
// directly on one WebAssembly memory in interleaved rounds (one call of each per round, alternating the order), on
// the attention shapes of CCT-2, CVT-7/4, CCT-7, CCT-14, ViT-rpb (with its [heads, N, N] bias) and StyleNAT's 4x4
// layer, with tfjs-wasm's matMul of the layer's qkv projection timed in the same rounds for scale; then whole
// models (`--models`, random weights) with either kernel bound in tfjs's FusedSelfAttention, also interleaved.
// For before/after figures on a shared machine: both kernels run under the same load. Needs git and
// packages/core built (pnpm build). Prints a table and writes bench-results/self_attention_ab.json.
//
//   node scripts/bench_self_attention_ab.mjs --base=<commit> [--rounds=30] [--batches=1,8]
//        [--models=cct_7_3x1_32,cct_14_7x2_224] [--model-rounds=6] [--no-ops] [--out=file.json]
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { createModel } from '@natzoo/models';
import { abColumns, abOptions, compileAssemblyAt, maxDifference, timeKernels } from './bench/kernel_ab.mjs';
import { machineInfo, printTable, writeJsonAtomic } from './bench/report.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const { value: argValue, base: BASE, rounds: ROUNDS, out: OUT } = abOptions('bench_self_attention_ab', { rounds: 30, outName: 'self_attention_ab' });
const BATCHES = (argValue('batches') ?? '1,8').split(',').map(Number);
const OPS = !process.argv.includes('--no-ops');
const MODELS = (argValue('models') ?? 'cct_2_3x2_32,cct_7_3x1_32,cct_14_7x2_224').split(',').filter((m) => m !== '');
const MODEL_ROUNDS = Number(argValue('model-rounds') ?? 6);
/** tokens N, channels C, heads, and whether the layer adds a [heads, N, N] bias. */
const PROBLEMS = [
  { name: 'cct_2_3x2_32', tokens: 64, channels: 128, heads: 2, bias: false },
  { name: 'cvt_7_4_32', tokens: 64, channels: 256, heads: 4, bias: false },
  { name: 'cct_7_3x1_32', tokens: 256, channels: 256, heads: 4, bias: false },
  { name: 'cct_14_7x2_224', tokens: 196, channels: 384, heads: 6, bias: false },
  { name: 'vit_rpb 14x14', tokens: 196, channels: 384, heads: 6, bias: true },
  { name: 'stylenat 4x4', tokens: 16, channels: 512, heads: 16, bias: true },
];
const SCRATCH_BYTES = 1 << 20;

const modules = [await compileAssemblyAt(BASE, ['attention/index.ts'], 'selfAttention'), await compileAssemblyAt(null, ['attention/index.ts'], 'selfAttention')];
const LABELS = [`fused at ${BASE}`, 'fused, this tree'];
await tf.setBackend('wasm');
const memory = new WebAssembly.Memory({ initial: 2048 });
const kernels = modules.map((module, i) => ({ label: LABELS[i], fn: new WebAssembly.Instance(module, { env: { memory } }).exports.selfAttention }));
const rows = [];
for (const batch of OPS ? BATCHES : []) {
  for (const p of PROBLEMS) {
    const headDim = p.channels / p.heads;
    // Layout: scratch from byte 1024, then qkv, bias and one output per kernel.
    const scratch = 1024;
    const sizes = [batch * p.tokens * 3 * p.channels, p.heads * p.tokens * p.tokens, batch * p.tokens * p.channels, batch * p.tokens * p.channels];
    const offsets = sizes.reduce((acc, n) => [...acc, acc[acc.length - 1] + 4 * n], [scratch + SCRATCH_BYTES]);
    const floats = new Float32Array(memory.buffer);
    for (let i = 0; i < sizes[0]; i++) floats[offsets[0] / 4 + i] = Math.sin(i * 12.9898) * 2;
    for (let i = 0; i < sizes[1]; i++) floats[offsets[1] / 4 + i] = Math.cos(i) * 0.5;
    const bias = p.bias ? offsets[1] : 0;
    const [x, w] = [tf.randomNormal([batch * p.tokens, p.channels]), tf.randomNormal([p.channels, 3 * p.channels])];
    const attention = 4 * batch * p.heads * p.tokens * p.tokens * headDim;
    const runs = [
      ...kernels.map((k, i) => ({ label: k.label, flops: attention, run: () => k.fn(offsets[0], bias, offsets[2 + i], scratch, batch, p.tokens, p.heads, headDim, headDim ** -0.5) })),
      { label: 'matMul (tfjs-wasm)', flops: 2 * batch * p.tokens * p.channels * 3 * p.channels, run: () => tf.tidy(() => {
        tf.matMul(x, w).dataSync();
      }) },
    ];
    const group = timeKernels(runs, ROUNDS, { problem: p.name, batch });
    tf.dispose([x, w]);
    const outputsDiffer = maxDifference(memory, offsets[2], offsets[3], sizes[2]);
    for (const row of group) Object.assign(row, { outputsDiffer });
    console.error(`[ab] ${p.name} b${batch}: ${group.map((r) => `${r.label} ${r.gflops.toFixed(2)}`).join(', ')} GFLOP/s`);
    rows.push(...group);
  }
}
// Whole models: the same two modules bound to tfjs's own heap, swapped into the kernel table natzoo's
// FusedSelfAttention kernel calls (the built package's instance, which the import below shares).
const { simdKernelsFor } = await import(pathToFileURL(join(root, 'packages/core/dist/kernels/wasm/simd_module.js')).href);
const { wasmMemory } = await import(pathToFileURL(join(root, 'packages/core/dist/tfjs_internals.js')).href);
const table = simdKernelsFor(tf.backend());
const onHeap = modules.map((module) => new WebAssembly.Instance(module, { env: { memory: wasmMemory(tf.backend()) } }).exports.selfAttention);
const modelRows = [];
for (const name of MODELS) {
  const model = createModel(/** @type {any} */ (name));
  const size = /** @type {number} */ (model.inputs[0].shape[1]);
  for (const batch of BATCHES) {
    const x = tf.randomNormal([batch, size, size, 3]);
    const logits = /** @type {Float32Array[]} */ ([]);
    // `flops` of 1e9 per image, so the rows' "GFLOP/s" is img/s.
    const runs = onHeap.map((fn, i) => ({ label: LABELS[i], flops: batch * 1e9, run: () => {
      table.selfAttention = fn;
      logits[i] = tf.tidy(() => /** @type {tf.Tensor} */ (model.predict(x)).dataSync());
    } }));
    const group = timeKernels(runs, MODEL_ROUNDS, { problem: name, batch });
    const outputsDiffer = logits[0].reduce((m, v, i) => Math.max(m, Math.abs(v - logits[1][i])), 0);
    for (const row of group) Object.assign(row, { outputsDiffer });
    console.error(`[ab] ${name} b${batch}: ${group.map((r) => `${r.label} ${r.gflops.toFixed(2)}`).join(', ')} img/s`);
    modelRows.push(...group);
    x.dispose();
  }
  model.dispose();
}
table.selfAttention = onHeap[1];

const columns = abColumns((/** @type {any} */ r) => `${r.problem} b${r.batch}`, BASE);
if (rows.length > 0) {
  printTable(`fused self-attention wasm kernel: ${BASE} against this tree, called directly`, columns, rows, [
    `headDim C / heads, scale headDim^-0.5; ${ROUNDS} interleaved rounds after 3 warm-up rounds; GFLOP/s from the median (best: the fastest run)`,
    'FLOPs: 4 * batch * heads * N^2 * headDim for the kernels (q k^T and a v), 2 * M * K * N for the matMul ([B N, C] x [C, 3C]); no tfjs dispatch on the kernels',
    'wasm compiled by V8\'s optimising compiler only (--no-liftoff), so every round times optimised code',
  ]);
}
if (modelRows.length > 0) {
  const modelColumns = columns.map((c) => ({ ...c, title: c.title.replace('GFLOP/s', 'img/s') }));
  printTable(`whole models (random weights) with either self-attention kernel, tfjs-wasm`, modelColumns, modelRows, [
    `${MODEL_ROUNDS} interleaved rounds after 3 warm-up rounds of model.predict + dataSync; img/s from the median (best: the fastest run)`,
    'max |out diff|: the two kernels\' logits',
  ]);
}
writeJsonAtomic(OUT, { meta: { ...machineInfo(), base: BASE, rounds: ROUNDS, modelRounds: MODEL_ROUNDS }, results: rows, models: modelRows });
