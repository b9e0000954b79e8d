// SPDX-License-Identifier: MIT
// The full self-attention section of scripts/bench_na.mjs: @natzoo/core's selfAttention on its fused kernel
// against the composite it replaces (split heads, batched matMul, softmax, matMul, merge heads), first on the
// attention problems of CCT-2, CCT-7, ViT-rpb and StyleNAT's 4x4 layer alone (GFLOP/s of q k^T and a v), then
// whole CCT models (img/s). Every pair is timed in interleaved rounds (one run of each per round, alternating
// which goes first), so the ratio compares runs under the same machine load.
import * as tf from '@tensorflow/tfjs';
import * as na from '@natzoo/core/advanced';
import { createModel } from '@natzoo/models';
import { median, runOnce } from './measure.mjs';
import { ms, printTable } from './report.mjs';

/** The attention of each model: tokens N, channels C, heads; ViT-rpb and StyleNAT add a [heads, N, N] bias. */
const PROBLEMS = [
  { name: 'cct_2_3x2_32', tokens: 64, channels: 128, heads: 2, bias: false },
  { name: 'cct_7_3x1_32', tokens: 256, channels: 256, heads: 4, bias: false },
  { name: 'vit_rpb 14x14', tokens: 196, channels: 384, heads: 6, bias: true },
  { name: 'stylenat 4x4', tokens: 16, channels: 512, heads: 16, bias: true },
];
const MODELS = ['cct_2_3x2_32', 'cct_7_3x1_32'];
const BATCHES = [1, 8];
const VARIANTS = /** @type {const} */ (['fused kernel', 'composite']);

/** Runs `fns` (one per variant) in `rounds` interleaved rounds after a warm-up each; medians in ms. */
async function interleaved(/** @type {(() => tf.Tensor)[]} */ fns, /** @type {number} */ rounds) {
  const times = fns.map(() => /** @type {number[]} */ ([]));
  for (const fn of fns) await runOnce(fn);
  for (let r = 0; r < rounds; r++) {
    for (let j = 0; j < fns.length; j++) {
      const i = (j + r) % fns.length;
      times[i].push(await runOnce(fns[i]));
    }
  }
  return times.map(median);
}

/** `fn` with the composite forced (setNAImplementation governs selfAttention too) or the default choice. */
const under = (/** @type {string} */ variant, /** @type {() => tf.Tensor} */ fn) => () => {
  na.setNAImplementation(variant === 'composite' ? 'composite' : 'auto');
  try {
    return fn();
  } finally {
    na.setNAImplementation('auto');
  }
};

/**
 * @param {string} backend @param {{ quick: boolean }} options
 * @returns {Promise<any[]>} rows
 */
export async function selfAttentionSection(backend, { quick }) {
  const rounds = quick ? 3 : 9;
  const rows = [];
  for (const batch of BATCHES) {
    for (const p of PROBLEMS) {
      const headDim = p.channels / p.heads;
      const qkv = tf.randomNormal([batch, p.tokens, 3 * p.channels]);
      const bias = p.bias ? tf.randomNormal([p.heads, p.tokens, p.tokens]) : undefined;
      const fns = VARIANTS.map((v) => under(v, () => na.selfAttention(/** @type {tf.Tensor3D} */ (qkv), { heads: p.heads, bias })));
      const medians = await interleaved(fns, rounds);
      const flops = 4 * batch * p.heads * p.tokens * p.tokens * headDim;
      VARIANTS.forEach((variant, i) => rows.push({
        section: 'self-attention', backend, kind: 'op', problem: p.name, batch, variant, medianMs: medians[i],
        gflops: flops / (medians[i] * 1e6), speedup: medians[1] / medians[i],
      }));
      console.error(`[self-attention] ${backend} ${p.name} b${batch}: fused ${ms(medians[0])} ms, composite ${ms(medians[1])} ms`);
      tf.dispose([qkv, bias]);
    }
  }
  for (const name of MODELS) {
    const model = createModel(/** @type {any} */ (name));
    const size = /** @type {number} */ (model.inputs[0].shape[1]);
    for (const batch of BATCHES) {
      const x = tf.randomNormal([batch, size, size, 3]);
      const fns = VARIANTS.map((v) => under(v, () => /** @type {tf.Tensor} */ (model.predict(x))));
      const medians = await interleaved(fns, rounds);
      VARIANTS.forEach((variant, i) => rows.push({
        section: 'self-attention', backend, kind: 'model', problem: name, batch, variant, medianMs: medians[i],
        imagesPerSecond: (1000 * batch) / medians[i], speedup: medians[1] / medians[i],
      }));
      console.error(`[self-attention] ${backend} ${name} b${batch}: fused ${ms(medians[0])} ms, composite ${ms(medians[1])} ms`);
      x.dispose();
    }
    model.dispose();
  }
  const columns = [
    { title: 'backend', cell: (/** @type {any} */ r) => r.backend, left: true },
    { title: 'problem', cell: (/** @type {any} */ r) => r.problem, left: true },
    { title: 'batch', cell: (/** @type {any} */ r) => String(r.batch) },
    { title: 'attention', cell: (/** @type {any} */ r) => r.variant, left: true },
    { title: 'median ms', cell: (/** @type {any} */ r) => ms(r.medianMs) },
    { title: 'GFLOP/s | img/s', cell: (/** @type {any} */ r) => (r.kind === 'op' ? `${r.gflops.toFixed(2)} GFLOP/s` : `${r.imagesPerSecond.toFixed(1)} img/s`) },
    { title: 'vs composite', cell: (/** @type {any} */ r) => `${r.speedup.toFixed(2)}x` },
  ];
  printTable(`full self-attention: fused kernel beside the composite on ${backend}`, columns, rows, [
    `${rounds} interleaved rounds (one run of each variant per round, alternating the order); median`,
    'op rows: selfAttention on random qkv [B, N, 3C] alone; GFLOP/s counts q k^T and a v (4 B heads N^2 headDim)',
    "model rows: model.predict on random weights and images; composite: setNAImplementation('composite') for the run",
  ]);
  return rows;
}
