// SPDX-License-Identifier: MIT
// LayerNorm over the last axis with PyTorch's defaults (eps 1e-5, biased variance). tfjs-layers'
// LayerNormalization computes the same, but tiles mean, variance, gamma and beta to the full input shape
// first, which made it ~40% of a CCT forward on wasm; broadcasting does the same work without the copies.
import { serialization } from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { initializers, layers } from '@tensorflow/tfjs-layers';
import type { LayerVariable, Shape } from '@tensorflow/tfjs-layers';
import { layerNorm } from '@natzoo/core';
import { fail } from '../errors.js';
import { singleInput, singleShape } from './layer_args.js';
import type { LayerArgs } from './layer_args.js';

export interface LayerNormArgs extends LayerArgs {
  /** Added to the variance; default 1e-5 (PyTorch's; tfjs-layers' LayerNormalization defaults to 1e-3). */
  epsilon?: number;
}

/** `(x - mean) / sqrt(var + eps) * gamma + beta` over the last axis; weights `gamma`, `beta` `[C]`. */
export class LayerNorm extends layers.Layer {
  static className = 'LayerNorm';
  readonly epsilon: number;
  private gamma: LayerVariable | null = null;
  private beta: LayerVariable | null = null;

  constructor(args: LayerNormArgs = {}) {
    super(args);
    const epsilon = args.epsilon ?? 1e-5;
    if (typeof epsilon !== 'number' || !(epsilon > 0)) fail(`LayerNorm '${this.name}'`, `epsilon must be > 0; got ${String(epsilon)}`);
    this.epsilon = epsilon;
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = singleShape(inputShape);
    const channels = shape[shape.length - 1];
    if (channels == null) fail(`LayerNorm '${this.name}'`, `the last axis must be known; got [${shape.join(', ')}]`);
    this.gamma = this.addWeight('gamma', [channels], 'float32', initializers.ones());
    this.beta = this.addWeight('beta', [channels], 'float32', initializers.zeros());
    this.built = true;
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    const x = singleInput(inputs);
    if (this.gamma === null || this.beta === null) fail(`LayerNorm '${this.name}'`, 'called before build()');
    return layerNorm(x, this.gamma.read(), this.beta.read(), this.epsilon);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    return inputShape;
  }

  override getConfig(): serialization.ConfigDict {
    return { epsilon: this.epsilon, ...super.getConfig() };
  }
}

serialization.registerClass(LayerNorm);
