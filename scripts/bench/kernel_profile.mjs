// SPDX-License-Identifier: MIT
// Where a model's forward pass spends its time, kernel by kernel (tf.profile's per-kernel wall time; on the
// synchronous cpu and wasm backends that is the kernel's own time). Used for nat_mini on wasm.
import * as tf from '@tensorflow/tfjs';
import { printTable } from './report.mjs';

/**
 * Profiles one batch-1 forward pass (after a warm-up) and sums kernel time by kernel name.
 * @param {import('@tensorflow/tfjs').LayersModel} model @param {number} size
 */
export async function kernelBreakdown(model, size) {
  const x = tf.randomNormal([1, size, size, 3]);
  const forward = () => /** @type {tf.Tensor} */ (model.predict(x));
  const warm = tf.tidy(forward);
  await warm.data();
  warm.dispose();
  const t0 = performance.now();
  const info = await tf.profile(() => tf.tidy(forward));
  await /** @type {tf.Tensor} */ (info.result).data();
  const wallMs = performance.now() - t0;
  tf.dispose(/** @type {tf.Tensor} */ (info.result));
  x.dispose();
  const byName = new Map();
  for (const k of info.kernels) {
    const kernelMs = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    const entry = byName.get(k.name) ?? { kernel: k.name, ms: 0, calls: 0 };
    entry.ms += kernelMs;
    entry.calls += 1;
    byName.set(k.name, entry);
  }
  // `name__op` entries are op wrappers (custom-gradient ops such as fusedMatMul) whose time includes the kernels
  // they run, so they are listed but left out of the total and the shares.
  const kernels = [...byName.values()].sort((a, b) => b.ms - a.ms);
  const kernelMs = kernels.filter((k) => !k.kernel.endsWith('__op')).reduce((s, k) => s + k.ms, 0);
  for (const k of kernels) k.share = k.ms / kernelMs;
  return { backend: tf.getBackend(), batch: 1, wallMs, kernelMs, kernels };
}

/** Prints the breakdown: kernels by total time, with their share of the summed kernel time. */
export function printBreakdown(/** @type {any} */ b) {
  printTable(`nat_mini forward on ${b.backend}, batch 1: time by kernel`, [
    { title: 'kernel', cell: (r) => r.kernel, left: true },
    { title: 'calls', cell: (r) => String(r.calls) },
    { title: 'ms', cell: (r) => r.ms.toFixed(1) },
    { title: 'share', cell: (r) => (r.kernel.endsWith('__op') ? '(wrapper)' : `${(100 * r.share).toFixed(1)}%`) },
  ], b.kernels.filter((/** @type {any} */ k) => k.share >= 0.002), [
    `tf.profile kernel wall times: ${b.kernelMs.toFixed(0)} ms summed over kernels (op wrappers excluded), ${b.wallMs.toFixed(0)} ms for the profiled pass; kernels under 0.2% omitted`,
  ]);
}
