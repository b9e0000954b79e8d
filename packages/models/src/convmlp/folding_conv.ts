// SPDX-License-Identifier: MIT
// nn.Conv2d as ConvMLP uses it (a PaddedConv2D: PyTorch's symmetric padding done by the conv itself) and, at
// inference, the BatchNorm (+ReLU) that reads its output folded into its weights: one fused conv instead of conv,
// BatchNorm and ReLU passes (FusedBatchNorm alone was ~8% of a convmlp_s forward on tfjs-wasm). The weights on
// record stay the conv's and the BatchNorm's own; the folded copies are made on first use and remade when any of
// those weights changes.
import { add, keep, mul, serialization, tidy } from '@tensorflow/tfjs-core';
import type { DataId, Tensor, Tensor1D, Tensor4D } from '@tensorflow/tfjs-core';
import { layers } from '@tensorflow/tfjs-layers';
import { paddedConv2d } from '@natzoo/core';
import { singleInput } from '../layers/layer_args.js';
import type { Kwargs } from '../layers/layer_args.js';
import { PaddedConv2D } from '../layers/padded_conv2d.js';
import { FoldableBatchNorm, foldsAt } from './foldable_batch_norm.js';

/** The conv's weights with a BatchNorm folded in, and the dataIds of the weights they were made from. */
interface Folded {
  sources: DataId[];
  filter: Tensor4D;
  bias: Tensor1D;
  activation: 'relu' | 'linear';
}

type DisposeResult = ReturnType<layers.Layer['dispose']>;

/** Weights `kernel` `[k, k, in, filters]` and `bias` `[filters]`, as tfjs-layers' Conv2D names them. */
export class FoldingConv2D extends PaddedConv2D {
  static override className = 'FoldingConv2D';
  private folded: Folded | null = null;

  override call(inputs: Tensor | Tensor[], kwargs: Kwargs = {}): Tensor {
    const batchNorm = foldsAt(kwargs) ? this.foldedBatchNorm() : null;
    if (batchNorm === null) return super.call(inputs);
    return tidy(() => {
      const { filter, bias, activation } = this.foldWith(batchNorm);
      return paddedConv2d(singleInput(inputs), filter, { strides: this.strides, padding: this.padding, bias, activation });
    });
  }

  /** The BatchNorm this conv folds at inference: its only consumer, when that is a foldable BatchNorm. */
  foldedBatchNorm(): FoldableBatchNorm | null {
    // An activation of the conv's own would sit between the conv and the BatchNorm.
    if (this.activation !== 'linear' || this.inboundNodes.length !== 1 || this.outboundNodes.length !== 1) return null;
    const next = this.outboundNodes[0]!.outboundLayer;
    return next instanceof FoldableBatchNorm && next.inboundNodes.length === 1 && next.foldable() ? next : null;
  }

  /** `kernel * scale` and `bias * scale + shift` (per output channel), reused while the weights are the same tensors. */
  private foldWith(batchNorm: FoldableBatchNorm): Folded {
    // Setting a weight (loading, an optimizer step, a moving-average update) gives its variable a new dataId.
    const sources = [...this.weights, ...batchNorm.weights].map((w) => w.read().dataId);
    const cached = this.folded;
    if (cached !== null && cached.sources.length === sources.length && cached.sources.every((id, i) => id === sources[i])) return cached;
    this.disposeFolded();
    const { scale, shift, relu } = batchNorm.affine();
    const filter = keep(mul(this.kernel!.read(), scale)) as Tensor4D;
    const bias = keep(this.bias === null ? shift.clone() : add(mul(this.bias.read(), scale), shift)) as Tensor1D;
    scale.dispose();
    shift.dispose();
    this.folded = { sources, filter, bias, activation: relu ? 'relu' : 'linear' };
    return this.folded;
  }

  private disposeFolded(): void {
    this.folded?.filter.dispose();
    this.folded?.bias.dispose();
    this.folded = null;
  }

  override dispose(): DisposeResult {
    const result = super.dispose();
    if (result.refCountAfterDispose === 0) this.disposeFolded();
    return result;
  }
}

serialization.registerClass(FoldingConv2D);
