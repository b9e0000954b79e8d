// SPDX-License-Identifier: MIT
// One model of scripts/bench_models.mjs: parity with the peers on our weights, then tfjs (the first backend)
// against onnxruntime-web (wasm, 1 thread) and onnxruntime-node (1 thread) in interleaved rounds at each batch,
// its kernel profile, the other tfjs backends, PyTorch and onnxruntime-node's default thread count.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { createModel, exportStateDict } from '@natzoo/models';
import { readNpy, writeNpy, writeSafetensors } from '@natzoo/train';
import { interleavedRounds, roundRatios } from './interleave.mjs';
import { kernelBreakdown } from './kernel_profile.mjs';
import { median, runsFor } from './measure.mjs';
import { runOrt, runTorch, startOrtServer } from './peers.mjs';

/** The onnxruntime contenders of the interleaved rounds, by runtime. */
export const ORT_WEB = 'onnxruntime-web 1t';
export const ORT_NODE = 'onnxruntime-node 1t';
const ORT_NODE_DEFAULT = 'onnxruntime-node default';
export const TORCH = 'torch-cpu 1t';

const maxAbs = (/** @type {ArrayLike<number>} */ a) => Array.prototype.reduce.call(a, (m, v) => Math.max(m, Math.abs(v)), 0);
const maxAbsDiff = (/** @type {ArrayLike<number>} */ a, /** @type {ArrayLike<number>} */ b) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};
const readF32 = (/** @type {string} */ file) => {
  const bytes = readFileSync(file);
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
};

/** One forward pass, synchronised with data(); resolves to its ms. */
async function tfOnce(/** @type {tf.LayersModel} */ model, /** @type {tf.Tensor} */ x) {
  const t0 = performance.now();
  const y = tf.tidy(() => /** @type {tf.Tensor} */ (model.predict(x)));
  await y.data();
  y.dispose();
  return performance.now() - t0;
}

/** tf.profile's peakBytes of one pass (all live tensor bytes at the fullest point, weights included). */
async function peakBytesOf(/** @type {tf.LayersModel} */ model, /** @type {tf.Tensor} */ x) {
  const info = await tf.profile(() => tf.tidy(() => /** @type {tf.Tensor} */ (model.predict(x))));
  await /** @type {tf.Tensor} */ (info.result).data();
  tf.dispose(/** @type {tf.Tensor} */ (info.result));
  return info.peakBytes;
}

/** A tfjs backend on its own (not interleaved): a profiled run, warm-up, median of an adaptive number of runs. */
async function measureTf(/** @type {tf.LayersModel} */ model, /** @type {tf.Tensor} */ x, /** @type {boolean} */ quick) {
  const t0 = performance.now();
  const peakBytes = await peakBytesOf(model, x);
  let warmMs = performance.now() - t0;
  if (!quick && warmMs < 2000) warmMs = await tfOnce(model, x);
  const runs = runsFor(warmMs, { quick, targetMs: 3000, maxRuns: 30, maxRunMs: Infinity });
  const timesMs = [];
  for (let i = 0; i < runs; i++) timesMs.push(await tfOnce(model, x));
  return { medianMs: median(timesMs), timesMs, runs, peakBytes };
}

/**
 * @typedef {object} CaseContext
 * @property {string[]} backends tfjs backends that initialised; the first one is raced against the peers
 * @property {number[]} batches
 * @property {boolean} quick
 * @property {boolean} profile run the per-kernel profile (batch 1, first backend)
 * @property {boolean} torchTiming time PyTorch too (it exports the ONNX graph and checks parity either way)
 * @property {{ torch: string | null, ort: string | null, ortWeb: string | null }} peers null = available
 * @property {number} maxRunMs skip a non-interleaved tfjs case predicted slower than this
 * @property {Map<string, number>} slowdown backend -> its ms per image over the first backend's (learnt as it goes)
 * @property {(msg: string) => void} progress
 */

/**
 * @param {string} name @param {CaseContext} ctx
 * @returns {Promise<{ rows: any[], parity: any, breakdown: any }>}
 */
export async function benchModel(name, ctx) {
  const { backends, batches, quick, peers, progress } = ctx;
  await tf.setBackend(backends[0]);
  const model = createModel(/** @type {any} */ (name));
  const size = /** @type {number} */ (model.inputs[0].shape[1]);
  const rows = /** @type {any[]} */ ([]);
  const row = (/** @type {string} */ runtime, /** @type {number} */ batch, /** @type {any} */ extra) =>
    rows.push({ model: name, size, batch, runtime, ...extra });
  const parity = /** @type {any} */ ({ model: name, backend: backends[0] });
  let breakdown = null;
  const dir = mkdtempSync(join(tmpdir(), 'natzoo-bench-'));
  const onnx = join(dir, `${name}.onnx`);
  const servers = /** @type {{ label: string, run: (batch: number) => Promise<number>, close: () => void }[]} */ ([]);
  try {
    // Parity and the ONNX export from our weights: the peers then run the computation we run.
    let ours = null;
    let onnxReady = false;
    if (peers.torch == null) {
      progress(`${name}: exporting weights for the peers`);
      await writeSafetensors(join(dir, 'weights.safetensors'), exportStateDict(model));
      const x = tf.randomNormal([1, size, size, 3], 0, 1, 'float32', 7);
      await writeNpy(join(dir, 'input.npy'), /** @type {Float32Array} */ (await x.data()), x.shape);
      ours = /** @type {Float32Array} */ (await tf.tidy(() => /** @type {tf.Tensor} */ (model.predict(x))).data());
      x.dispose();
      const t = await runTorch({ model: name, weights: join(dir, 'weights.safetensors'), input: join(dir, 'input.npy'),
        'logits-out': join(dir, 'torch.npy'), onnx, threads: 1 }, progress);
      if (t instanceof Error) parity.error = t.message;
      else {
        onnxReady = true;
        const theirs = /** @type {Float32Array} */ ((await readNpy(join(dir, 'torch.npy'))).data);
        parity.logitScale = maxAbs(theirs);
        parity.maxAbsVsTorch = maxAbsDiff(ours, theirs);
      }
    }
    // The onnxruntime servers (sessions kept open in their own processes), which also give their parity logits.
    for (const [label, runtime, why, key] of /** @type {const} */ ([[ORT_WEB, 'web', peers.ortWeb, 'maxAbsVsOrtWeb'], [ORT_NODE, 'node', peers.ort, 'maxAbsVsOrtNode']])) {
      if (!onnxReady || why != null || ours == null) continue;
      const logits = join(dir, `${runtime}.bin`);
      try {
        const server = await startOrtServer({ onnx, size, threads: 1, runtime, input: join(dir, 'input.npy'), 'logits-out': logits });
        servers.push({ label, ...server });
        parity[key] = maxAbsDiff(ours, readF32(logits));
      } catch (err) {
        parity[`${runtime}Error`] = String(/** @type {any} */ (err)?.message ?? err);
      }
    }
    if (parity.maxAbsVsTorch != null) {
      progress(`${name}: max |Δlogit| vs torch ${parity.maxAbsVsTorch.toExponential(2)}, vs ort-web ${parity.maxAbsVsOrtWeb?.toExponential(2)}, vs ort-node ${parity.maxAbsVsOrtNode?.toExponential(2)} (logit scale ${parity.logitScale.toFixed(3)})`);
    }

    // tfjs on the first backend against the onnxruntime servers, interleaved.
    const ours0 = `tfjs-${backends[0]}`;
    for (const batch of batches) {
      const x = tf.randomNormal([batch, size, size, 3]);
      progress(`${name} batch ${batch}: ${[ours0, ...servers.map((s) => s.label)].join(' vs ')}`);
      const peakBytes = await peakBytesOf(model, x);
      const contenders = [{ label: ours0, run: () => tfOnce(model, x) }, ...servers];
      // Later batches run the kernels the first one warmed (V8 has optimised them), so one warm-up run can do.
      const warmups = quick || batch !== batches[0] ? 1 : 2;
      const timed = await interleavedRounds(contenders, batch, { warmups, quick, progress, context: name });
      x.dispose();
      for (const t of timed) {
        row(t.label, batch, {
          status: 'ok', interleaved: true, medianMs: t.medianMs, timesMs: t.timesMs, runs: t.timesMs.length, repsPerSample: t.repsPerSample,
          imgPerS: (batch * 1000) / t.medianMs, ...(t.label === ours0 ? { peakBytes } : {}),
        });
      }
      // The spread of the per-round ratios (peer ms / ours in the same round), on our row.
      rows[rows.length - timed.length].roundRatios = Object.fromEntries(timed.slice(1).map((t) => [t.label, roundRatios(timed[0].timesMs, t.timesMs)]));
    }
    if (ctx.profile) {
      progress(`${name}: per-kernel profile on ${backends[0]}, batch 1`);
      // Median of 3 profiled passes; quick runs profile a slow model (over 1 s a pass) once.
      const b1 = rows.find((r) => r.runtime === ours0 && r.batch === 1);
      breakdown = await kernelBreakdown(name, model, size, quick && (b1 == null || b1.medianMs > 1000) ? 1 : 3);
    }
    for (const s of servers) s.close();
    servers.length = 0;

    // The other tfjs backends, on their own. Predicted ms per image: from this backend's smaller batch, else
    // from the first backend times the slowdown this backend showed on an earlier model.
    for (const backend of backends.slice(1)) {
      await tf.setBackend(backend);
      const first = rows.find((r) => r.runtime === ours0);
      let perImage = first && ctx.slowdown.has(backend) ? (first.medianMs / first.batch) * /** @type {number} */ (ctx.slowdown.get(backend)) : 0;
      for (const batch of batches) {
        if (perImage * batch > ctx.maxRunMs) {
          row(`tfjs-${backend}`, batch, { status: 'skipped', note: `~${((perImage * batch) / 1000).toFixed(0)} s/run predicted; cap ${ctx.maxRunMs / 1000} s (BENCH_MAX_RUN_S)` });
          continue;
        }
        progress(`${name} tfjs-${backend} batch ${batch}`);
        const x = tf.randomNormal([batch, size, size, 3]);
        const m = await measureTf(model, x, quick);
        x.dispose();
        perImage = m.medianMs / batch;
        if (first && !ctx.slowdown.has(backend)) ctx.slowdown.set(backend, perImage / (first.medianMs / first.batch));
        row(`tfjs-${backend}`, batch, { status: 'ok', ...m, imgPerS: (batch * 1000) / m.medianMs });
      }
    }
    model.dispose();

    // PyTorch (random weights: the same shapes and work) and onnxruntime-node's default thread count, each on its own.
    if (peers.torch == null && ctx.torchTiming) {
      const t = await runTorch({ model: name, batches: batches.join(','), quick, threads: 1 }, progress);
      for (const batch of batches) {
        const r = t instanceof Error ? null : t.runs.find((/** @type {any} */ x) => x.batch === batch);
        if (r == null) row(TORCH, batch, { status: 'failed', note: String(/** @type {any} */ (t).message ?? 'no result') });
        else {
          const timesMs = r.timesS.map((/** @type {number} */ s) => s * 1000);
          const med = median(timesMs);
          row(TORCH, batch, { status: 'ok', medianMs: med, timesMs, runs: timesMs.length, peakBytes: r.peakRssBytes, imgPerS: (batch * 1000) / med });
        }
      }
    }
    if (peers.ort == null && onnxReady) {
      const o = await runOrt({ onnx, size, threads: 0, batches: batches.join(','), quick }, progress);
      for (const batch of batches) {
        const r = o instanceof Error ? null : o.runs.find((/** @type {any} */ x) => x.batch === batch);
        if (r == null) row(ORT_NODE_DEFAULT, batch, { status: 'failed', note: String(/** @type {any} */ (o).message ?? 'no result') });
        else row(ORT_NODE_DEFAULT, batch, { status: 'ok', medianMs: r.medianMs, timesMs: r.timesMs, runs: r.timesMs.length, peakBytes: r.peakRssBytes, imgPerS: (batch * 1000) / r.medianMs });
      }
    }
  } finally {
    for (const s of servers) s.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return { rows, parity, breakdown };
}
