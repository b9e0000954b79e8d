// SPDX-License-Identifier: MIT
// The GFLOP/s section of scripts/bench_na.mjs: the fused NA kernel and the split QK / AV kernels on nat_mini's
// and dinat_mini's layer shapes, each beside a plain matMul of the same layer (its q/k/v projection,
// [tokens, C] x [C, 3C]) on the same backend, timed in interleaved rounds so the ratio compares runs under the
// same machine load.
import * as tf from '@tensorflow/tfjs';
import * as na from '@natzoo/core';
import { median, runOnce } from './measure.mjs';
import { ms, printTable } from './report.mjs';

/** nat_mini / dinat_mini at 224 px: the four levels (headDim 32, kernel 7) and DiNAT's dilation at each. */
const LEVELS = [
  { size: 56, heads: 2, dinatDilation: 8 },
  { size: 28, heads: 4, dinatDilation: 4 },
  { size: 14, heads: 8, dinatDilation: 2 },
  { size: 7, heads: 16, dinatDilation: 1 },
];
const [KERNEL, HEAD_DIM] = [7, 32];

/**
 * The timed variants of one problem and the FLOPs each does: attention counts 2 FLOPs per multiply-add of QK
 * and of AV (4 * B * heads * tokens * window * headDim for the fused kernel), the matMul 2 * M * K * N.
 * @param {{ batch: number, size: number, heads: number, dilation: number }} p
 */
function variants(p) {
  const channels = p.heads * HEAD_DIM;
  const tokens = p.batch * p.size * p.size;
  const window = KERNEL * KERNEL;
  const shape = [p.batch, p.size, p.size, p.heads, HEAD_DIM];
  const x = tf.tidy(() => ({
    q: tf.randomNormal(shape),
    k: tf.randomNormal(shape),
    v: tf.randomNormal(shape),
    rpb: tf.mul(tf.randomNormal([p.heads, 2 * KERNEL - 1, 2 * KERNEL - 1]), 0.1),
    attn: tf.softmax(tf.randomNormal([...shape.slice(0, -1), window])),
    tokens: tf.randomNormal([tokens, channels]),
    weight: tf.randomNormal([channels, 3 * channels]),
  }));
  const attrs = { kernelSize: [KERNEL, KERNEL], dilation: [p.dilation, p.dilation], isCausal: [false, false], stride: [1, 1], scale: HEAD_DIM ** -0.5 };
  const attention = 2 * tokens * p.heads * window * HEAD_DIM;
  const run = (/** @type {string} */ name, /** @type {Record<string, tf.Tensor>} */ inputs) => () =>
    /** @type {tf.Tensor} */ (tf.engine().runKernel(name, inputs, { ...attrs }));
  const list = [
    { label: 'NA fused', flops: 2 * attention, fn: () => na.na2d(x.q, x.k, x.v, { kernelSize: KERNEL, dilation: p.dilation, rpb: x.rpb }) },
    { label: 'NA QK', flops: attention, fn: run(na.NeighborhoodAttentionQK, { query: x.q, key: x.k, rpb: x.rpb }) },
    { label: 'NA AV', flops: attention, fn: run(na.NeighborhoodAttentionAV, { attn: x.attn, value: x.v }) },
    { label: 'matMul', flops: 2 * tokens * channels * 3 * channels, fn: () => tf.matMul(x.tokens, x.weight) },
  ];
  return { list, dispose: () => tf.dispose(x) };
}

/**
 * @param {string} backend @param {{ quick: boolean }} options
 * @returns {Promise<any[]>} rows
 */
export async function gflopsSection(backend, { quick }) {
  const rounds = quick ? 5 : 15;
  const batches = quick ? [1] : [1, 8];
  const rows = [];
  for (const batch of batches) {
    for (const level of LEVELS) {
      for (const dilation of [...new Set([1, level.dinatDilation])]) {
        const p = { batch, size: level.size, heads: level.heads, dilation };
        const { list, dispose } = variants(p);
        for (const v of list) for (let i = 0; i < 2; i++) await runOnce(v.fn); // warm-up (and wasm tier-up)
        const times = list.map(() => /** @type {number[]} */ ([]));
        for (let r = 0; r < rounds; r++) {
          for (let j = 0; j < list.length; j++) {
            const i = (j + r) % list.length;
            times[i].push(await runOnce(list[i].fn));
          }
        }
        dispose();
        const group = list.map((v, i) => {
          const medianMs = median(times[i]);
          return {
            section: 'gflops', backend, ...p, headDim: HEAD_DIM, kernelSize: KERNEL, label: v.label, flops: v.flops,
            timesMs: times[i], medianMs, gflops: v.flops / (medianMs * 1e6), bestGflops: v.flops / (Math.min(...times[i]) * 1e6),
          };
        });
        const matMul = group.find((r) => r.label === 'matMul');
        for (const row of group) {
          row.vsMatMul = row.gflops / matMul.gflops;
          row.bestVsMatMul = row.bestGflops / matMul.bestGflops;
        }
        console.error(`[gflops] ${backend} ${p.size}x${p.size} h${p.heads} b${batch} d${dilation}: ${group.map((r) => `${r.label} ${r.gflops.toFixed(2)}`).join(', ')} GFLOP/s`);
        rows.push(...group);
      }
    }
  }
  const columns = [
    { title: 'backend', cell: (/** @type {any} */ r) => r.backend, left: true },
    { title: 'shape', cell: (/** @type {any} */ r) => `${r.size}x${r.size} h${r.heads}`, left: true },
    { title: 'batch', cell: (/** @type {any} */ r) => String(r.batch) },
    { title: 'dil', cell: (/** @type {any} */ r) => String(r.dilation) },
    { title: 'kernel', cell: (/** @type {any} */ r) => r.label, left: true },
    { title: 'MFLOP', cell: (/** @type {any} */ r) => (r.flops / 1e6).toFixed(1) },
    { title: 'median ms', cell: (/** @type {any} */ r) => ms(r.medianMs) },
    { title: 'GFLOP/s', cell: (/** @type {any} */ r) => r.gflops.toFixed(2) },
    { title: 'vs matMul', cell: (/** @type {any} */ r) => `${r.vsMatMul.toFixed(2)}x` },
    { title: 'best GFLOP/s', cell: (/** @type {any} */ r) => r.bestGflops.toFixed(2) },
    { title: 'best vs matMul', cell: (/** @type {any} */ r) => `${r.bestVsMatMul.toFixed(2)}x` },
  ];
  printTable(`NA kernel GFLOP/s beside a plain matMul on ${backend}`, columns, rows, [
    `headDim ${HEAD_DIM}, kernel ${KERNEL}, rpb on fused and QK; ${rounds} interleaved rounds (one run of every kernel per round); median`,
    'FLOPs: fused 4 * B * heads * tokens * window * headDim, QK and AV half that each; matMul: the level\'s q/k/v projection [B*tokens, C] x [C, 3C]',
    'vs matMul: GFLOP/s over the matMul\'s in the same rounds; best: from the fastest run of each (less sensitive to other load on the cores)',
  ]);
  return rows;
}
