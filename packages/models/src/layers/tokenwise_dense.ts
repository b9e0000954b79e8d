// SPDX-License-Identifier: MIT
// nn.Linear on the last axis of an input of any rank (`[B, H, W, C]` tokens). tfjs-layers' Dense handles a rank > 2
// input through K.dot, which transposes (copies) the kernel on every call; on wasm the fresh copy also defeats the
// backend's cache of packed XNNPACK weights (keyed by the kernel tensor), so every call repacks them. Flattening
// the tokens to 2-D first keeps the kernel variable itself as the matMul operand (nat_mini forward on wasm ~1.2x).
import { serialization, tidy } from '@tensorflow/tfjs-core';
import type { Tensor, Tensor2D } from '@tensorflow/tfjs-core';
import { initializers, layers } from '@tensorflow/tfjs-layers';
import { gelu, linear } from '@natzoo/core';
import { linearInit } from '@natzoo/core/advanced';
import type { LayerVariable, Shape } from '@tensorflow/tfjs-layers';
import { fail } from '../errors.js';
import { singleInput, singleShape } from './layer_args.js';
import type { LayerArgs } from './layer_args.js';

export type TokenwiseActivation = 'linear' | 'gelu';

/** tfjs-layers does not export its Initializer class by name. */
type Initializer = ReturnType<typeof initializers.zeros>;

export interface TokenwiseDenseArgs extends LayerArgs {
  units: number;
  /** 'gelu' is the exact erf form, as tfjs-layers' 'gelu' and PyTorch's nn.GELU(). */
  activation?: TokenwiseActivation;
  useBias?: boolean;
  /** Only used when the layer is built fresh; loaded weights replace it. Default: truncated normal, std 0.02. */
  kernelInitializer?: Initializer;
}

/** `y = x @ kernel + bias` over the last axis; weights `kernel` `[in, units]` and `bias` `[units]`, as Dense's. */
export class TokenwiseDense extends layers.Layer {
  static className = 'TokenwiseDense';
  readonly units: number;
  readonly activation: TokenwiseActivation;
  readonly useBias: boolean;
  private readonly kernelInit: Initializer;
  private kernel: LayerVariable | null = null;
  private bias: LayerVariable | null = null;

  constructor(args: TokenwiseDenseArgs) {
    super(args);
    const where = `TokenwiseDense '${this.name}'`;
    if (!Number.isInteger(args.units) || args.units < 1) fail(where, `units must be a positive integer; got ${String(args.units)}`);
    const activation = args.activation ?? 'linear';
    if (activation !== 'linear' && activation !== 'gelu') fail(where, `activation must be 'linear' or 'gelu'; got ${String(activation)}`);
    this.units = args.units;
    this.activation = activation;
    this.useBias = args.useBias ?? true;
    this.kernelInit = args.kernelInitializer ?? linearInit();
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = singleShape(inputShape);
    const channels = shape[shape.length - 1];
    if (channels == null) fail(`TokenwiseDense '${this.name}'`, `the last axis must be known; got [${shape.join(', ')}]`);
    this.kernel = this.addWeight('kernel', [channels, this.units], 'float32', this.kernelInit);
    this.bias = this.useBias ? this.addWeight('bias', [this.units], 'float32', initializers.zeros()) : null;
    this.built = true;
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    return tidy(() => {
      const x = singleInput(inputs);
      if (this.kernel === null) fail(`TokenwiseDense '${this.name}'`, 'called before build()');
      const y = linear(x, this.kernel.read() as Tensor2D, this.bias?.read() ?? null);
      return this.activation === 'gelu' ? gelu(y) : y;
    });
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    const shape = singleShape(inputShape);
    return [...shape.slice(0, -1), this.units];
  }

  override getConfig(): serialization.ConfigDict {
    return { units: this.units, activation: this.activation, useBias: this.useBias, ...super.getConfig() };
  }
}

serialization.registerClass(TokenwiseDense);
