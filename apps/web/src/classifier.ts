// SPDX-License-Identifier: MIT
// One forward pass: logits, softmax on the active backend (as the CLI does), top-k, wall time including the
// read-back, which is what a user waits for.
import * as tf from '@tensorflow/tfjs';

export interface Ranked {
  label: string;
  index: number;
  prob: number;
}

export interface Classification {
  probs: Float32Array;
  top: Ranked[];
  ms: number;
}

export function inputTensor(input: Float32Array, inputSize: readonly [number, number, number]): tf.Tensor4D {
  const [channels, height, width] = inputSize;
  return tf.tensor4d(input, [1, height, width, channels]);
}

export async function classify(model: tf.LayersModel, input: Float32Array, inputSize: readonly [number, number, number], labels: readonly string[], top = 5): Promise<Classification> {
  const started = performance.now();
  const probsTensor = tf.tidy(() => {
    const logits = model.predict(inputTensor(input, inputSize));
    if (Array.isArray(logits)) throw new Error(`the model has ${logits.length} outputs; a classifier has one`);
    return tf.softmax(logits.reshape([-1]));
  });
  const probs = (await probsTensor.data()) as Float32Array;
  probsTensor.dispose();
  const ms = performance.now() - started;
  const ranked = Array.from(probs, (prob, index) => ({ label: labels[index] ?? `class_${index}`, index, prob }))
    .sort((a, b) => b.prob - a.prob)
    .slice(0, top);
  return { probs, top: ranked, ms };
}

/** Median wall time of `runs` more passes on the same input (the model is warm by then). */
export async function warmTime(model: tf.LayersModel, input: Float32Array, inputSize: readonly [number, number, number], runs = 5): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push((await classify(model, input, inputSize, [], 1)).ms);
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}
