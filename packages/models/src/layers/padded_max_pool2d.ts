// SPDX-License-Identifier: MIT
// nn.MaxPool2d with PyTorch's symmetric padding inside the pool. tfjs-layers' MaxPooling2D takes only 'valid' or
// 'same', so ports pad in front (one more kernel and a copy); tfjs's maxPool op takes a number as equal padding on
// every side, and padded positions never win the max, as PyTorch's -inf padding.
import { maxPool, serialization, tidy } from '@tensorflow/tfjs-core';
import type { Tensor, Tensor4D } from '@tensorflow/tfjs-core';
import { layers } from '@tensorflow/tfjs-layers';
import type { Shape } from '@tensorflow/tfjs-layers';
import { fail } from '../errors.js';
import { singleInput, singleShape } from './layer_args.js';
import type { LayerArgs } from './layer_args.js';
import { paddedOutputShape } from './padded_output_size.js';

export interface PaddedMaxPool2DArgs extends LayerArgs {
  /** Square window side. */
  poolSize: number;
  /** Default poolSize. */
  strides?: number;
  /** Padding on each of the four sides, at most half the window (as PyTorch); default 0. */
  padding?: number;
}

/** NHWC `[B, H, W, C]` -> `[B, H', W', C]`. */
export class PaddedMaxPool2D extends layers.Layer {
  static className = 'PaddedMaxPool2D';
  readonly poolSize: number;
  readonly strides: number;
  readonly padding: number;

  constructor(args: PaddedMaxPool2DArgs) {
    super(args);
    const where = `PaddedMaxPool2D '${this.name}'`;
    for (const [key, value, min] of [['poolSize', args.poolSize, 1], ['strides', args.strides ?? args.poolSize, 1], ['padding', args.padding ?? 0, 0]] as const) {
      if (!Number.isInteger(value) || value < min) fail(where, `${key} must be an integer >= ${min}; got ${String(value)}`);
    }
    if ((args.padding ?? 0) * 2 > args.poolSize) fail(where, `padding (${String(args.padding)}) must be at most half of poolSize (${args.poolSize})`);
    this.poolSize = args.poolSize;
    this.strides = args.strides ?? args.poolSize;
    this.padding = args.padding ?? 0;
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    return tidy(() => maxPool(singleInput(inputs) as Tensor4D, this.poolSize, this.strides, this.padding));
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    return paddedOutputShape(inputShape, { size: this.poolSize, strides: this.strides, padding: this.padding }, singleShape(inputShape)[3] ?? null);
  }

  override getConfig(): serialization.ConfigDict {
    return { poolSize: this.poolSize, strides: this.strides, padding: this.padding, ...super.getConfig() };
  }
}

serialization.registerClass(PaddedMaxPool2D);
