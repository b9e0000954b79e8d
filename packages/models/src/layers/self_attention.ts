// SPDX-License-Identifier: MIT
// Multi-head self attention over a token sequence (timm's ViT `Attention`, which Compact-Transformers copies):
// qkv Linear -> softmax(q k^T * scale) v per head (@natzoo/core's selfAttention: the fused kernel on cpu, wasm
// and webgpu) -> proj Linear. `[B, N, C]` in and out.
import { serialization, tidy } from '@tensorflow/tfjs-core';
import type { Tensor, Tensor2D, Tensor3D } from '@tensorflow/tfjs-core';
import { InputSpec, initializers, layers } from '@tensorflow/tfjs-layers';
import type { LayerVariable, Shape } from '@tensorflow/tfjs-layers';
import { batchDropout, linear, randomSeed, selfAttention } from '@natzoo/core';
import { linearInit } from '@natzoo/core/advanced';
import { fail } from '../errors.js';
import { singleInput, singleShape } from './layer_args.js';
import type { Kwargs, LayerArgs } from './layer_args.js';

export interface MultiHeadSelfAttentionArgs extends LayerArgs {
  /** Number of heads; the channel count must be divisible by it. */
  numHeads: number;
  /** Bias on the qkv projection; default false (CCT's `Attention` has none). */
  qkvBias?: boolean;
  /** Multiplies `q k^T`; default `headDim ** -0.5`. */
  scale?: number | null;
  /** Dropout rate on the attention weights while training; default 0. */
  attnDrop?: number;
  /** Dropout rate on the output while training; default 0. */
  projDrop?: number;
}

interface AttentionWeights {
  qkvKernel: LayerVariable;
  qkvBias: LayerVariable | null;
  projKernel: LayerVariable;
  projBias: LayerVariable;
}

// Upstream `init_weight`: trunc_normal(std 0.02) for Linear weights, zeros for biases.

/**
 * Weights: `qkv/kernel` `[C, 3C]` (PyTorch `qkv.weight` transposed; columns `[q | k | v]`, each `heads`
 * contiguous blocks of `headDim`), optional `qkv/bias` `[3C]`, `proj/kernel` `[C, C]`, `proj/bias` `[C]`.
 */
export class MultiHeadSelfAttention extends layers.Layer {
  static className = 'MultiHeadSelfAttention';
  readonly numHeads: number;
  readonly qkvBias: boolean;
  readonly scale: number | null;
  readonly attnDrop: number;
  readonly projDrop: number;
  private attnWeights: AttentionWeights | null = null;

  constructor(args: MultiHeadSelfAttentionArgs) {
    super(args);
    const where = `MultiHeadSelfAttention '${this.name}'`;
    if (!Number.isInteger(args.numHeads) || args.numHeads < 1) fail(where, `numHeads must be a positive integer; got ${String(args.numHeads)}`);
    for (const key of ['attnDrop', 'projDrop'] as const) {
      const rate = args[key] ?? 0;
      if (!(rate >= 0 && rate < 1)) fail(where, `${key} must be a dropout rate in [0, 1); got ${String(rate)}`);
    }
    this.numHeads = args.numHeads;
    this.qkvBias = args.qkvBias ?? false;
    this.scale = args.scale ?? null;
    this.attnDrop = args.attnDrop ?? 0;
    this.projDrop = args.projDrop ?? 0;
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = singleShape(inputShape);
    const where = `MultiHeadSelfAttention '${this.name}'`;
    const channels = shape[2];
    if (shape.length !== 3 || channels == null) fail(where, `input must be [B, N, C] with C known; got [${shape.join(', ')}]`);
    if (channels % this.numHeads !== 0) fail(where, `channels (${channels}) must be divisible by numHeads (${this.numHeads})`);
    this.attnWeights = {
      qkvKernel: this.addWeight('qkv/kernel', [channels, 3 * channels], 'float32', linearInit()),
      qkvBias: this.qkvBias ? this.addWeight('qkv/bias', [3 * channels], 'float32', initializers.zeros()) : null,
      projKernel: this.addWeight('proj/kernel', [channels, channels], 'float32', linearInit()),
      projBias: this.addWeight('proj/bias', [channels], 'float32', initializers.zeros()),
    };
    this.inputSpec = [new InputSpec({ ndim: 3, axes: { [-1]: channels } })];
    this.built = true;
  }

  override call(inputs: Tensor | Tensor[], kwargs: Kwargs): Tensor {
    return tidy(() => {
      const x = singleInput(inputs);
      const w = this.attnWeights;
      if (w === null) fail(`MultiHeadSelfAttention '${this.name}'`, 'called before build()');
      const training = kwargs['training'] === true;

      // One projection to the packed [B, N, 3C] the op splits into heads itself (columns [q | k | v], each `heads`
      // contiguous blocks of headDim, as upstream's reshape(B, N, 3, heads, headDim)).
      const qkv = linear(x, w.qkvKernel.read() as Tensor2D, w.qkvBias?.read() ?? null) as Tensor3D;
      const attnDrop = training ? this.attnDrop : 0;
      const merged = selfAttention(qkv, { heads: this.numHeads, scale: this.scale ?? undefined, attnDrop });
      const out = linear(merged, w.projKernel.read() as Tensor2D, w.projBias.read());
      return training && this.projDrop > 0 ? batchDropout(out, this.projDrop, randomSeed()) : out;
    });
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    return inputShape;
  }

  override getConfig(): serialization.ConfigDict {
    return {
      numHeads: this.numHeads,
      qkvBias: this.qkvBias,
      scale: this.scale,
      attnDrop: this.attnDrop,
      projDrop: this.projDrop,
      ...super.getConfig(),
    };
  }
}

serialization.registerClass(MultiHeadSelfAttention);
