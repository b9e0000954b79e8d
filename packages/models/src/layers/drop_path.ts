// SPDX-License-Identifier: MIT
// Stochastic depth (timm DropPath): while training, drops a residual branch for whole samples and rescales the
// kept ones by 1/(1-rate); the identity at inference. The mask's seed comes from the active random source.
import { div, floor, mul, serialization } from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { batchRandomUniform } from '@natzoo/core';
import { RandomLayer, type RandomLayerArgs } from './random_layer.js';

export type DropPathArgs = RandomLayerArgs;

export class DropPath extends RandomLayer {
  static className = 'DropPath';

  protected override drop(x: Tensor, seed: number | undefined): Tensor {
    const keep = 1 - this.rate;
    // One Bernoulli(keep) draw per sample, broadcast over the other axes.
    const maskShape = [x.shape[0]!, ...new Array<number>(x.rank - 1).fill(1)];
    const mask = floor(batchRandomUniform(maskShape, keep, 1 + keep, seed));
    return mul(div(x, keep), mask);
  }
}

serialization.registerClass(DropPath);
