// SPDX-License-Identifier: MIT
// Benchmark (not a test): the fused GELU wasm kernel (assembly/elementwise) of another commit against this tree's,
// called directly on one WebAssembly memory in interleaved rounds (one call of each per round, alternating the
// order), on the MLP activations of CCT-14/7x2 (batch 1) and nat_mini's first level (batch 1 and 8), inputs drawn
// from N(0, 1.5²). For before/after figures on a shared machine: both kernels run under the same load. Needs git.
// Prints a table and writes bench-results/gelu_ab.json.
//
//   node scripts/bench_gelu_ab.mjs --base=<commit> [--rounds=30] [--out=file.json]
import { abOptions, compileAssemblyAt, maxDifference, timeInterleaved } from './bench/kernel_ab.mjs';
import { median } from './bench/measure.mjs';
import { machineInfo, printTable, writeJsonAtomic } from './bench/report.mjs';

const { base: BASE, rounds: ROUNDS, out: OUT } = abOptions('bench_gelu_ab', { rounds: 30, outName: 'gelu_ab' });
const SHAPES = [
  { name: 'cct_14_7x2_224 MLP b1', shape: [196, 1152] },
  { name: 'nat_mini level 1 MLP b1', shape: [3136, 256] },
  { name: 'nat_mini level 1 MLP b8', shape: [8 * 3136, 256] },
];

const LABELS = [`gelu at ${BASE}`, 'gelu, this tree'];
const modules = [await compileAssemblyAt(BASE, ['elementwise/index.ts'], 'gelu'), await compileAssemblyAt(null, ['elementwise/index.ts'], 'gelu')];
const largest = Math.max(...SHAPES.map((s) => s.shape[0] * s.shape[1]));
// One input and one output per kernel, from byte 1024.
const memory = new WebAssembly.Memory({ initial: Math.ceil((1024 + 3 * 4 * largest) / 65536) });
const kernels = modules.map((module) => /** @type {Function} */ (new WebAssembly.Instance(module, { env: { memory } }).exports.gelu));
const rows = [];
for (const { name, shape } of SHAPES) {
  const n = shape[0] * shape[1];
  const at = (/** @type {number} */ i) => 1024 + 4 * n * i;
  const floats = new Float32Array(memory.buffer);
  // Box-Muller from a fixed-seed LCG: the same inputs every run.
  let seed = 12345;
  const uniform = () => ((seed = (seed * 1103515245 + 12345) >>> 0) + 1) / 4294967297;
  for (let i = 0; i < n; i++) floats[at(0) / 4 + i] = 1.5 * Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  const times = timeInterleaved(kernels.map((fn, i) => ({ run: () => fn(at(0), at(1 + i), n) })), ROUNDS);
  const outputsDiffer = maxDifference(memory, at(1), at(2), n);
  const group = times.map((t, i) => ({ shape: name, dims: shape, label: LABELS[i], timesMs: t, nsPerElement: (median(t) * 1e6) / n, bestNsPerElement: (Math.min(...t) * 1e6) / n, outputsDiffer }));
  for (const row of group) Object.assign(row, { speedup: group[0].nsPerElement / row.nsPerElement, bestSpeedup: group[0].bestNsPerElement / row.bestNsPerElement });
  console.error(`[gelu ab] ${name}: ${group.map((r) => `${r.label} ${r.nsPerElement.toFixed(2)}`).join(', ')} ns/element`);
  rows.push(...group);
}
printTable(`fused GELU wasm kernel: ${BASE} against this tree, called directly`, [
  { title: 'shape', cell: (r) => `${r.shape} [${r.dims.join(', ')}]`, left: true },
  { title: 'kernel', cell: (r) => r.label, left: true },
  { title: 'ns/element', cell: (r) => r.nsPerElement.toFixed(2) },
  { title: `speedup vs ${BASE}`, cell: (r) => `${r.speedup.toFixed(2)}x` },
  { title: 'best ns/element', cell: (r) => r.bestNsPerElement.toFixed(2) },
  { title: 'best speedup', cell: (r) => `${r.bestSpeedup.toFixed(2)}x` },
  { title: 'max |out diff|', cell: (r) => r.outputsDiffer.toExponential(1) },
], rows, [
  `${ROUNDS} interleaved rounds after 3 warm-up rounds; ns/element from the median call (best: the fastest call)`,
  'wasm compiled by V8\'s optimising compiler only (--no-liftoff), so every round times optimised code',
]);
writeJsonAtomic(OUT, { meta: { ...machineInfo(), base: BASE, rounds: ROUNDS }, rows });
