// SPDX-License-Identifier: MIT
// One forward and backward pass in training mode (dropout and drop path on), with soft-target cross-entropy
// (timm's SoftTargetCrossEntropy: mean over the batch of -sum(target * log_softmax(logits))). The random ops of
// the pass draw from the step's own stream.
import * as tf from '@tensorflow/tfjs';
import type { TrainableParam } from '../optim/no_weight_decay.js';
import type { Rng } from './rng.js';
import { withSeededMathRandom } from './seeded_ops.js';

export function softTargetCrossEntropy(logits: tf.Tensor2D, targets: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.neg(tf.sum(tf.mul(targets, tf.logSoftmax(logits)), -1))) as tf.Scalar);
}

/** Returns the loss and the gradients keyed by parameter name (the caller disposes them). */
export function computeGradients(
  model: tf.LayersModel,
  params: readonly TrainableParam[],
  inputs: tf.Tensor4D,
  targets: tf.Tensor2D,
  rng: Rng,
): { loss: number; grads: Map<string, tf.Tensor> } {
  const { value, grads } = withSeededMathRandom(rng, () =>
    tf.variableGrads(() => {
      const logits = model.apply(inputs, { training: true }) as tf.Tensor2D;
      return softTargetCrossEntropy(logits, targets);
    }, params.map((p) => p.variable)),
  );
  const loss = value.dataSync()[0]!;
  value.dispose();
  const byName = new Map<string, tf.Tensor>();
  for (const p of params) {
    const g = grads[p.variable.name];
    if (g !== undefined) byName.set(p.name, g);
  }
  return { loss, grads: byName };
}
