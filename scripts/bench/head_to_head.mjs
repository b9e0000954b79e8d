// SPDX-License-Identifier: MIT
// tfjs against onnxruntime-node with their runs interleaved (tfjs, ort, ort, tfjs, ...): on a machine whose
// load drifts, back-to-back pairs see the same conditions, so the ratio holds up better than one taken from
// measurements minutes apart. Used for nat_mini on wasm against onnxruntime-node's single thread.
import * as tf from '@tensorflow/tfjs';
import { median } from './measure.mjs';
import { printTable } from './report.mjs';

/**
 * @param {import('@tensorflow/tfjs').LayersModel} model @param {number} size
 * @param {{run: (batch: number) => Promise<number>}} ort a started ort_peer --serve
 * @param {number[]} batches @param {number} pairs timed pairs at batch 1 (fewer for larger batches)
 * @param {(msg: string) => void} progress
 */
export async function headToHead(model, size, ort, batches, pairs, progress) {
  const rows = [];
  for (const batch of batches) {
    const x = tf.randomNormal([batch, size, size, 3]);
    const tfOnce = async () => {
      const t0 = performance.now();
      const y = tf.tidy(() => /** @type {tf.Tensor} */ (model.predict(x)));
      await y.data();
      y.dispose();
      return performance.now() - t0;
    };
    await tfOnce();
    await ort.run(batch);
    const n = batch === 1 ? pairs : Math.max(3, Math.ceil(pairs / 3));
    const tfMs = [];
    const ortMs = [];
    for (let i = 0; i < n; i++) {
      // Alternate which runs first so neither always follows the other's cache footprint.
      if (i % 2 === 0) {
        tfMs.push(await tfOnce());
        ortMs.push(await ort.run(batch));
      } else {
        ortMs.push(await ort.run(batch));
        tfMs.push(await tfOnce());
      }
      progress(`head-to-head batch ${batch} pair ${i + 1}/${n}: tfjs ${tfMs[i].toFixed(0)} ms, onnxruntime ${ortMs[i].toFixed(0)} ms`);
    }
    x.dispose();
    const pairRatios = tfMs.map((t, i) => ortMs[i] / t);
    rows.push({
      batch, pairs: n, tfMs, ortMs,
      tfMedianMs: median(tfMs), ortMedianMs: median(ortMs),
      ratio: median(ortMs) / median(tfMs),
      pairRatioMin: Math.min(...pairRatios), pairRatioMax: Math.max(...pairRatios),
    });
  }
  return rows;
}

export function printHeadToHead(/** @type {any[]} */ rows, /** @type {string} */ backend) {
  printTable(`nat_mini: tfjs-${backend} vs onnxruntime-node 1 thread, interleaved runs`, [
    { title: 'batch', cell: (r) => String(r.batch) },
    { title: 'pairs', cell: (r) => String(r.pairs) },
    { title: `tfjs-${backend} ms`, cell: (r) => r.tfMedianMs.toFixed(0) },
    { title: 'onnxruntime ms', cell: (r) => r.ortMedianMs.toFixed(0) },
    { title: `tfjs-${backend} img/s`, cell: (r) => ((r.batch * 1000) / r.tfMedianMs).toFixed(2) },
    { title: 'onnxruntime img/s', cell: (r) => ((r.batch * 1000) / r.ortMedianMs).toFixed(2) },
    { title: 'vs ort 1t', cell: (r) => `${r.ratio.toFixed(2)}x` },
    { title: 'pair range', cell: (r) => `${r.pairRatioMin.toFixed(2)}-${r.pairRatioMax.toFixed(2)}x` },
  ], rows, ['medians of back-to-back pairs (order alternating); vs ort 1t = onnxruntime median ms / tfjs median ms, the goal is >= 0.5x']);
}
