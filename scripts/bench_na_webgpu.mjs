// SPDX-License-Identifier: MIT
// Benchmark (not a test) of the NA WebGPU kernels on NAT-like shapes (batch 1, k=7, dilation 1, rpb): each of
// the eight kernels (tiled and one-thread-per-output variants where both exist), beside the portable composite
// and dense attention (matMul + softmax) on the same webgpu backend. Median of several runs after warm-up,
// synchronised with `await t.data()`. Prints a table and writes bench-results/na_webgpu.json atomically.
//
//   pnpm build && node scripts/bench_na_webgpu.mjs [--quick] [--out=file.json]
// In Node the adapter comes from Dawn (the `webgpu` package); on CI machines that is Mesa's lavapipe, a CPU
// rasteriser, so absolute numbers are CPU numbers and the ratios are what carry over.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const argv = process.argv.slice(2);
for (const a of argv) {
  if (a !== '--quick' && !a.startsWith('--out=')) {
    console.error(`bench_na_webgpu: unknown argument ${a}; expected --quick, --out=file.json`);
    process.exit(2);
  }
}
const QUICK = argv.includes('--quick') || process.env.BENCH_QUICK === '1';
const OUT = argv.find((a) => a.startsWith('--out='))?.slice(6)
  ?? fileURLToPath(new URL('../bench-results/na_webgpu.json', import.meta.url));
const WARMUP = QUICK ? 1 : 3;
const RUNS = QUICK ? 3 : 9;
const KERNEL = 7;
const SHAPES = [
  { size: 56, channels: 64, heads: 2 },
  { size: 28, channels: 128, heads: 4 },
  { size: 14, channels: 256, heads: 8 },
  { size: 7, channels: 512, heads: 16 },
];

// ---- WebGPU in Node: navigator.gpu must exist before tfjs's webgpu backend is imported ----
// The backend and Dawn are dev dependencies of @natzoo/core, so resolve them from there.
const requireCore = createRequire(new URL('../packages/core/package.json', import.meta.url));
const importFromCore = (/** @type {string} */ name) => import(pathToFileURL(requireCore.resolve(name)).href);
if (globalThis.navigator?.gpu == null) {
  const dawn = await importFromCore('webgpu');
  Object.assign(globalThis, dawn.globals);
  Object.defineProperty(globalThis, 'navigator', { value: { gpu: dawn.create([]) }, configurable: true, writable: true });
}
const adapter = await globalThis.navigator.gpu.requestAdapter();
if (adapter == null) {
  console.error('bench_na_webgpu: no WebGPU adapter (install Mesa 25 lavapipe as .ci/run does)');
  process.exit(1);
}
const tf = await import('@tensorflow/tfjs');
await importFromCore('@tensorflow/tfjs-backend-webgpu');
const na = await import('@natzoo/core');
const { setWebGPUTiling } = await import('@natzoo/core/webgpu');
if (!(await tf.setBackend('webgpu'))) throw new Error('tf.setBackend(webgpu) failed');
const adapterName = `${adapter.info.vendor} ${adapter.info.architecture} ${adapter.info.description}`.trim();
console.error(`adapter: ${adapterName}`);

// ---- measurement ----
const median = (/** @type {number[]} */ xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Median ms of `fn` (which returns one tensor) after warm-up; the first call includes pipeline compilation. */
async function time(/** @type {() => import('@tensorflow/tfjs').Tensor} */ fn) {
  const once = async () => {
    const t0 = performance.now();
    const out = tf.tidy(fn);
    await out.data();
    out.dispose();
    return performance.now() - t0;
  };
  const firstMs = await once();
  for (let i = 1; i < WARMUP; i++) await once();
  const times = [];
  for (let i = 0; i < RUNS; i++) times.push(await once());
  return { ms: median(times), firstMs, times };
}

const attrsFor = (/** @type {number} */ scale) => ({
  kernelSize: [KERNEL, KERNEL], dilation: [1, 1], isCausal: [false, false], scale,
});

async function benchShape(/** @type {{size: number, channels: number, heads: number}} */ s) {
  const D = s.channels / s.heads;
  const N = s.size * s.size * s.heads; // queries (token rows per head)
  const K = KERNEL * KERNEL;
  const scale = D ** -0.5;
  const attrs = attrsFor(scale);
  const tok = [1, s.size, s.size, s.heads, D];
  const seeded = (/** @type {number[]} */ shape, /** @type {number} */ seed) => tf.randomNormal(shape, 0, 1, 'float32', seed);
  const [q, k, v, dOut] = [1, 2, 3, 4].map((i) => seeded(tok, i));
  const slots = tf.softmax(seeded([1, s.size, s.size, s.heads, K], 5));
  const rpb = tf.mul(seeded([s.heads, 2 * KERNEL - 1, 2 * KERNEL - 1], 6), 0.02);
  const run = (/** @type {string} */ name, /** @type {Record<string, any>} */ inputs) => () =>
    /** @type {any} */ (tf.engine().runKernel(name, inputs, { ...attrs }));
  const f = 4; // bytes per float
  const rpbBytes = rpb.size * f;
  // Compulsory traffic: every input read once, the output written once.
  const kernels = [
    ['QK', run(na.NeighborhoodAttentionQK, { query: q, key: k, rpb }), 2 * N * K * D, (2 * N * D + N * K) * f + rpbBytes, true],
    ['AV', run(na.NeighborhoodAttentionAV, { attn: slots, value: v }), 2 * N * K * D, (N * K + 2 * N * D) * f, true],
    ['fused', run(na.NeighborhoodAttentionFused, { query: q, key: k, value: v, rpb }), 4 * N * K * D, 4 * N * D * f + rpbBytes, true],
    ['QK.dQuery', run(na.NeighborhoodAttentionQKBackpropQuery, { dLogits: slots, key: k }), 2 * N * K * D, (N * K + 2 * N * D) * f, true],
    ['QK.dKey', run(na.NeighborhoodAttentionQKBackpropKey, { dLogits: slots, query: q }), 2 * N * K * D, (N * K + 2 * N * D) * f, false],
    ['QK.dRpb', run(na.NeighborhoodAttentionQKBackpropRpb, { dLogits: slots }), N * K, N * K * f + rpbBytes, false],
    ['AV.dAttn', run(na.NeighborhoodAttentionAVBackpropAttn, { dOut, value: v }), 2 * N * K * D, (2 * N * D + N * K) * f, true],
    ['AV.dValue', run(na.NeighborhoodAttentionAVBackpropValue, { attn: slots, dOut }), 2 * N * K * D, (N * K + 2 * N * D) * f, false],
  ];
  const rows = [];
  for (const [name, fn, flops, bytes, hasSimple] of kernels) {
    setWebGPUTiling('auto');
    const m = await time(fn);
    let simpleMs = null;
    if (hasSimple) {
      setWebGPUTiling('simple');
      simpleMs = (await time(fn)).ms;
      setWebGPUTiling('auto');
    }
    rows.push({ name, ms: m.ms, firstMs: m.firstMs, simpleMs, gflops: flops / m.ms / 1e6, gbps: bytes / m.ms / 1e6 });
    console.error(`  ${s.size}x${s.size}x${s.channels} ${name}: ${m.ms.toFixed(2)} ms`);
  }
  // The same attention three other ways on the same backend.
  const opts = { kernelSize: KERNEL, rpb, scale };
  na.setNAImplementation('composite');
  const composite = await time(() => na.na2d(q, k, v, opts));
  na.setNAImplementation('auto');
  const split = await time(() => {
    const attn = tf.softmax(run(na.NeighborhoodAttentionQK, { query: q, key: k, rpb })());
    return tf.engine().runKernel(na.NeighborhoodAttentionAV, { attn, value: v }, { ...attrs });
  });
  // Dense self-attention, heads-first [heads, HW, D] prepared outside the timing.
  const hf = (/** @type {any} */ t) => tf.transpose(t.reshape([s.size * s.size, s.heads, D]), [1, 0, 2]);
  const [qh, kh, vh] = [hf(q), hf(k), hf(v)];
  const dense = await time(() => tf.matMul(tf.softmax(tf.mul(tf.matMul(qh, kh, false, true), scale)), vh));
  const fusedFlops = 4 * N * K * D;
  const denseFlops = 4 * s.heads * (s.size * s.size) ** 2 * D;
  const io = 4 * N * D * f;
  rows.push(
    { name: 'composite', ms: composite.ms, firstMs: composite.firstMs, simpleMs: null, gflops: fusedFlops / composite.ms / 1e6, gbps: io / composite.ms / 1e6 },
    { name: 'split QK+softmax+AV', ms: split.ms, firstMs: split.firstMs, simpleMs: null, gflops: fusedFlops / split.ms / 1e6, gbps: io / split.ms / 1e6 },
    { name: 'dense', ms: dense.ms, firstMs: dense.firstMs, simpleMs: null, gflops: denseFlops / dense.ms / 1e6, gbps: io / dense.ms / 1e6 },
  );
  tf.dispose([q, k, v, dOut, slots, rpb, qh, kh, vh]);
  const by = Object.fromEntries(rows.map((r) => [r.name, r.ms]));
  const backward = ['QK.dQuery', 'QK.dKey', 'QK.dRpb', 'AV.dAttn', 'AV.dValue'];
  const ratios = {
    compositeOverFused: by.composite / by.fused,
    denseOverFused: by.dense / by.fused,
    backwardOverFused: Object.fromEntries(backward.map((b) => [b, by[b] / by.fused])),
    backwardSumOverFused: backward.reduce((acc, b) => acc + by[b], 0) / by.fused,
  };
  return { shape: { ...s, headDim: D, batch: 1, kernel: KERNEL, dilation: 1, rpb: true }, rows, ratios };
}

const results = [];
for (const s of SHAPES) {
  console.error(`${s.size}x${s.size}x${s.channels} heads ${s.heads}`);
  results.push(await benchShape(s));
}

// ---- report ----
const pad = (/** @type {unknown} */ x, /** @type {number} */ n) => String(x).padStart(n);
for (const r of results) {
  const { size, channels, heads, headDim } = r.shape;
  console.log(`\n${size}x${size}x${channels}, ${heads} heads (D=${headDim}), k=${KERNEL}, d=1, rpb, batch 1 — webgpu on ${adapterName}`);
  console.log(`${'kernel'.padEnd(22)}${pad('ms', 9)}${pad('first ms', 10)}${pad('GFLOP/s', 9)}${pad('GB/s', 8)}${pad('simple ms', 11)}`);
  for (const row of r.rows) {
    console.log(`${row.name.padEnd(22)}${pad(row.ms.toFixed(2), 9)}${pad(row.firstMs.toFixed(1), 10)}${pad(row.gflops.toFixed(2), 9)}`
      + `${pad(row.gbps.toFixed(2), 8)}${pad(row.simpleMs == null ? '' : row.simpleMs.toFixed(2), 11)}`);
  }
  const b = Object.entries(r.ratios.backwardOverFused).map(([n, x]) => `${n} ${x.toFixed(2)}x`).join(', ');
  console.log(`composite / fused = ${r.ratios.compositeOverFused.toFixed(2)}x; dense / fused = ${r.ratios.denseOverFused.toFixed(2)}x`);
  console.log(`backward / fused: ${b}; all five together ${r.ratios.backwardSumOverFused.toFixed(2)}x`);
}

const report = {
  benchmark: 'na_webgpu',
  date: new Date().toISOString(),
  adapter: { vendor: adapter.info.vendor, architecture: adapter.info.architecture, description: adapter.info.description },
  node: process.version,
  runs: { warmup: WARMUP, timed: RUNS, statistic: 'median ms, synchronised with await t.data()' },
  notes: 'GFLOP/s count multiply-adds as 2 FLOPs (composite, split: the fused count); GB/s is compulsory traffic (inputs read once, output written once).',
  results,
};
mkdirSync(dirname(OUT), { recursive: true });
const tmp = `${OUT}.${process.pid}.tmp`;
writeFileSync(tmp, `${JSON.stringify(report, null, 2)}\n`);
renameSync(tmp, OUT);
console.error(`wrote ${OUT}`);
