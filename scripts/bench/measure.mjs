// SPDX-License-Identifier: MIT
// Timing and peak-memory measurement for scripts/bench_na.mjs: one tf.profile run (also the first warm-up),
// an optional second warm-up, then the median of an adaptive number of timed runs.
import * as tf from '@tensorflow/tfjs';

/** @typedef {tf.Tensor | tf.Tensor[]} TensorResult */

/**
 * @typedef {object} RunPolicy
 * @property {boolean} quick   1 warm-up (the profile run) + 2 timed runs
 * @property {number} targetMs aim for about this much timed work per measurement
 * @property {number} maxRuns  upper bound on timed runs
 * @property {number} maxRunMs skip a case whose single run is predicted slower (used by the caller)
 */

/**
 * @typedef {object} Measurement
 * @property {number} medianMs
 * @property {number[]} timesMs
 * @property {number} runs
 * @property {number} peakBytes     tf.profile peakBytes: all live tensor bytes at the fullest kernel
 * @property {number} baselineBytes live tensor bytes before the call (the inputs)
 * @property {number} leakedTensors tensors alive after the measurement that were not before
 */

/** @param {number[]} xs */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Timed runs after warm-up: enough to fill targetMs, at least 3, but fewer when one run is slow
 * (cpu backend, dense attention at large N) so the whole benchmark stays within minutes.
 * @param {number} warmMs @param {RunPolicy} policy
 */
export function runsFor(warmMs, policy) {
  if (policy.quick) return 2;
  const minRuns = warmMs < 3000 ? 3 : warmMs < 15000 ? 2 : 1;
  return Math.max(minRuns, Math.min(policy.maxRuns, Math.ceil(policy.targetMs / Math.max(warmMs, 1e-3))));
}

/** Runs fn in a tidy (so a throwing call frees its intermediates) and waits until its results are computed. */
export async function runOnce(/** @type {() => TensorResult} */ fn) {
  const t0 = performance.now();
  const out = tf.tidy(fn);
  const outs = Array.isArray(out) ? out : [out];
  await Promise.all(outs.map((t) => t.data()));
  const ms = performance.now() - t0;
  tf.dispose(outs);
  return ms;
}

/**
 * tfjs leaves engine state behind when a kernel throws inside tf.profile or tf.grads (profiling stays on;
 * the gradient tape keeps its saved tensors), which would slow and skew every later measurement.
 */
function recoverEngine() {
  const state = /** @type {any} */ (tf.engine().state);
  state.profiling = false;
  if (state.gradientDepth === 0 && state.activeTape != null) {
    for (const node of state.activeTape) tf.dispose(node.saved ?? []);
    state.activeTape = null;
  }
}

/**
 * Measures fn: peak memory from a profiled run, then the median time of the timed runs.
 * @param {() => TensorResult} fn @param {RunPolicy} policy
 * @returns {Promise<Measurement>}
 */
export async function measure(fn, policy) {
  const tensorsBefore = tf.memory().numTensors;
  const baselineBytes = tf.memory().numBytes;
  const timesMs = [];
  let info;
  let runs;
  try {
    const t0 = performance.now();
    info = await tf.profile(() => tf.tidy(fn));
    const outs = Array.isArray(info.result) ? info.result : [info.result];
    await Promise.all(outs.map((t) => /** @type {tf.Tensor} */ (t).data()));
    let warmMs = performance.now() - t0;
    tf.dispose(outs);
    // A second, unprofiled warm-up when runs are short enough that first-call effects could still matter.
    if (!policy.quick && warmMs < 2000) warmMs = await runOnce(fn);
    runs = runsFor(warmMs, policy);
    for (let i = 0; i < runs; i++) timesMs.push(await runOnce(fn));
  } catch (err) {
    recoverEngine();
    throw err;
  }
  return {
    medianMs: median(timesMs),
    timesMs,
    runs,
    peakBytes: info.peakBytes,
    baselineBytes,
    leakedTensors: tf.memory().numTensors - tensorsBefore,
  };
}
