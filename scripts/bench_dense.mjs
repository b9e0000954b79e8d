// SPDX-License-Identifier: MIT
// Benchmark (not a test): our wasm Linear and PaddedConv2D kernels (@natzoo/core's linear and paddedConv2d ops:
// assembly/linear's 6x8 register tiles over weights packed once) against tfjs-wasm's own fused.matMul and
// fused.conv2d (XNNPACK) on the same tensors, in interleaved rounds (one sample of each per round, the first
// alternating), on the dense layers and convolutions of the zoo's models at batch 1 (and one at batch 8). Both
// sides go through tfjs's kernel dispatch and allocate their output, as a model's layers do; the max |diff| column
// is their outputs' largest difference (0: the same bits). Prints a table and writes bench-results/dense.json.
//
//   node scripts/bench_dense.mjs [--rounds=15] [--out=file.json]
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { linear, paddedConv2d } from '@natzoo/core';
import { median } from './bench/measure.mjs';
import { machineInfo, printTable, writeJsonAtomic } from './bench/report.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const argValue = (/** @type {string} */ name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const ROUNDS = Number(argValue('rounds') ?? 15);
const OUT = argValue('out') ?? join(root, 'bench-results/dense.json');
if (!Number.isInteger(ROUNDS) || ROUNDS < 1) {
  console.error(`bench_dense: --rounds must be a positive integer; got ${argValue('rounds')}`);
  process.exit(2);
}

/** [name, rows, channels, units, bias] of linear layers. */
const LINEARS = [
  ['cct_2 qkv b1', 64, 128, 384, false],
  ['cct_14 qkv b1', 196, 384, 1152, false],
  ['cct_14 proj b1', 196, 384, 384, true],
  ['cct_14 fc1 b1', 196, 384, 1152, true],
  ['cct_14 fc2 b1', 196, 1152, 384, true],
  ['cct_14 fc1 b8', 1568, 384, 1152, true],
  ['nat_mini level-0 qkv b1', 3136, 64, 192, true],
  ['nat_mini level-2 fc1 b1', 196, 256, 768, true],
  ['classifier head b1', 1, 512, 1000, true],
];
/** [name, [height, width, Cin], size, strides, padding, Cout] of convolutions. */
const CONVS = [
  ['cct_14 tokenizer conv 1', [224, 224, 3], 7, 2, 3, 64],
  ['cct_14 tokenizer conv 2', [56, 56, 64], 7, 2, 3, 384],
  ['nat_mini downsample', [56, 56, 64], 3, 2, 1, 128],
  ['convmlp_s stage conv', [56, 56, 128], 3, 1, 1, 128],
  ['convmlp_s 1x1 conv', [56, 56, 64], 1, 1, 0, 128],
];

await tf.setBackend('wasm');
await tf.ready();
const machine = machineInfo();
const started = performance.now();

/** Mean ms of back-to-back calls filling about 40 ms. */
function sample(/** @type {() => tf.Tensor} */ f, /** @type {number} */ reps) {
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) f().dispose();
  return (performance.now() - t0) / reps;
}

/** Times `ours` and `theirs` in interleaved rounds after a warm-up; returns both medians and the outputs' max |diff|. */
function race(/** @type {() => tf.Tensor} */ ours, /** @type {() => tf.Tensor} */ theirs) {
  const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(ours(), theirs()))).dataSync()[0]);
  for (let i = 0; i < 3; i++) [ours, theirs].forEach((f) => f().dispose());
  const reps = Math.max(1, Math.ceil(40 / Math.max(sample(ours, 1), 0.05)));
  const times = [[], []];
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? [0, 1] : [1, 0];
    for (const i of order) times[i].push(sample(i === 0 ? ours : theirs, reps));
  }
  return { oursMs: median(times[0]), xnnpackMs: median(times[1]), ratios: times[0].map((t, i) => times[1][i] / t), diff };
}

const rows = [];
const random = (/** @type {number[]} */ shape) => tf.randomNormal(shape, 0, 1, 'float32', 7);
for (const [name, rowCount, channels, units, withBias] of LINEARS) {
  const x = random([rowCount, channels]);
  const w = random([channels, units]);
  const b = withBias ? random([units]) : undefined;
  const r = race(() => linear(x, w, b), () => tf.fused.matMul({ a: x, b: w, bias: b }));
  rows.push({ name, kind: 'linear', gflop: (2 * rowCount * channels * units) / 1e9, ...r });
  tf.dispose([x, w, ...(b ? [b] : [])]);
  console.error(`[${((performance.now() - started) / 1000).toFixed(0)} s] ${name}`);
}
for (const [name, [height, width, channels], size, strides, padding, filters] of CONVS) {
  const x = random([1, height, width, channels]);
  const w = random([size, size, channels, filters]);
  const b = random([filters]);
  const r = race(() => paddedConv2d(x, w, { strides, padding, bias: b }), () => tf.fused.conv2d({ x, filter: w, strides, pad: padding, bias: b }));
  const outHeight = Math.floor((height + 2 * padding - size) / strides) + 1;
  const outWidth = Math.floor((width + 2 * padding - size) / strides) + 1;
  rows.push({ name, kind: 'conv', gflop: (2 * outHeight * outWidth * size * size * channels * filters) / 1e9, ...r });
  tf.dispose([x, w, b]);
  console.error(`[${((performance.now() - started) / 1000).toFixed(0)} s] ${name}`);
}
const load = loadavg();

printTable(
  'our wasm Linear / PaddedConv2D kernels against tfjs-wasm (XNNPACK), one core',
  [
    { title: 'layer', cell: (r) => r.name, left: true },
    { title: 'GFLOP', cell: (r) => r.gflop.toFixed(3) },
    { title: 'ours ms', cell: (r) => r.oursMs.toFixed(3) },
    { title: 'XNNPACK ms', cell: (r) => r.xnnpackMs.toFixed(3) },
    { title: 'ours GFLOP/s', cell: (r) => (r.gflop / r.oursMs * 1000).toFixed(1) },
    { title: 'XNNPACK GFLOP/s', cell: (r) => (r.gflop / r.xnnpackMs * 1000).toFixed(1) },
    { title: 'speedup', cell: (r) => `${(r.xnnpackMs / r.oursMs).toFixed(2)}x` },
    { title: 'round range', cell: (r) => `${Math.min(...r.ratios).toFixed(2)}-${Math.max(...r.ratios).toFixed(2)}` },
    { title: 'max |diff|', cell: (r) => r.diff.toExponential(1) },
  ],
  rows,
  [
    `${ROUNDS} interleaved rounds; ms = median of per-round means; speedup = XNNPACK ms / ours (> 1: ours faster)`,
    `load average (1/5/15 min) at start ${machine.loadAverageAtStart.map((v) => v.toFixed(2)).join(' ')}, at end ${load.map((v) => v.toFixed(2)).join(' ')}; windows under 32 floats (an RGB 3x3 stem) stay on XNNPACK in the op, so none is listed`,
  ],
);
writeJsonAtomic(OUT, { machine: { ...machine, loadAverageAtEnd: load }, rounds: ROUNDS, rows: rows.map(({ ratios, ...r }) => ({ ...r, roundRatios: ratios })) });
console.error(`wrote ${OUT}`);
