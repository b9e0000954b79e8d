// SPDX-License-Identifier: MIT
// Full (global) self-attention over a token sequence, straight from the packed qkv projection: the fused kernel
// where the backend registers one (cpu, wasm, webgpu), the composite elsewhere. It is NA with the window equal to
// the sequence, so setNAImplementation governs it too.
import { engine, getBackend, getKernel, tidy, zeros } from '@tensorflow/tfjs-core';
import type { Tensor, Tensor3D } from '@tensorflow/tfjs-core';
import { batchDropout } from '../batch_noise.js';
import { compositeSelfAttention } from '../composite/self_attention_composite.js';
import { activeNAImplementation } from '../implementation.js';
import { FusedSelfAttention } from '../kernel_names.js';
import type { SelfAttentionAttrs } from '../kernel_names.js';
import { checkScale, checkTensor, fail } from '../na_args.js';
import { randomSeed } from '../random_source.js';

export interface SelfAttentionOptions {
  /** Number of heads; `C` (a third of qkv's last axis) must be divisible by it. */
  heads: number;
  /** Multiplies `q k^T`; default `headDim ** -0.5`. */
  scale?: number;
  /** Added to the scaled logits: `[heads, N, N]` (e.g. a relative position bias gathered per query/key pair). */
  bias?: Tensor;
  /** Dropout rate on the attention weights (training); above 0 the composite runs, which keeps the weights. */
  attnDrop?: number;
}

const op = 'selfAttention';

/** Whether calls now run the fused kernel (false: the composite, forced or for lack of a kernel). */
export function selfAttentionUsesKernel(backendName = getBackend()): boolean {
  return activeNAImplementation() === 'kernels' && getKernel(FusedSelfAttention, backendName) != null;
}

/**
 * softmax(q k^T * scale + bias) v per head, heads split and merged inside: timm's ViT `Attention` between its
 * qkv and proj Linears. Never materialises `[heads, N, N]` attention on the kernels' path; gradients recompute it.
 * @param qkv `[B, N, 3C]`, columns `[q | k | v]`, each `heads` contiguous blocks of `C / heads`
 * @returns `[B, N, C]`, heads concatenated in order
 */
export function selfAttention(qkv: Tensor3D, opts: SelfAttentionOptions): Tensor3D {
  checkTensor(op, 'qkv', qkv, 3, '[B, N, 3C]');
  const { heads, bias, attnDrop = 0 } = opts;
  if (!Number.isInteger(heads) || heads < 1) fail(op, `heads must be a positive integer; got ${String(heads)}`);
  const [, tokens, width] = qkv.shape;
  if (width % (3 * heads) !== 0) fail(op, `qkv's last axis (${width}) must be 3 * heads * headDim with heads = ${heads}`);
  if (bias !== undefined) {
    checkTensor(op, 'bias', bias, 3, '[heads, N, N]');
    if (bias.shape[0] !== heads || bias.shape[1] !== tokens || bias.shape[2] !== tokens) {
      fail(op, `bias shape [${bias.shape.join(', ')}] must be [heads, N, N] = [${heads}, ${tokens}, ${tokens}]`);
    }
  }
  checkScale(op, opts.scale);
  if (!(attnDrop >= 0 && attnDrop < 1)) fail(op, `attnDrop must be a dropout rate in [0, 1); got ${String(attnDrop)}`);
  const scale = opts.scale ?? (width / (3 * heads)) ** -0.5;
  return tidy(() => {
    if (attnDrop > 0 || !selfAttentionUsesKernel()) {
      const drop = attnDrop > 0 ? (weights: Tensor) => batchDropout(weights, attnDrop, randomSeed()) : undefined;
      return compositeSelfAttention(qkv, bias ?? null, heads, scale, drop) as Tensor3D;
    }
    const attrs: SelfAttentionAttrs = { heads, scale };
    return engine().runKernel(FusedSelfAttention, { qkv, bias: bias ?? zeros([0]) }, { ...attrs }) as Tensor3D;
  });
}
