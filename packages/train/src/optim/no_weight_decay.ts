// SPDX-License-Identifier: MIT
// The trainable weights as the optimizers see them, each tagged with whether it decays; the rule (rpb, position
// embeddings, biases, norms, rank <= 1) is @natzoo/models' isNoWeightDecay, shared with `noWeightDecay(model)`.
import type * as tf from '@tensorflow/tfjs';
import { isNoWeightDecay } from '@natzoo/models';

export { isNoWeightDecay };

/** A trainable weight as the optimizers see it. */
export interface TrainableParam {
  /** Stable name (the layer weight's original name), used as the key in checkpoints. */
  name: string;
  variable: tf.Variable;
  decay: boolean;
}

/** The trainable weights of `weights` (tfjs LayerVariables), each tagged with whether it decays. */
export function trainableParams(weights: readonly { originalName: string; shape: readonly (number | null)[]; trainable: boolean; read(): tf.Tensor }[]): TrainableParam[] {
  const seen = new Set<string>();
  return weights
    .filter((w) => w.trainable)
    .map((w) => {
      if (seen.has(w.originalName)) throw new Error(`trainableParams: two weights are named '${w.originalName}'`);
      seen.add(w.originalName);
      return { name: w.originalName, variable: w.read() as tf.Variable, decay: !isNoWeightDecay(w.originalName, w.shape as number[]) };
    });
}
