// SPDX-License-Identifier: MIT
// Where a model's forward pass spends its time, kernel by kernel (tf.profile's per-kernel wall time; on the
// synchronous cpu and wasm backends that is the kernel's own time), each kernel counted once.
//
// tf.profile also records scopes that run other kernels inside them: tf.op wrappers of custom-gradient ops
// (`fusedMatMul__op`) and tf.customGrad functions (LayerNorm and GELU show up as `unnamed scope` or their op
// name). Such an entry's time includes the kernels it ran, which tf.profile lists on their own as well, so
// adding it would count them twice. The entries that are kernels are the names the backend registers a kernel
// for; the rest are scopes, kept in the JSON (with their inclusive time) but out of the table and the total.
import * as tf from '@tensorflow/tfjs';
import { median } from './measure.mjs';
import { printTable } from './report.mjs';

/**
 * Profiles `passes` batch-1 forward passes of a warm model; each kernel's time is the median over the passes of its
 * summed time in one pass (a busy machine stalls single kernels at random).
 * @param {string} name the model's name (for the table) @param {import('@tensorflow/tfjs').LayersModel} model
 * @param {number} size input height and width @param {number} passes
 */
export async function kernelBreakdown(name, model, size, passes) {
  const backend = tf.getBackend();
  const x = tf.randomNormal([1, size, size, 3]);
  const forward = () => /** @type {tf.Tensor} */ (model.predict(x));
  const warm = tf.tidy(forward);
  await warm.data();
  warm.dispose();
  const byName = new Map();
  const wallMs = [];
  for (let pass = 0; pass < passes; pass++) {
    const t0 = performance.now();
    const info = await tf.profile(() => tf.tidy(forward));
    await /** @type {tf.Tensor} */ (info.result).data();
    wallMs.push(performance.now() - t0);
    tf.dispose(/** @type {tf.Tensor} */ (info.result));
    for (const k of info.kernels) {
      const entry = byName.get(k.name) ?? { kernel: k.name, msPerPass: new Array(passes).fill(0), calls: 0, scope: tf.getKernel(k.name, backend) == null };
      entry.msPerPass[pass] += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
      if (pass === 0) entry.calls += 1;
      byName.set(k.name, entry);
    }
  }
  x.dispose();
  const all = [...byName.values()].map((k) => ({ ...k, ms: median(k.msPerPass) })).sort((a, b) => b.ms - a.ms);
  const kernels = all.filter((k) => !k.scope);
  const kernelMs = kernels.reduce((s, k) => s + k.ms, 0);
  for (const k of kernels) k.share = k.ms / kernelMs;
  return { model: name, backend, batch: 1, passes, wallMs: median(wallMs), kernelMs, kernels, scopes: all.filter((k) => k.scope) };
}

/**
 * One table for all profiled models: each model's kernels by total time down to `minShare` of its summed kernel
 * time, at most `top` of them.
 */
export function printBreakdowns(/** @type {any[]} */ breakdowns, { top = 8, minShare = 0.02 } = {}) {
  const rows = breakdowns.flatMap((b) => b.kernels.filter((/** @type {any} */ k) => k.share >= minShare).slice(0, top).map((/** @type {any} */ k) => ({ ...k, model: b.model, backend: b.backend })));
  const sums = breakdowns.map((b) => `${b.model} ${b.kernelMs.toFixed(0)}/${b.wallMs.toFixed(0)} ms`).join(', ');
  printTable('where the time goes: tf.profile by kernel, batch 1, each kernel counted once (median of profiled passes)', [
    { title: 'model', cell: (r) => r.model, left: true },
    { title: 'backend', cell: (r) => r.backend, left: true },
    { title: 'kernel', cell: (r) => r.kernel, left: true },
    { title: 'calls', cell: (r) => String(r.calls) },
    { title: 'ms', cell: (r) => r.ms.toFixed(1) },
    { title: 'share', cell: (r) => `${(100 * r.share).toFixed(1)}%` },
  ], rows, [
    'share = kernel time / summed kernel time of the pass; scopes that run other kernels (tf.op wrappers, customGrad ops) are left out, their kernels are counted',
    `top ${top} kernels per model down to ${(100 * minShare).toFixed(0)}%; summed kernel / profiled-pass wall ms: ${sums}`,
  ]);
}
