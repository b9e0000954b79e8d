// SPDX-License-Identifier: MIT
// StyleGAN2's losses as StyleNAT trains with them (SHI-Labs/StyleNAT `src/train.py`): the non-saturating
// logistic GAN loss and the R1 gradient penalty on real images.
import * as tf from '@tensorflow/tfjs';

/** D: `softplus(-D(real)).mean() + softplus(D(fake)).mean()`. */
export function discriminatorLogisticLoss(realLogits: tf.Tensor, fakeLogits: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.add(tf.mean(tf.softplus(tf.neg(realLogits))), tf.mean(tf.softplus(fakeLogits))) as tf.Scalar);
}

/** G: `softplus(-D(G(z))).mean()`. */
export function generatorNonSaturatingLoss(fakeLogits: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.softplus(tf.neg(fakeLogits))) as tf.Scalar);
}

/**
 * R1: `mean_b |d sum(D(real)) / d real_b|^2`. Built from tf.grad, so calling it inside `tf.variableGrads` gives
 * the penalty's gradient with respect to D's weights (a second-order gradient).
 */
export function r1Penalty(discriminate: (images: tf.Tensor4D) => tf.Tensor, real: tf.Tensor4D): tf.Scalar {
  const gradient = tf.grad((x: tf.Tensor) => tf.sum(discriminate(x as tf.Tensor4D)))(real);
  return tf.mean(tf.sum(tf.square(gradient), [1, 2, 3])) as tf.Scalar;
}

/** Scales `grads` so that their global L2 norm is at most `maxNorm` (torch `clip_grad_norm_`); returns the norm before. */
export function clipGradNorm(grads: tf.NamedTensorMap, maxNorm: number): { grads: tf.NamedTensorMap; norm: number } {
  const norm = tf.tidy(() => tf.sqrt(tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g))))).dataSync()[0]!);
  const scale = maxNorm / (norm + 1e-6);
  if (scale >= 1) return { grads, norm };
  const clipped: tf.NamedTensorMap = {};
  for (const [name, g] of Object.entries(grads)) {
    clipped[name] = tf.mul(g, scale);
    g.dispose();
  }
  return { grads: clipped, norm };
}
