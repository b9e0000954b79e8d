// SPDX-License-Identifier: MIT
import * as tf from '@tensorflow/tfjs';

/** `n` seeded normal images `[n, size, size, 3]` and one-hot targets cycling through `classes`. */
export function syntheticBatch(size: number, n: number, classes: number): { x: tf.Tensor4D; y: tf.Tensor2D } {
  const x = tf.randomNormal([n, size, size, 3], 0, 1, 'float32', 7) as tf.Tensor4D;
  const y = tf.oneHot(tf.tensor1d(Array.from({ length: n }, (_, i) => (3 * i + 1) % classes), 'int32'), classes).toFloat() as tf.Tensor2D;
  return { x, y };
}
