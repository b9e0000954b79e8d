// SPDX-License-Identifier: MIT
// nn.BatchNorm2d (+ the ReLU after it) that the conv before it can fold into its own weights at inference:
// inference-mode BatchNorm is an affine map per channel, which a conv applies through its weights and bias, with
// the ReLU as its fused activation (see FoldingConv2D). Training runs tfjs-layers' BatchNormalization itself
// (batch statistics, moving-average updates); so does inference where no conv folds this layer.
import { add, div, mul, relu, reshape, serialization, sqrt, sub, tidy } from '@tensorflow/tfjs-core';
import type { Tensor, Tensor1D } from '@tensorflow/tfjs-core';
import { layers } from '@tensorflow/tfjs-layers';
import { isRecordingGradients } from '@natzoo/core/internals';
import { singleInput } from '../layers/layer_args.js';
import type { Kwargs } from '../layers/layer_args.js';

type BatchNormalization = ReturnType<typeof layers.batchNormalization>;

export type FoldableBatchNormArgs = NonNullable<Parameters<typeof layers.batchNormalization>[0]> & {
  /** A ReLU after the normalisation; default false. */
  relu?: boolean;
};

/** tfjs-layers exports its BatchNormalization class only through the factory. */
const BatchNormalizationBase = layers.batchNormalization().constructor as Pick<typeof layers.Layer, 'fromConfig'> & { className: string } &
  (new (args?: FoldableBatchNormArgs) => BatchNormalization);

/** Whether a call may fold: at inference, and outside gradient recording (gradients must reach the weights). */
export function foldsAt(kwargs: Kwargs): boolean {
  return !kwargs['training'] && !isRecordingGradients();
}

/** The inference map of a FoldableBatchNorm: `max(0, x * scale + shift)` per channel with `relu`, else without. */
export interface BatchNormAffine {
  scale: Tensor1D;
  shift: Tensor1D;
  relu: boolean;
}

/** A layer that applies the FoldableBatchNorm reading its output itself, at inference. */
interface BatchNormFolder {
  foldedBatchNorm(): FoldableBatchNorm | null;
}

function isBatchNormFolder(layer: unknown): layer is BatchNormFolder {
  return typeof (layer as Partial<BatchNormFolder> | undefined)?.foldedBatchNorm === 'function';
}

export class FoldableBatchNorm extends BatchNormalizationBase {
  static override className = 'FoldableBatchNorm';
  readonly relu: boolean;
  /** tfjs-layers keeps these private; its config has them. */
  private readonly settings: { axis: number; epsilon: number; center: boolean; scale: boolean };

  constructor(args: FoldableBatchNormArgs = {}) {
    super(args);
    this.relu = args.relu ?? false;
    const { axis, epsilon, center, scale } = super.getConfig() as FoldableBatchNorm['settings'];
    this.settings = { axis, epsilon, center, scale };
  }

  override call(inputs: Tensor | Tensor[], kwargs: Kwargs): Tensor {
    return tidy(() => {
      const x = singleInput(inputs);
      // Already applied by the conv. A reshape to the same shape is a new tensor over the same data (tfjs-layers
      // would copy an output that is the input itself).
      if (foldsAt(kwargs) && this.isFolded()) return reshape(x, x.shape);
      const normed = super.call(x, kwargs) as Tensor;
      return this.relu ? relu(normed) : normed;
    });
  }

  /** Whether the layer before this one folds it (the conv whose only consumer this is). */
  private isFolded(): boolean {
    const producer = this.inboundNodes.length === 1 ? this.inboundNodes[0]!.inboundLayers[0] : undefined;
    return isBatchNormFolder(producer) && producer.foldedBatchNorm() === this;
  }

  /** Whether the inference map can be folded into a conv: normalising the last axis of a rank-4 input, with scale and center. */
  foldable(): boolean {
    const { axis, center, scale } = this.settings;
    return this.built && center && scale && (axis === -1 || axis === 3);
  }

  /** The inference map from the current weights (new tensors; the caller disposes them). */
  affine(): BatchNormAffine {
    const { epsilon } = this.settings;
    const weight = (leaf: string) => {
      const variable = this.weights.find((w) => w.originalName.endsWith(`/${leaf}`));
      if (variable === undefined) throw new Error(`FoldableBatchNorm '${this.name}' has no ${leaf} weight`);
      return variable.read() as Tensor1D;
    };
    return tidy(() => {
      const scale = div(weight('gamma'), sqrt(add(weight('moving_variance'), epsilon))) as Tensor1D;
      const shift = sub(weight('beta'), mul(weight('moving_mean'), scale)) as Tensor1D;
      return { scale, shift, relu: this.relu };
    });
  }

  override getConfig(): serialization.ConfigDict {
    return { ...super.getConfig(), relu: this.relu };
  }
}

serialization.registerClass(FoldableBatchNorm);
