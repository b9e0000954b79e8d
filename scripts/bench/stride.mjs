// SPDX-License-Identifier: MIT
// The generalized-NA section of scripts/bench_na.mjs: 2-D 56x56 k7 and 3-D 16^3 k3/k5 at stride 1, 2, 4 and
// blocked (stride = kernel) beside dense attention on the same tensors, forward and forward+backward. Every
// variant of one problem is timed in interleaved rounds (one run of each per round, rotating the order), so
// the speed-ups compare runs under the same machine load.
import * as tf from '@tensorflow/tfjs';
import * as na from '@natzoo/core/advanced';
import { denseAttention } from './attention.mjs';
import { median, runOnce as timeOnce } from './measure.mjs';
import { ms, printTable } from './report.mjs';

/** 64 channels in 2 heads of 32, batch 1, as NAT's first level. */
const PROBLEMS = [
  { name: '2-D 56x56 k7', spatial: [56, 56], kernel: 7, strides: [1, 2, 4, 7] },
  { name: '3-D 16^3 k3', spatial: [16, 16, 16], kernel: 3, strides: [1, 2, 3] },
  { name: '3-D 16^3 k5', spatial: [16, 16, 16], kernel: 5, strides: [1, 2, 4, 5] },
];
const [HEADS, HEAD_DIM] = [2, 32];

/** dense attention for 2-D or 3-D heads-last tensors (flattened to one spatial axis of N tokens). */
function dense(/** @type {tf.Tensor} */ q, /** @type {tf.Tensor} */ k, /** @type {tf.Tensor} */ v) {
  const flat = (/** @type {tf.Tensor} */ t) => tf.reshape(t, [t.shape[0], 1, -1, HEADS, HEAD_DIM]);
  return tf.reshape(denseAttention(/** @type {any} */ (flat(q)), /** @type {any} */ (flat(k)), /** @type {any} */ (flat(v))), q.shape);
}

/** @param {any} problem @param {number | null} stride (null: dense) */
function variant(problem, stride) {
  const op = problem.spatial.length === 2 ? na.na2d : na.na3d;
  const attend = (/** @type {tf.Tensor[]} */ [q, k, v]) =>
    stride === null ? dense(q, k, v) : op(/** @type {any} */ (q), /** @type {any} */ (k), /** @type {any} */ (v), { kernelSize: problem.kernel, stride });
  const label = stride === null ? 'dense' : stride === problem.kernel ? `stride ${stride} (blocked)` : `stride ${stride}`;
  return { label, stride, attend };
}

/**
 * @param {string} backend @param {{ quick: boolean }} options
 * @returns {Promise<any[]>} rows
 */
export async function strideSection(backend, { quick }) {
  const rounds = quick ? 3 : 9;
  const rows = [];
  for (const problem of PROBLEMS) {
    const shape = [1, ...problem.spatial, HEADS, HEAD_DIM];
    const x = tf.tidy(() => [0, 1, 2].map(() => tf.randomNormal(shape)));
    const g = tf.randomNormal(shape);
    const variants = [...problem.strides.map((s) => variant(problem, s)), variant(problem, null)];
    // 'fwd+bwd fused': the fused backward from the log-sum-exp, where the backend registers it (dense stays as is).
    const passes = ['fwd', 'fwd+bwd', ...(na.hasFusedBackward() ? ['fwd+bwd fused'] : [])];
    for (const pass of passes) {
      const grads = (/** @type {any} */ v) => () => tf.grads((...t) => tf.sum(tf.mul(v.attend(t), g)))(x);
      const fns = variants.map((v) => (pass === 'fwd' ? () => v.attend(x) : grads(v)));
      na.setNABackward(pass === 'fwd+bwd fused' ? 'fused' : 'split');
      const group = variants.map((v) => ({
        section: 'stride', backend, problem: problem.name, kernelSize: problem.kernel, stride: v.stride, label: v.label, pass,
        naImplementation: v.stride === null ? null : na.activeNAImplementation(kernelAttrsOf(problem, v.stride)),
        timesMs: /** @type {number[]} */ ([]),
      }));
      // Peak memory from one profiled run each (also the first warm-up), then a second warm-up.
      for (let i = 0; i < fns.length; i++) {
        const info = await tf.profile(() => tf.tidy(fns[i]));
        tf.dispose(info.result);
        group[i].peakBytes = info.peakBytes;
        await timeOnce(fns[i]);
      }
      for (let r = 0; r < rounds; r++) {
        for (let j = 0; j < fns.length; j++) {
          const i = (j + r) % fns.length;
          group[i].timesMs.push(await timeOnce(fns[i]));
        }
      }
      na.setNABackward('split');
      for (const row of group) row.medianMs = median(row.timesMs);
      console.error(`[stride] ${backend} ${problem.name} ${pass}: ${group.map((r) => `${r.label} ${ms(r.medianMs)} ms`).join(', ')}`);
      const strideOne = group.find((row) => row.stride === 1);
      const denseRow = group.find((row) => row.stride === null);
      for (const row of group) {
        row.speedupVsStride1 = strideOne.medianMs / row.medianMs;
        row.speedupVsDense = denseRow.medianMs / row.medianMs;
      }
      rows.push(...group);
    }
    tf.dispose([...x, g]);
  }
  const columns = [
    { title: 'backend', cell: (/** @type {any} */ r) => r.backend, left: true },
    { title: 'problem', cell: (/** @type {any} */ r) => r.problem, left: true },
    { title: 'attention', cell: (/** @type {any} */ r) => r.label, left: true },
    { title: 'runs on', cell: (/** @type {any} */ r) => r.naImplementation ?? 'matMul+softmax', left: true },
    { title: 'pass', cell: (/** @type {any} */ r) => r.pass, left: true },
    { title: 'median ms', cell: (/** @type {any} */ r) => ms(r.medianMs) },
    { title: 'vs stride 1', cell: (/** @type {any} */ r) => `${r.speedupVsStride1.toFixed(2)}x` },
    { title: 'vs dense', cell: (/** @type {any} */ r) => `${r.speedupVsDense.toFixed(2)}x` },
    { title: 'peak MB', cell: (/** @type {any} */ r) => (r.peakBytes / 1e6).toFixed(1) },
  ];
  printTable(`generalized NA: stride and blocked attention beside dense on ${backend}`, columns, rows, [
    `batch 1, ${HEADS} heads of ${HEAD_DIM}, no rpb; ${rounds} interleaved rounds (one run of every variant per round); median`,
    'vs stride 1 / vs dense: their median / this median, same problem and pass; fwd+bwd: tf.grads of sum(out * g) w.r.t. q, k, v',
    "fwd+bwd: the split backward (QK, softmax, AV kernels; [.., heads, K] attention kept); fwd+bwd fused: setNABackward('fused'), attention recomputed from the log-sum-exp",
    "runs on: 'kernels' (the backend's NA kernels) or 'composite' (gather + matMul, where the kernels do not implement the call)",
  ]);
  return rows;
}

/** The kernel attributes the op would build, to ask which implementation runs it. */
function kernelAttrsOf(/** @type {any} */ problem, /** @type {number} */ stride) {
  const rank = problem.spatial.length;
  const fill = (/** @type {any} */ value) => new Array(rank).fill(value);
  return { kernelSize: fill(problem.kernel), dilation: fill(1), isCausal: fill(false), stride: fill(stride), scale: HEAD_DIM ** -0.5 };
}
