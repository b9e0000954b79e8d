// SPDX-License-Identifier: MIT
// Gradient clipping as timm's `dispatch_clip_grad`: 'norm' scales all gradients by max/(total L2 norm + 1e-6)
// when the norm exceeds max (torch.nn.utils.clip_grad_norm_), 'value' clamps each element to [-max, max].
import * as tf from '@tensorflow/tfjs';

export type ClipMode = 'norm' | 'value';

/** Returns clipped gradients (new tensors; the inputs are disposed) and the total norm before clipping. */
export function clipGradients(grads: Map<string, tf.Tensor>, max: number, mode: ClipMode = 'norm'): { grads: Map<string, tf.Tensor>; norm: number } {
  if (!(max > 0)) throw new Error(`clipGradients: max must be > 0; got ${max}`);
  const normTensor = tf.tidy(() => tf.sqrt(tf.addN([...grads.values()].map((g) => tf.sum(tf.square(g))))));
  const norm = normTensor.dataSync()[0]!;
  normTensor.dispose();
  const out = new Map<string, tf.Tensor>();
  if (mode === 'value') {
    for (const [name, g] of grads) out.set(name, tf.clipByValue(g, -max, max));
  } else {
    const coef = max / (norm + 1e-6);
    for (const [name, g] of grads) out.set(name, coef < 1 ? tf.mul(g, coef) : tf.clone(g));
  }
  for (const g of grads.values()) g.dispose();
  return { grads: out, norm };
}
