// SPDX-License-Identifier: MIT
// Validation during training: top-1, top-5 and mean cross-entropy of a model over a loader (eval transform).
import * as tf from '@tensorflow/tfjs';
import type { BatchLoader } from '../data/batch_loader.js';

export interface EvalMetrics {
  count: number;
  top1: number;
  top5: number;
  loss: number;
}

export async function evaluateModel(model: tf.LayersModel, loader: BatchLoader): Promise<EvalMetrics> {
  const [height, width] = loader.transform.size;
  let count = 0;
  let correct1 = 0;
  let correct5 = 0;
  let lossSum = 0;
  for await (const batch of loader.epoch(0)) {
    const n = batch.labels.length;
    if (n === 0) continue;
    const logits = tf.tidy(() => model.predict(tf.tensor4d(batch.inputs, [n, height, width, 3])) as tf.Tensor2D);
    const values = (await logits.data()) as Float32Array;
    logits.dispose();
    const classes = values.length / n;
    for (let i = 0; i < n; i++) {
      const row = values.subarray(i * classes, (i + 1) * classes);
      const label = batch.labels[i]!;
      if (!(label < classes)) throw new Error(`validation label ${label} is out of range for a ${classes}-class model`);
      const truth = row[label]!;
      let above = 0;
      let max = -Infinity;
      for (const v of row) {
        if (v > truth) above++;
        if (v > max) max = v;
      }
      let sumExp = 0;
      for (const v of row) sumExp += Math.exp(v - max);
      lossSum += Math.log(sumExp) + max - truth;
      if (above === 0) correct1++;
      if (above < 5) correct5++;
    }
    count += n;
  }
  return { count, top1: count === 0 ? 0 : correct1 / count, top5: count === 0 ? 0 : correct5 / count, loss: count === 0 ? 0 : lossSum / count };
}
