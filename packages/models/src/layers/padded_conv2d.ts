// SPDX-License-Identifier: MIT
// nn.Conv2d with PyTorch's symmetric zero padding inside the convolution. tfjs-layers' Conv2D takes only 'valid'
// or 'same' (which pads the far side more for stride 2), so ports put a ZeroPadding2D in front: one more kernel
// and a padded copy of the activation per conv. tfjs's conv2d op takes a number as equal padding on every side,
// which every backend runs in the convolution itself (@natzoo/core's paddedConv2d, our own kernel on wasm).
import { serialization, tidy } from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { initializers, layers } from '@tensorflow/tfjs-layers';
import type { LayerVariable, Shape } from '@tensorflow/tfjs-layers';
import { paddedConv2d } from '@natzoo/core';
import { seededHeNormal } from '@natzoo/core/advanced';
import { fail } from '../errors.js';
import { singleInput, singleShape } from './layer_args.js';
import type { LayerArgs } from './layer_args.js';
import { paddedOutputShape } from './padded_output_size.js';

/** tfjs-layers does not export its Initializer class by name. */
type Initializer = ReturnType<typeof initializers.zeros>;

export interface PaddedConv2DArgs extends LayerArgs {
  filters: number;
  /** Square kernel side. */
  kernelSize: number;
  /** Default 1. */
  strides?: number;
  /** Zeros added on each of the four sides; default 0. */
  padding?: number;
  /** Default true. */
  useBias?: boolean;
  /** Applied in the same kernel; default 'linear'. */
  activation?: 'linear' | 'relu';
  /** Only used when the layer is built fresh; loaded weights replace it. Default: seeded He normal. */
  kernelInitializer?: Initializer;
}

/** NHWC `[B, H, W, Cin]` -> `[B, H', W', filters]`; weights `kernel` `[k, k, Cin, filters]` and `bias` `[filters]`, as Conv2D's. */
export class PaddedConv2D extends layers.Layer {
  static className = 'PaddedConv2D';
  readonly filters: number;
  readonly kernelSize: number;
  readonly strides: number;
  readonly padding: number;
  readonly useBias: boolean;
  readonly activation: 'linear' | 'relu';
  private readonly kernelInit: Initializer;
  protected kernel: LayerVariable | null = null;
  protected bias: LayerVariable | null = null;

  constructor(args: PaddedConv2DArgs) {
    super(args);
    const where = `${this.getClassName()} '${this.name}'`;
    for (const [key, value, min] of [['filters', args.filters, 1], ['kernelSize', args.kernelSize, 1], ['strides', args.strides ?? 1, 1], ['padding', args.padding ?? 0, 0]] as const) {
      if (!Number.isInteger(value) || value < min) fail(where, `${key} must be an integer >= ${min}; got ${String(value)}`);
    }
    const activation = args.activation ?? 'linear';
    if (activation !== 'linear' && activation !== 'relu') fail(where, `activation must be 'linear' or 'relu'; got ${String(activation)}`);
    this.filters = args.filters;
    this.kernelSize = args.kernelSize;
    this.strides = args.strides ?? 1;
    this.padding = args.padding ?? 0;
    this.useBias = args.useBias ?? true;
    this.activation = activation;
    this.kernelInit = args.kernelInitializer ?? seededHeNormal();
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = singleShape(inputShape);
    const channels = shape[3];
    if (shape.length !== 4 || channels == null) fail(`${this.getClassName()} '${this.name}'`, `input must be [B, H, W, C] with C known; got [${shape.join(', ')}]`);
    this.kernel = this.addWeight('kernel', [this.kernelSize, this.kernelSize, channels, this.filters], 'float32', this.kernelInit);
    this.bias = this.useBias ? this.addWeight('bias', [this.filters], 'float32', initializers.zeros()) : null;
    this.built = true;
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    return tidy(() => {
      if (this.kernel === null) fail(`${this.getClassName()} '${this.name}'`, 'called before build()');
      return paddedConv2d(singleInput(inputs), this.kernel.read(), {
        strides: this.strides,
        padding: this.padding,
        bias: this.bias?.read() ?? null,
        activation: this.activation,
      });
    });
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    return paddedOutputShape(inputShape, { size: this.kernelSize, strides: this.strides, padding: this.padding }, this.filters);
  }

  override getConfig(): serialization.ConfigDict {
    const { filters, kernelSize, strides, padding, useBias, activation } = this;
    return { filters, kernelSize, strides, padding, useBias, activation, ...super.getConfig() };
  }
}

serialization.registerClass(PaddedConv2D);
