// SPDX-License-Identifier: MIT
// nn.Conv2d(dim, dim, k, padding=p, groups=dim, bias=False), ConvMLP's `connect`: a depthwise conv that pads
// symmetrically itself (tfjs-layers' DepthwiseConv2D takes only 'valid'/'same', so the padding was a PadV2 pass).
import { depthwiseConv2d, serialization } from '@tensorflow/tfjs-core';
import type { Tensor, Tensor4D } from '@tensorflow/tfjs-core';
import { layers } from '@tensorflow/tfjs-layers';
import type { LayerVariable, Shape } from '@tensorflow/tfjs-layers';
import { seededHeNormal } from '@natzoo/core/advanced';
import { fail } from '../errors.js';
import { singleInput, singleShape } from '../layers/layer_args.js';
import type { LayerArgs } from '../layers/layer_args.js';
import { paddedOutputShape } from '../layers/padded_output_size.js';

export interface PaddedDepthwiseConv2DArgs extends LayerArgs {
  kernelSize: number;
  /** Zeros added on every side (PyTorch's `padding`). */
  padding: number;
}

/** Weight `depthwise_kernel` `[k, k, channels, 1]`, as tfjs-layers' DepthwiseConv2D names it; no bias. */
export class PaddedDepthwiseConv2D extends layers.Layer {
  static className = 'PaddedDepthwiseConv2D';
  readonly kernelSize: number;
  readonly padding: number;
  readonly strides = 1;
  // Drawn when the layer is made, as the other layers' seeded initialisers are.
  private readonly kernelInit = seededHeNormal();
  private kernel: LayerVariable | null = null;

  constructor(args: PaddedDepthwiseConv2DArgs) {
    super(args);
    const where = `PaddedDepthwiseConv2D '${this.name}'`;
    if (!Number.isInteger(args.kernelSize) || args.kernelSize < 1) fail(where, `kernelSize must be a positive integer; got ${String(args.kernelSize)}`);
    if (!Number.isInteger(args.padding) || args.padding < 0) fail(where, `padding must be an integer >= 0; got ${String(args.padding)}`);
    this.kernelSize = args.kernelSize;
    this.padding = args.padding;
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = singleShape(inputShape);
    const channels = shape[3];
    if (shape.length !== 4 || channels == null) fail(`PaddedDepthwiseConv2D '${this.name}'`, `expects [batch, height, width, channels] with known channels; got [${shape.join(', ')}]`);
    this.kernel = this.addWeight('depthwise_kernel', [this.kernelSize, this.kernelSize, channels, 1], 'float32', this.kernelInit);
    this.built = true;
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    if (this.kernel === null) fail(`PaddedDepthwiseConv2D '${this.name}'`, 'called before build()');
    return depthwiseConv2d(singleInput(inputs) as Tensor4D, this.kernel.read() as Tensor4D, this.strides, this.padding);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    return paddedOutputShape(inputShape, { size: this.kernelSize, strides: this.strides, padding: this.padding }, singleShape(inputShape)[3] ?? null);
  }

  override getConfig(): serialization.ConfigDict {
    return { kernelSize: this.kernelSize, padding: this.padding, ...super.getConfig() };
  }
}

serialization.registerClass(PaddedDepthwiseConv2D);
