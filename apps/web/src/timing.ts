// SPDX-License-Identifier: MIT
// Inference timing as a user waits for it: one forward pass, softmax and read-back of a prepared input.
import type * as tf from '@tensorflow/tfjs';
import type { Classifier, Prediction } from '@natzoo/models';

export async function timedClassify(classifier: Classifier, input: tf.Tensor4D, topk = 5): Promise<{ top: Prediction[]; ms: number }> {
  const started = performance.now();
  const top = await classifier.classifyInput(input, { topk });
  return { top, ms: performance.now() - started };
}

/** Median wall time of `runs` more passes on the same input (the model is warm by then). */
export async function warmTime(classifier: Classifier, input: tf.Tensor4D, runs = 5): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push((await timedClassify(classifier, input, 1)).ms);
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}
