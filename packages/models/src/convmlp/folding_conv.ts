// SPDX-License-Identifier: MIT
// nn.Conv2d as ConvMLP uses it: PyTorch's symmetric zero padding done by the conv itself (tfjs-layers' Conv2D
// takes only 'valid'/'same', so the padding was a PadV2 pass of its own), and, at inference, the BatchNorm (+ReLU)
// that reads its output folded into its weights: one fused conv instead of conv, BatchNorm and ReLU passes
// (FusedBatchNorm alone was ~8% of a convmlp_s forward on tfjs-wasm). The weights on record stay the conv's and
// the BatchNorm's own; the folded copies are made on first use and remade when any of those weights changes.
import { add, fused, keep, mul, serialization, tidy } from '@tensorflow/tfjs-core';
import type { DataId, Tensor, Tensor1D, Tensor4D } from '@tensorflow/tfjs-core';
import { initializers, layers } from '@tensorflow/tfjs-layers';
import type { LayerVariable, Shape } from '@tensorflow/tfjs-layers';
import { seededHeNormal } from '@natzoo/core/advanced';
import { fail } from '../errors.js';
import { singleInput } from '../layers/layer_args.js';
import type { Kwargs, LayerArgs } from '../layers/layer_args.js';
import { FoldableBatchNorm, foldsAt } from './foldable_batch_norm.js';

/** tfjs-layers does not export its Initializer class by name. */
type Initializer = ReturnType<typeof initializers.zeros>;

export interface FoldingConv2DArgs extends LayerArgs {
  filters: number;
  kernelSize: number;
  strides: number;
  /** Zeros added on every side (PyTorch's `padding`). */
  padding: number;
  useBias: boolean;
  /** Only used when the layer is built fresh; loaded weights replace it. Default: He normal, seeded. */
  kernelInitializer?: Initializer;
}

/** The conv's weights with a BatchNorm folded in, and the dataIds of the weights they were made from. */
interface Folded {
  sources: DataId[];
  filter: Tensor4D;
  bias: Tensor1D;
  activation: 'relu' | 'linear';
}

type DisposeResult = ReturnType<layers.Layer['dispose']>;

/** The one shape of a single-input layer's input shape(s). */
export function singleShape(inputShape: Shape | Shape[]): Shape {
  return (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
}

/** A conv's output shape `[batch, height, width, channels]` for an NHWC input, as PyTorch sizes it. */
export function convOutputShape(inputShape: Shape | Shape[], o: { kernelSize: number; strides: number; padding: number }, channels: number | null): Shape {
  const [batch, height, width] = singleShape(inputShape);
  const side = (size: number | null | undefined) => (size == null ? null : Math.floor((size + 2 * o.padding - o.kernelSize) / o.strides) + 1);
  return [batch ?? null, side(height), side(width), channels];
}

/** Weights `kernel` `[k, k, in, filters]` and `bias` `[filters]`, as tfjs-layers' Conv2D names them. */
export class FoldingConv2D extends layers.Layer {
  static className = 'FoldingConv2D';
  readonly filters: number;
  readonly kernelSize: number;
  readonly strides: number;
  readonly padding: number;
  readonly useBias: boolean;
  private readonly kernelInit: Initializer;
  private kernel: LayerVariable | null = null;
  private bias: LayerVariable | null = null;
  private folded: Folded | null = null;

  constructor(args: FoldingConv2DArgs) {
    super(args);
    const where = `FoldingConv2D '${this.name}'`;
    for (const [key, min] of [['filters', 1], ['kernelSize', 1], ['strides', 1], ['padding', 0]] as const) {
      if (!Number.isInteger(args[key]) || args[key] < min) fail(where, `${key} must be an integer >= ${min}; got ${String(args[key])}`);
    }
    this.filters = args.filters;
    this.kernelSize = args.kernelSize;
    this.strides = args.strides;
    this.padding = args.padding;
    this.useBias = args.useBias;
    this.kernelInit = args.kernelInitializer ?? seededHeNormal();
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = singleShape(inputShape);
    const channels = shape[3];
    if (shape.length !== 4 || channels == null) fail(`FoldingConv2D '${this.name}'`, `expects [batch, height, width, channels] with known channels; got [${shape.join(', ')}]`);
    this.kernel = this.addWeight('kernel', [this.kernelSize, this.kernelSize, channels, this.filters], 'float32', this.kernelInit);
    this.bias = this.useBias ? this.addWeight('bias', [this.filters], 'float32', initializers.zeros()) : null;
    this.built = true;
  }

  override call(inputs: Tensor | Tensor[], kwargs: Kwargs): Tensor {
    return tidy(() => {
      const x = singleInput(inputs) as Tensor4D;
      if (this.kernel === null) fail(`FoldingConv2D '${this.name}'`, 'called before build()');
      const batchNorm = foldsAt(kwargs) ? this.foldedBatchNorm() : null;
      const conv = { x, strides: this.strides, pad: this.padding };
      if (batchNorm === null) return fused.conv2d({ ...conv, filter: this.kernel.read() as Tensor4D, bias: this.bias?.read() });
      const { filter, bias, activation } = this.foldWith(batchNorm);
      return fused.conv2d({ ...conv, filter, bias, activation });
    });
  }

  /** The BatchNorm this conv folds at inference: its only consumer, when that is a foldable BatchNorm. */
  foldedBatchNorm(): FoldableBatchNorm | null {
    if (this.inboundNodes.length !== 1 || this.outboundNodes.length !== 1) return null;
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

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    return convOutputShape(inputShape, this, this.filters);
  }

  override getConfig(): serialization.ConfigDict {
    const { filters, kernelSize, strides, padding, useBias } = this;
    return { filters, kernelSize, strides, padding, useBias, ...super.getConfig() };
  }
}

serialization.registerClass(FoldingConv2D);
