// SPDX-License-Identifier: MIT
// ViT-rpb's attention (SHI-Labs/Neighborhood-Attention-Transformer classification/isotropic.py, MHSARPB): full
// self attention over a fixed H x W map plus a learned relative positional bias `rpb [heads, 2H-1, 2W-1]`
// indexed by `(key - query) + size - 1` per axis, added after the scale, as in neighborhood attention. The bias
// table is gathered to `[heads, N, N]` once per call; @natzoo/core's selfAttention does the rest.
import { add, gather, keep, matMul, reshape, serialization, tensor1d, tidy } from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { InputSpec, initializers, layers } from '@tensorflow/tfjs-layers';
import type { LayerVariable, Shape } from '@tensorflow/tfjs-layers';
import { batchDropout, randomSeed, selfAttention } from '@natzoo/core';
import { linearInit } from '@natzoo/core/advanced';
import { fail } from '../errors.js';
import { singleInput, singleShape } from '../layers/layer_args.js';
import type { Kwargs, LayerArgs } from '../layers/layer_args.js';

type DisposeResult = ReturnType<layers.Layer['dispose']>;

export interface GridSelfAttentionRPBArgs extends LayerArgs {
  numHeads: number;
  /** Bias on the qkv projection; default true. */
  qkvBias?: boolean;
  /** Dropout rate on the attention weights while training; default 0. */
  attnDrop?: number;
  /** Dropout rate on the output while training; default 0. */
  projDrop?: number;
}


/** For every (query, key) pair of an `h x w` map, the flat index into an `rpb [2h-1, 2w-1]` table. */
export function relativePositionIndex(h: number, w: number): Int32Array {
  const n = h * w;
  const index = new Int32Array(n * n);
  for (let q = 0; q < n; q++) {
    const [qi, qj] = [Math.floor(q / w), q % w];
    for (let k = 0; k < n; k++) {
      const [ki, kj] = [Math.floor(k / w), k % w];
      index[q * n + k] = (ki - qi + h - 1) * (2 * w - 1) + (kj - qj + w - 1);
    }
  }
  return index;
}

/** `[B, H, W, C]` in and out; weights `qkv/kernel`, `qkv/bias`, `rpb`, `proj/kernel`, `proj/bias`. */
export class GridSelfAttentionRPB extends layers.Layer {
  static className = 'GridSelfAttentionRPB';
  readonly numHeads: number;
  readonly qkvBias: boolean;
  readonly attnDrop: number;
  readonly projDrop: number;
  private w: { qkvKernel: LayerVariable; qkvBias: LayerVariable | null; rpb: LayerVariable; projKernel: LayerVariable; projBias: LayerVariable } | null = null;
  /** The gather index of the bias table, uploaded once at build (not per call); freed with the layer. */
  private index: Tensor | null = null;
  private grid: [number, number, number] = [0, 0, 0];

  constructor(args: GridSelfAttentionRPBArgs) {
    super(args);
    if (!Number.isInteger(args.numHeads) || args.numHeads < 1) fail(this.label, `numHeads must be a positive integer; got ${String(args.numHeads)}`);
    this.numHeads = args.numHeads;
    this.qkvBias = args.qkvBias ?? true;
    this.attnDrop = args.attnDrop ?? 0;
    this.projDrop = args.projDrop ?? 0;
  }

  private get label(): string {
    return `GridSelfAttentionRPB '${this.name}'`;
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = singleShape(inputShape);
    const [, h, w, c] = shape;
    if (shape.length !== 4 || h == null || w == null || c == null) {
      fail(this.label, `input must be [B, H, W, C] with H, W and C known (the bias table is sized by the map); got [${shape.join(', ')}]`);
    }
    if (c % this.numHeads !== 0) fail(this.label, `channels (${c}) must be divisible by numHeads (${this.numHeads})`);
    this.grid = [h, w, c];
    this.index = keep(tensor1d(relativePositionIndex(h, w), 'int32'));
    this.w = {
      qkvKernel: this.addWeight('qkv/kernel', [c, 3 * c], 'float32', linearInit()),
      qkvBias: this.qkvBias ? this.addWeight('qkv/bias', [3 * c], 'float32', initializers.zeros()) : null,
      rpb: this.addWeight('rpb', [this.numHeads, 2 * h - 1, 2 * w - 1], 'float32', linearInit()),
      projKernel: this.addWeight('proj/kernel', [c, c], 'float32', linearInit()),
      projBias: this.addWeight('proj/bias', [c], 'float32', initializers.zeros()),
    };
    this.inputSpec = [new InputSpec({ ndim: 4, axes: { 1: h, 2: w, 3: c } })];
    this.built = true;
  }

  override call(inputs: Tensor | Tensor[], kwargs: Kwargs): Tensor {
    return tidy(() => {
      const x = singleInput(inputs);
      const weights = this.w;
      if (weights === null || this.index === null) fail(this.label, 'called before build()');
      const [h, w, c] = this.grid;
      const heads = this.numHeads;
      const headDim = c / heads;
      const n = h * w;
      const batch = x.shape[0]!;
      const training = kwargs['training'] === true;

      let qkv = matMul(reshape(x, [-1, c]), weights.qkvKernel.read());
      if (weights.qkvBias !== null) qkv = add(qkv, weights.qkvBias.read());
      const bias = reshape(gather(reshape(weights.rpb.read(), [heads, -1]), this.index, 1), [heads, n, n]);
      const attnDrop = training ? this.attnDrop : 0;
      const merged = selfAttention(reshape(qkv, [batch, n, 3 * c]), { heads, scale: headDim ** -0.5, bias, attnDrop });
      let out = add(matMul(reshape(merged, [-1, c]), weights.projKernel.read()), weights.projBias.read());
      if (training && this.projDrop > 0) out = batchDropout(out, this.projDrop, randomSeed());
      return reshape(out, [batch, h, w, c]);
    });
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    return inputShape;
  }

  override dispose(): DisposeResult {
    const result = super.dispose();
    if (result.refCountAfterDispose === 0) {
      this.index?.dispose();
      this.index = null;
    }
    return result;
  }

  override getConfig(): serialization.ConfigDict {
    return { numHeads: this.numHeads, qkvBias: this.qkvBias, attnDrop: this.attnDrop, projDrop: this.projDrop, ...super.getConfig() };
  }
}

serialization.registerClass(GridSelfAttentionRPB);
