// SPDX-License-Identifier: MIT
// StyleNAT generator timing, shared by scripts/bench_stylenat.mjs (every backend, several batches) and the
// StyleNAT row of scripts/bench_models.mjs (wasm, one image): images/s of the forward pass z -> image, and the
// GFLOP/s its matmuls reach (their FLOPs from tf.profile's shapes over their summed kernel time), which bounds
// what one core can do: the matmuls are most of the work.
import * as tf from '@tensorflow/tfjs';
import { createStyleNATGenerator, latentsFromSeeds } from '@natzoo/models';
import { median } from './measure.mjs';

// Linear: @natzoo/core's wasm kernel for the linear layers (x [..., C] times kernel [C, U]).
const MATMUL_KERNELS = new Set(['BatchMatMul', '_FusedMatMul', 'Linear']);
const size = (/** @type {number[]} */ shape) => shape.reduce((n, d) => n * d, 1);

/**
 * FLOPs of one matmul kernel call from its shapes: out [..., M, N] and a [..., M, K] or [..., K, M] (transposed or
 * not, a holds M*K per batch entry), so FLOPs = 2 * size(out) * K with K = size(a) / (batch of a * M); for Linear
 * (one output or one per column block) 2 * size(x) * U.
 * @param {{ name: string, inputShapes: number[][], outputShapes: number[][] }} kernel
 */
export function matmulFlops(kernel) {
  if (kernel.name === 'Linear') return 2 * size(kernel.inputShapes[0]) * kernel.inputShapes[1][1];
  const out = kernel.outputShapes[0];
  const a = kernel.inputShapes[0];
  const m = out[out.length - 2];
  const k = size(a) / (size(a.slice(0, -2)) * m);
  return 2 * size(out) * k;
}

/**
 * Times generator.forward on `batch` latents: one warm-up run, then up to `timedRuns` (none when the warm-up
 * took over maxRunMs; fewer when the rest would take over twice that).
 * @param {any} generator @param {number} batch
 * @param {{ timedRuns: number, maxRunMs: number, progress: (msg: string) => void }} options
 */
export async function measureGenerator(generator, batch, { timedRuns, maxRunMs, progress }) {
  const z = latentsFromSeeds(Array.from({ length: batch }, (_, i) => i), generator.config.styleDim);
  progress(`${tf.getBackend()} batch ${batch}: warm-up run`);
  const once = async () => {
    const t0 = performance.now();
    const { image, latents } = generator.forward(z);
    await image.data();
    tf.dispose([image, latents]);
    return performance.now() - t0;
  };
  const firstMs = await once();
  const times = [];
  const runs = firstMs > maxRunMs ? 0 : timedRuns;
  for (let i = 0; i < runs; i++) {
    times.push(await once());
    if (times[times.length - 1] * (runs - i - 1) > 2 * maxRunMs) break;
  }
  z.dispose();
  const medianMs = times.length > 0 ? median(times) : firstMs;
  return { firstMs, medianMs, runs: times.length, timesMs: times, imagesPerSec: (1000 * batch) / medianMs };
}

/**
 * One profiled forward pass (run it on a warm generator): FLOPs and kernel time of the matmuls, and their share
 * of the summed time of all kernels (scopes that wrap other kernels left out, as in kernel_profile.mjs).
 * @param {any} generator @param {number} batch
 */
export async function profileMatmuls(generator, batch) {
  const backend = tf.getBackend();
  const z = latentsFromSeeds(Array.from({ length: batch }, (_, i) => i), generator.config.styleDim);
  const info = await tf.profile(() => {
    const { image, latents } = generator.forward(z);
    latents.dispose();
    return image;
  });
  await /** @type {tf.Tensor} */ (info.result).data();
  tf.dispose([/** @type {tf.Tensor} */ (info.result), z]);
  let flops = 0;
  let matmulMs = 0;
  let kernelMs = 0;
  for (const k of info.kernels) {
    if (tf.getKernel(k.name, backend) == null) continue;
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    kernelMs += ms;
    if (!MATMUL_KERNELS.has(k.name)) continue;
    flops += matmulFlops(k);
    matmulMs += ms;
  }
  return { matmulGflopPerImage: flops / batch / 1e9, matmulMs, matmulGflopPerS: flops / 1e9 / (matmulMs / 1000), matmulShare: matmulMs / kernelMs, kernelMs };
}

/**
 * The StyleNAT row of scripts/bench_models.mjs: the FFHQ-256 generator (random weights) at batch 1 on the current
 * backend: images/s (warm-up, then 1 timed run, 2 when not quick) and its matmuls' GFLOP/s from a profiled run.
 * @param {{ quick: boolean, progress: (msg: string) => void }} options
 */
export async function styleNATRow({ quick, progress }) {
  const generator = createStyleNATGenerator('ffhq256', { size: 256 });
  try {
    progress(`StyleNAT FFHQ-256 generator on ${tf.getBackend()}, ${(generator.countParams() / 1e6).toFixed(1)}M parameters, batch 1`);
    const m = await measureGenerator(generator, 1, { timedRuns: quick ? 1 : 2, maxRunMs: 300_000, progress });
    progress(`StyleNAT: ${m.medianMs.toFixed(0)} ms per image; profiling its matmuls`);
    const p = await profileMatmuls(generator, 1);
    return { model: 'stylenat_ffhq256 generator', backend: tf.getBackend(), size: 256, batch: 1, ...m, ...p };
  } finally {
    generator.dispose();
  }
}
