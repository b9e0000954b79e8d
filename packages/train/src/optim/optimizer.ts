// SPDX-License-Identifier: MIT
// The optimizer interface the training loop drives: one update per step with the step's learning rate, and
// a state that goes into checkpoints as named float32 arrays and comes back bit-exact.
import type * as tf from '@tensorflow/tfjs';

export interface Optimizer {
  readonly kind: string;
  /** Updates the parameters in place; `grads` are keyed by parameter name. */
  apply(grads: ReadonlyMap<string, tf.Tensor>, lr: number): void;
  /** The state as named arrays (slot `/` parameter name), plus the update count. */
  saveState(): Promise<{ tensors: Map<string, { shape: number[]; data: Float32Array }>; updates: number }>;
  loadState(tensors: ReadonlyMap<string, Float32Array>, updates: number): void;
  dispose(): void;
}
