// SPDX-License-Identifier: MIT
// Dropout whose masks come from the active random source: every training call draws a fresh seed (see
// random_layer.ts). tfjs's Dropout layer takes one fixed seed, which would give the same mask at every step,
// or none, which draws from Math.random.
import { serialization } from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { batchDropout } from '@natzoo/core';
import { RandomLayer, type RandomLayerArgs } from './random_layer.js';

export type SeededDropoutArgs = RandomLayerArgs;

export class SeededDropout extends RandomLayer {
  static className = 'SeededDropout';

  protected override drop(x: Tensor, seed: number | undefined): Tensor {
    return batchDropout(x, this.rate, seed);
  }
}

serialization.registerClass(SeededDropout);
