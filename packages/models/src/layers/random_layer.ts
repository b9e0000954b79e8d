// SPDX-License-Identifier: MIT
// The shared shape of the layers that add training noise at a rate (dropout, drop path): the identity at
// inference, a random op while training whose seed is drawn per call from the active random source
// (@natzoo/core's randomSeed), so a trainer that sets a seeded source replays the same masks.
import { reshape, serialization, tidy } from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { layers } from '@tensorflow/tfjs-layers';
import type { Shape } from '@tensorflow/tfjs-layers';
import { randomSeed } from '@natzoo/core';
import { fail } from '../errors.js';
import { singleInput } from './layer_args.js';
import type { Kwargs, LayerArgs } from './layer_args.js';

export interface RandomLayerArgs extends LayerArgs {
  /** The probability of dropping (an element for dropout, a sample's branch for drop path), in [0, 1). */
  rate: number;
}

export abstract class RandomLayer extends layers.Layer {
  readonly rate: number;

  constructor(args: RandomLayerArgs) {
    super(args);
    if (typeof args.rate !== 'number' || !(args.rate >= 0 && args.rate < 1)) {
      fail(`${this.getClassName()} '${this.name}'`, `rate must be in [0, 1); got ${String(args.rate)}`);
    }
    this.rate = args.rate;
  }

  /** The training-mode output for `x`, with `seed` for its random op (undefined: tfjs draws one). */
  protected abstract drop(x: Tensor, seed: number | undefined): Tensor;

  override call(inputs: Tensor | Tensor[], kwargs: Kwargs): Tensor {
    return tidy(() => {
      const x = singleInput(inputs);
      // tfjs-layers copies an output that is the input itself (clone: an Identity pass over the activation on
      // wasm, 4% of a nat_mini forward); a reshape to the same shape is a new tensor over the same data.
      if (kwargs['training'] !== true || this.rate === 0) return reshape(x, x.shape);
      return this.drop(x, randomSeed());
    });
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    return inputShape;
  }

  override getConfig(): serialization.ConfigDict {
    return { rate: this.rate, ...super.getConfig() };
  }
}
