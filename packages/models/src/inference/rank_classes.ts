// SPDX-License-Identifier: MIT
// Logits -> the most probable classes: softmax on the active backend (one read-back), then a sort.
import * as tf from '@tensorflow/tfjs';
import { ModelArgumentError } from '../errors.js';

export interface Prediction {
  className: string;
  probability: number;
  /** The class's index in the model's outputs. */
  index: number;
}

/** The `topk` most probable classes of one image's logits (`[classes]` or `[1, classes]`), most probable first. */
export async function rankClasses(logits: tf.Tensor, labels: readonly string[], topk = 5): Promise<Prediction[]> {
  if (!(Number.isSafeInteger(topk) && topk > 0)) throw new ModelArgumentError(`classify: topk must be a positive integer; got ${topk}`);
  if (logits.size !== labels.length) throw new ModelArgumentError(`classify: ${logits.size} logits for ${labels.length} labels; expected one image's logits`);
  const probs = tf.tidy(() => tf.softmax(logits.reshape([-1])));
  const values = (await probs.data()) as Float32Array;
  probs.dispose();
  return Array.from(values, (probability, index) => ({ className: labels[index]!, probability, index }))
    .sort((a, b) => b.probability - a.probability)
    .slice(0, Math.min(topk, labels.length));
}
