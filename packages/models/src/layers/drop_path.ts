// SPDX-License-Identifier: MIT
// Stochastic depth (timm DropPath): while training, drops a residual branch for whole samples and rescales the
// kept ones by 1/(1-rate); the identity at inference.
import { div, floor, mul, randomUniform, serialization, tidy } from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { layers } from '@tensorflow/tfjs-layers';
import type { Shape } from '@tensorflow/tfjs-layers';
import { fail } from '../errors.js';
import { singleInput } from './layer_args.js';
import type { Kwargs, LayerArgs } from './layer_args.js';

export interface DropPathArgs extends LayerArgs {
  /** Probability of dropping the branch for a sample while training, in [0, 1). */
  rate: number;
}

export class DropPath extends layers.Layer {
  static className = 'DropPath';
  readonly rate: number;

  constructor(args: DropPathArgs) {
    super(args);
    if (typeof args.rate !== 'number' || !(args.rate >= 0 && args.rate < 1)) {
      fail(`DropPath '${this.name}'`, `rate must be in [0, 1); got ${String(args.rate)}`);
    }
    this.rate = args.rate;
  }

  override call(inputs: Tensor | Tensor[], kwargs: Kwargs): Tensor {
    return tidy(() => {
      const x = singleInput(inputs);
      if (kwargs['training'] !== true || this.rate === 0) return x.clone();
      const keep = 1 - this.rate;
      // One Bernoulli(keep) draw per sample, broadcast over the other axes.
      const maskShape = [x.shape[0]!, ...new Array<number>(x.rank - 1).fill(1)];
      const mask = floor(randomUniform(maskShape, keep, 1 + keep));
      return mul(div(x, keep), mask);
    });
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    return inputShape;
  }

  override getConfig(): serialization.ConfigDict {
    return { rate: this.rate, ...super.getConfig() };
  }
}

serialization.registerClass(DropPath);
