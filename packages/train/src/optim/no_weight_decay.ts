// SPDX-License-Identifier: MIT
// Which weights are exempt from weight decay. @natzoo/models exposes no per-model list, so it is derived from
// weight names and shapes the way timm's `param_groups_weight_decay` and the upstream models'
// `no_weight_decay()` / `no_weight_decay_keywords()` do: 1-D weights (norm scales and shifts, biases), every
// bias, positional embeddings (`positional_emb`, `pos_embed`), and the relative positional biases (`rpb`).
import type * as tf from '@tensorflow/tfjs';

/** Name fragments that exclude a weight from decay whatever its shape. */
const EXEMPT_NAME = /(^|[./])(positional_emb|pos_embed|rpb|relative_position_bias_table|absolute_pos_embed)([./]|$)|\/(bias|gamma|beta)$/;

/** Whether the weight `name` (tfjs `layer/weight`, e.g. `classifier.blocks.0.norm1/gamma`) of `shape` gets no decay. */
export function isNoWeightDecay(name: string, shape: readonly number[]): boolean {
  return shape.length <= 1 || EXEMPT_NAME.test(name);
}

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
