// SPDX-License-Identifier: MIT
// Small layers of the NAT family: per-channel layer scale (NAT's gamma1/gamma2) and Swin's patch merging
// gather (DiNAT_s). Both are registered for serialization.
import { mul, pad, reshape, serialization, tidy, transpose } from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { initializers, layers } from '@tensorflow/tfjs-layers';
import type { LayerVariable, Shape } from '@tensorflow/tfjs-layers';
import { fail } from '../errors.js';
import { singleInput, singleShape } from '../layers/layer_args.js';
import type { LayerArgs } from '../layers/layer_args.js';

export interface LayerScaleArgs extends LayerArgs {
  /** Initial value of every channel's scale (upstream `layer_scale`, 1e-5 for NAT-Small/Base). */
  initValue: number;
}

/**
 * `x * gamma` over the last axis. The weight is called `scale` and the layer carries the PyTorch parameter's
 * name (`levels.0.blocks.0.gamma1`), so the default conversion rule maps it to that key.
 */
export class LayerScale extends layers.Layer {
  static className = 'LayerScale';
  readonly initValue: number;
  private gamma: LayerVariable | null = null;

  constructor(args: LayerScaleArgs) {
    super(args);
    if (typeof args.initValue !== 'number' || !Number.isFinite(args.initValue)) {
      fail(`LayerScale '${this.name}'`, `initValue must be a finite number; got ${String(args.initValue)}`);
    }
    this.initValue = args.initValue;
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = singleShape(inputShape);
    const channels = shape[shape.length - 1];
    if (channels == null) fail(`LayerScale '${this.name}'`, `the channel axis must be known; got [${shape.join(', ')}]`);
    this.gamma = this.addWeight('scale', [channels], 'float32', initializers.constant({ value: this.initValue }));
    this.built = true;
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    return tidy(() => mul(singleInput(inputs), this.gamma!.read()));
  }

  override getConfig(): serialization.ConfigDict {
    return { initValue: this.initValue, ...super.getConfig() };
  }
}

/**
 * `[B, H, W, C]` -> `[B, ceil(H/2), ceil(W/2), 4C]` with channel blocks in Swin's order, pixel offsets (row, col)
 * (0,0), (1,0), (0,1), (1,1); odd sides are zero-padded at the bottom/right first. `tf.spaceToDepth` orders
 * (0,0), (0,1), (1,0), (1,1) instead, which would scramble the checkpoint's norm and reduction weights.
 */
export class SwinPatchGather extends layers.Layer {
  static className = 'SwinPatchGather';

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [b, h, w, c] = singleShape(inputShape);
    const half = (n: number | null | undefined) => (n == null ? null : Math.ceil(n / 2));
    return [b ?? null, half(h), half(w), c == null ? null : 4 * c];
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    return tidy(() => {
      let x = singleInput(inputs);
      if (x.rank !== 4) fail(`SwinPatchGather '${this.name}'`, `input must be [B, H, W, C]; got [${x.shape.join(', ')}]`);
      const [, h, w] = x.shape as [number, number, number, number];
      if (h % 2 === 1 || w % 2 === 1) x = pad(x, [[0, 0], [0, h % 2], [0, w % 2], [0, 0]]);
      const [b, hp, wp, c] = x.shape as [number, number, number, number];
      // [B, h, row, w, col, C] -> [B, h, w, col, row, C]: the row offset varies fastest, as Swin concatenates.
      // (Reshape and transpose have gradients in tfjs; stridedSlice has none.)
      const split = reshape(x, [b, hp / 2, 2, wp / 2, 2, c]);
      return reshape(transpose(split, [0, 1, 3, 4, 2, 5]), [b, hp / 2, wp / 2, 4 * c]);
    });
  }
}

serialization.registerClass(LayerScale);
serialization.registerClass(SwinPatchGather);
