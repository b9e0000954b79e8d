// SPDX-License-Identifier: MIT
// Kernel names and their input/attribute contracts (tfjs kernel_names.ts pattern). Every kernel works on the
// 2-D heads-last layout; 1-D ops run as 2-D problems with a height-1 axis and kernel 1.
import type { NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { NAKernelAttrs } from './na_args.js';

export const NeighborhoodAttentionQK = 'NeighborhoodAttentionQK';
export const NeighborhoodAttentionAV = 'NeighborhoodAttentionAV';
export const NeighborhoodAttentionFused = 'NeighborhoodAttentionFused';
export const NeighborhoodAttentionQKBackpropQuery = 'NeighborhoodAttentionQKBackpropQuery';
export const NeighborhoodAttentionQKBackpropKey = 'NeighborhoodAttentionQKBackpropKey';
export const NeighborhoodAttentionQKBackpropRpb = 'NeighborhoodAttentionQKBackpropRpb';
export const NeighborhoodAttentionAVBackpropAttn = 'NeighborhoodAttentionAVBackpropAttn';
export const NeighborhoodAttentionAVBackpropValue = 'NeighborhoodAttentionAVBackpropValue';
export const NeighborhoodAttentionLogSumExp = 'NeighborhoodAttentionLogSumExp';
export const NeighborhoodAttentionFusedBackpropQuery = 'NeighborhoodAttentionFusedBackpropQuery';
export const NeighborhoodAttentionFusedBackpropKey = 'NeighborhoodAttentionFusedBackpropKey';
export const NeighborhoodAttentionFusedBackpropValue = 'NeighborhoodAttentionFusedBackpropValue';
export const NeighborhoodAttentionFusedBackpropRpb = 'NeighborhoodAttentionFusedBackpropRpb';

/** q, k, v, out: `[B, H, W, heads, D]`; logits/attn: `[B, H, W, heads, k0*k1]`; rpb: `[heads, 2k0-1, 2k1-1]`. */
export interface NAQKInputs extends NamedTensorInfoMap {
  query: TensorInfo;
  key: TensorInfo;
  rpb?: TensorInfo;
}
export interface NAAVInputs extends NamedTensorInfoMap {
  attn: TensorInfo;
  value: TensorInfo;
}
/**
 * `rpb` is always present so that its gradient can save it; an empty `[0]` tensor means no bias. With the
 * `withLogSumExp` attribute the kernel may return `[out, lse]` (lse `[B, *S, heads]`).
 */
export interface NAFusedInputs extends NamedTensorInfoMap {
  query: TensorInfo;
  key: TensorInfo;
  value: TensorInfo;
  rpb: TensorInfo;
}
/** dq = scale * AV(dLogits, key). */
export interface NAQKBackpropQueryInputs extends NamedTensorInfoMap {
  dLogits: TensorInfo;
  key: TensorInfo;
}
/** dk = scale * inverse-AV(dLogits, query). */
export interface NAQKBackpropKeyInputs extends NamedTensorInfoMap {
  dLogits: TensorInfo;
  query: TensorInfo;
}
/** drpb = sum of dLogits per bias entry. */
export interface NAQKBackpropRpbInputs extends NamedTensorInfoMap {
  dLogits: TensorInfo;
}
/** dattn = QK(dOut, value), 0 in masked slots. */
export interface NAAVBackpropAttnInputs extends NamedTensorInfoMap {
  dOut: TensorInfo;
  value: TensorInfo;
}
/** dv = inverse-AV(attn, dOut). */
export interface NAAVBackpropValueInputs extends NamedTensorInfoMap {
  attn: TensorInfo;
  dOut: TensorInfo;
}

/** lse `[B, *S, heads]` of the fused kernel's softmax, recomputed from q, k and rpb. */
export interface NALogSumExpInputs extends NamedTensorInfoMap {
  query: TensorInfo;
  key: TensorInfo;
  rpb: TensorInfo;
}
/** The fused backward kernels (dq, dk, dv, drpb) recompute attention from `lse`; `delta` = sum(dOut * out, -1). */
export interface NAFusedBackpropInputs extends NAFusedInputs {
  lse: TensorInfo;
  delta: TensorInfo;
  dOut: TensorInfo;
}

export type { NAKernelAttrs };

/** Exact (erf) GELU, `x Φ(x)`: input `x`, output of its shape. */
export const GeluErf = 'GeluErf';
/** `(x - μ) / √(σ² + epsilon) * gamma + beta` over the last axis: inputs `x`, `gamma` and `beta` `[C]`. */
export const LayerNormLastAxis = 'LayerNormLastAxis';

export interface GeluErfInputs extends NamedTensorInfoMap {
  x: TensorInfo;
}
export interface LayerNormInputs extends NamedTensorInfoMap {
  x: TensorInfo;
  gamma: TensorInfo;
  beta: TensorInfo;
}
export interface LayerNormAttrs {
  epsilon: number;
}

/** nn.Linear over the last axis at inference (ops/linear.ts). */
export const Linear = 'Linear';
/** x `[..., C]`, kernel `[C, U]`, bias `[U]` or an empty `[0]` tensor for none. Output `[..., U]`. */
export interface LinearInputs extends NamedTensorInfoMap {
  x: TensorInfo;
  kernel: TensorInfo;
  bias: TensorInfo;
}
export interface LinearAttrs {
  /** Widths of consecutive column blocks returned as separate outputs (`[..., width]` each); [] for one output. */
  splits: number[];
}

/** nn.Conv2d with equal zero padding on every side, at inference (ops/conv2d.ts). */
export const PaddedConv2D = 'PaddedConv2D';
/** x `[B, H, W, Cin]`, filter `[k, k, Cin, Cout]`, bias `[Cout]` or an empty `[0]` tensor for none. */
export interface PaddedConv2DInputs extends NamedTensorInfoMap {
  x: TensorInfo;
  filter: TensorInfo;
  bias: TensorInfo;
}
export interface PaddedConv2DAttrs {
  strides: number;
  pad: number;
  activation: 'linear' | 'relu';
}

/** Full self-attention over a token sequence (ops/self_attention.ts). */
export const FusedSelfAttention = 'FusedSelfAttention';
/**
 * qkv `[B, N, 3C]`: columns `[q | k | v]`, each `heads` blocks of `C / heads`; bias `[heads, N, N]`, or an empty
 * `[0]` tensor for none (always present so that its gradient can save it). Output `[B, N, C]`, heads merged.
 */
export interface SelfAttentionInputs extends NamedTensorInfoMap {
  qkv: TensorInfo;
  bias: TensorInfo;
}
export interface SelfAttentionAttrs {
  heads: number;
  scale: number;
}
