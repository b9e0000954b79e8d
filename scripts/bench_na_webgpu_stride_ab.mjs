// SPDX-License-Identifier: MIT
// Benchmark (not a test): before/after of the webgpu NA kernels' use of the stride, in one process with
// interleaved rounds (one run of each per round, order rotating), so both sides run under the same load.
//  - strided calls on the one-thread-per-output programs (setWebGPUTiling('simple'), what they ran on before
//    the stride-group tiles) against the tiled programs ('auto'), forward and forward+split backward;
//  - the fused forward plus the separate LogSumExp pass (what the fused backward ran before the forward saved
//    it) against the fused forward writing the log-sum-exp itself (withLogSumExp).
// Shapes are the stride section's of bench_na.mjs (2-D 56x56 k7, 3-D 16^3 k3/k5, 2 heads of 32, batch 1).
//
//   pnpm build && node scripts/bench_na_webgpu_stride_ab.mjs [--rounds=5] [--out=file.json]
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import * as na from '@natzoo/core/advanced';
import { median, runOnce } from './bench/measure.mjs';
import { machineInfo, ms, printTable, writeJsonAtomic } from './bench/report.mjs';
import { setUpWebGPU } from './bench/webgpu_setup.mjs';

const argValue = (/** @type {string} */ name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const ROUNDS = Number(argValue('rounds') ?? 5);
const OUT = argValue('out') ?? fileURLToPath(new URL('../bench-results/na_webgpu_stride_ab.json', import.meta.url));
const PROBLEMS = [
  { name: '2-D 56x56 k7', spatial: [56, 56], kernel: 7, strides: [1, 2, 4, 7] },
  { name: '3-D 16^3 k3', spatial: [16, 16, 16], kernel: 3, strides: [1, 2, 3] },
  { name: '3-D 16^3 k5', spatial: [16, 16, 16], kernel: 5, strides: [1, 2, 4, 5] },
];
const [HEADS, HEAD_DIM] = [2, 32];

const why = await setUpWebGPU();
if (why !== null || !(await tf.setBackend('webgpu'))) {
  console.error(`bench_na_webgpu_stride_ab: no webgpu backend (${why ?? 'setBackend failed'})`);
  process.exit(1);
}
const { setWebGPUTiling } = await import('@natzoo/core/webgpu');

/** One comparison: `before` and `after` thunks with the tiling mode each needs. */
function comparisons(/** @type {any} */ problem, /** @type {number} */ stride, /** @type {tf.Tensor[]} */ [q, k, v], /** @type {tf.Tensor} */ g) {
  const rank = problem.spatial.length;
  const fill = (/** @type {any} */ x) => new Array(rank).fill(x);
  const attrs = { kernelSize: fill(problem.kernel), dilation: fill(1), isCausal: fill(false), stride: fill(stride), scale: HEAD_DIM ** -0.5 };
  const op = rank === 2 ? na.na2d : na.na3d;
  const forward = () => op(/** @type {any} */ (q), /** @type {any} */ (k), /** @type {any} */ (v), { kernelSize: problem.kernel, stride });
  const training = () => tf.grads((a, b, c) => tf.sum(tf.mul(op(/** @type {any} */ (a), /** @type {any} */ (b), /** @type {any} */ (c), { kernelSize: problem.kernel, stride }), g)))([q, k, v]);
  const run = (/** @type {string} */ name, /** @type {any} */ inputs, /** @type {any} */ a) => tf.engine().runKernel(name, inputs, a);
  const inputs = { query: q, key: k, value: v, rpb: tf.zeros([0]) };
  const list = [
    {
      pass: 'fused fwd + lse',
      before: { tiling: 'auto', fn: () => [run(na.NeighborhoodAttentionFused, inputs, attrs), run(na.NeighborhoodAttentionLogSumExp, { query: q, key: k, rpb: inputs.rpb }, attrs)] },
      after: { tiling: 'auto', fn: () => run(na.NeighborhoodAttentionFused, inputs, { ...attrs, withLogSumExp: true }) },
    },
  ];
  if (stride > 1) {
    list.unshift(
      { pass: 'fwd', before: { tiling: 'simple', fn: forward }, after: { tiling: 'auto', fn: forward } },
      { pass: 'fwd+bwd', before: { tiling: 'simple', fn: training }, after: { tiling: 'auto', fn: training } },
    );
  }
  return list;
}

const rows = [];
for (const problem of PROBLEMS) {
  const shape = [1, ...problem.spatial, HEADS, HEAD_DIM];
  const x = [0, 1, 2].map(() => tf.randomNormal(shape));
  const g = tf.randomNormal(shape);
  for (const stride of problem.strides) {
    for (const c of comparisons(problem, stride, x, g)) {
      const sides = [c.before, c.after];
      const times = [/** @type {number[]} */ ([]), /** @type {number[]} */ ([])];
      for (const side of sides) {
        setWebGPUTiling(/** @type {any} */ (side.tiling));
        await runOnce(side.fn);
      }
      for (let r = 0; r < ROUNDS; r++) {
        for (let j = 0; j < 2; j++) {
          const i = (j + r) % 2;
          setWebGPUTiling(/** @type {any} */ (sides[i].tiling));
          times[i].push(await runOnce(sides[i].fn));
        }
      }
      setWebGPUTiling('auto');
      const [beforeMs, afterMs] = times.map(median);
      rows.push({ problem: problem.name, stride, blocked: stride === problem.kernel, pass: c.pass, beforeMs, afterMs, speedup: beforeMs / afterMs, beforeTimesMs: times[0], afterTimesMs: times[1] });
      console.error(`[ab] ${problem.name} stride ${stride} ${c.pass}: before ${ms(beforeMs)} ms, after ${ms(afterMs)} ms`);
    }
  }
  tf.dispose([...x, g]);
}

printTable('webgpu NA: stride-group tiles and the saved log-sum-exp, before/after in interleaved rounds', [
  { title: 'problem', cell: (r) => r.problem, left: true },
  { title: 'stride', cell: (r) => `${r.stride}${r.blocked ? ' (blocked)' : ''}`, left: true },
  { title: 'pass', cell: (r) => r.pass, left: true },
  { title: 'before ms', cell: (r) => ms(r.beforeMs) },
  { title: 'after ms', cell: (r) => ms(r.afterMs) },
  { title: 'speed-up', cell: (r) => `${r.speedup.toFixed(2)}x` },
], rows, [
  `batch 1, ${HEADS} heads of ${HEAD_DIM}, no rpb; ${ROUNDS} interleaved rounds after one warm-up each; median`,
  "fwd / fwd+bwd (split backward), stride > 1: before = per-output programs (setWebGPUTiling('simple')), after = stride-group tiles",
  'fused fwd + lse: before = fused forward, then the LogSumExp kernel; after = the fused forward writing it (withLogSumExp)',
]);
writeJsonAtomic(OUT, { machine: machineInfo(), rounds: ROUNDS, rows });
