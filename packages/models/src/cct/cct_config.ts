// SPDX-License-Identifier: MIT
// Configurations of CCT, CVT and ViT-Lite (SHI-Labs/Compact-Transformers `src/cct.py`, `cvt.py`, `vit.py`):
// camelCase fields with upstream's defaults, their validation, and the translation from upstream's
// constructor kwargs (`embedding_dim`, `n_conv_layers`, ...) so upstream configurations build as they are.
import { fail } from '../errors.js';
import { paddedOutputSize } from '../layers/padded_output_size.js';
import { translateKwargs } from '../config_kwargs.js';
import type { UpstreamKwargs } from '../config_kwargs.js';

export { translateKwargs };
export type { UpstreamKwargs };

export type PositionalEmbeddingType = 'learnable' | 'sine' | 'none';

// === Config ===

/** The `TransformerClassifier` part shared by the three families. */
export interface TransformerClassifierConfig {
  /** Side of the square input image in pixels; fixes the token count (and so the positional table). */
  imgSize: number;
  /** Input channels; default 3. */
  inChannels?: number;
  /** Token width C (upstream `embedding_dim`). */
  embedDim: number;
  /** Number of encoder layers (upstream `num_layers`). */
  numLayers: number;
  /** Attention heads; `embedDim` must be divisible by it. */
  numHeads: number;
  /** Feed-forward width is `floor(embedDim * mlpRatio)`. */
  mlpRatio: number;
  /** Classes of the `fc` head. */
  numClasses: number;
  /**
   * `learnable` table, fixed `sine` table (a non-trainable weight, as upstream keeps it a Parameter), or `none`.
   * Unlike upstream, which silently maps unknown strings to `sine`, anything else is an error.
   */
  positionalEmbedding: PositionalEmbeddingType;
  /** Dropout after the embedding and inside the MLP and attention output while training; default 0. */
  dropRate?: number;
  /** Dropout on the attention weights while training; default 0.1. */
  attnDropRate?: number;
  /** Largest stochastic-depth rate; layer i gets `dropPathRate * i / (numLayers - 1)`; default 0.1. */
  dropPathRate?: number;
}

/** CCT: a convolutional tokenizer, `numConvLayers` x [conv (no bias) -> ReLU -> max-pool]. */
export interface CCTConfig extends TransformerClassifierConfig {
  /** Tokenizer conv kernel size. */
  kernelSize: number;
  /** Tokenizer depth; intermediate convs are `inPlanes` wide, the last one `embedDim`. */
  numConvLayers: number;
  /** Conv stride; default `max(1, floor(kernelSize / 2) - 1)` (upstream `_cct`: 3 -> 1, 7 -> 2). */
  stride?: number | null;
  /** Symmetric conv zero padding; default `max(1, floor(kernelSize / 2))` (3 -> 1, 7 -> 3). */
  padding?: number | null;
  /** Max-pool window; default 3. */
  poolKernelSize?: number;
  /** Max-pool stride; default 2. */
  poolStride?: number;
  /** Symmetric max-pool padding; default 1. */
  poolPadding?: number;
  /** Width of the intermediate tokenizer convs; default 64 (fixed upstream, whatever `embedDim`). */
  inPlanes?: number;
}

/** CVT and ViT-Lite: one `kernelSize` x `kernelSize` conv with bias, stride = kernel, no padding. */
export interface PatchTransformerConfig extends TransformerClassifierConfig {
  /** Patch size; must divide `imgSize`. */
  kernelSize: number;
}

export type CVTConfig = PatchTransformerConfig;
export type ViTLiteConfig = PatchTransformerConfig;

export type ResolvedTransformerConfig = Required<TransformerClassifierConfig>;
export type ResolvedCCTConfig = Required<{ [K in keyof CCTConfig]: NonNullable<CCTConfig[K]> }>;
export type ResolvedPatchConfig = Required<PatchTransformerConfig>;

// === Validation ===

function checkInteger(where: string, key: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    fail(where, `${key} must be an integer >= ${min}; got ${JSON.stringify(value)}`);
  }
  return value;
}

function checkRate(where: string, key: string, value: unknown): number {
  if (typeof value !== 'number' || !(value >= 0 && value < 1)) fail(where, `${key} must be a rate in [0, 1); got ${JSON.stringify(value)}`);
  return value;
}

function resolveClassifier(where: string, config: TransformerClassifierConfig): ResolvedTransformerConfig {
  const resolved: ResolvedTransformerConfig = {
    imgSize: checkInteger(where, 'imgSize', config.imgSize, 1),
    inChannels: checkInteger(where, 'inChannels', config.inChannels ?? 3, 1),
    embedDim: checkInteger(where, 'embedDim', config.embedDim, 1),
    numLayers: checkInteger(where, 'numLayers', config.numLayers, 1),
    numHeads: checkInteger(where, 'numHeads', config.numHeads, 1),
    mlpRatio: config.mlpRatio,
    numClasses: checkInteger(where, 'numClasses', config.numClasses, 1),
    positionalEmbedding: config.positionalEmbedding,
    dropRate: checkRate(where, 'dropRate', config.dropRate ?? 0),
    attnDropRate: checkRate(where, 'attnDropRate', config.attnDropRate ?? 0.1),
    dropPathRate: checkRate(where, 'dropPathRate', config.dropPathRate ?? 0.1),
  };
  if (resolved.embedDim % resolved.numHeads !== 0) {
    fail(where, `embedDim (${resolved.embedDim}) must be divisible by numHeads (${resolved.numHeads})`);
  }
  if (typeof resolved.mlpRatio !== 'number' || !(Math.floor(resolved.embedDim * resolved.mlpRatio) >= 1)) {
    fail(where, `mlpRatio must give a feed-forward width >= 1 (floor(embedDim * mlpRatio)); got mlpRatio ${JSON.stringify(resolved.mlpRatio)}`);
  }
  if (!['learnable', 'sine', 'none'].includes(resolved.positionalEmbedding)) {
    fail(where, `positionalEmbedding must be 'learnable', 'sine' or 'none'; got ${JSON.stringify(resolved.positionalEmbedding)}`);
  }
  return resolved;
}

export function resolveCCTConfig(where: string, config: CCTConfig): ResolvedCCTConfig {
  const kernelSize = checkInteger(where, 'kernelSize', config.kernelSize, 1);
  const resolved: ResolvedCCTConfig = {
    ...resolveClassifier(where, config),
    kernelSize,
    numConvLayers: checkInteger(where, 'numConvLayers', config.numConvLayers, 1),
    stride: checkInteger(where, 'stride', config.stride ?? Math.max(1, Math.floor(kernelSize / 2) - 1), 1),
    padding: checkInteger(where, 'padding', config.padding ?? Math.max(1, Math.floor(kernelSize / 2)), 0),
    poolKernelSize: checkInteger(where, 'poolKernelSize', config.poolKernelSize ?? 3, 1),
    poolStride: checkInteger(where, 'poolStride', config.poolStride ?? 2, 1),
    poolPadding: checkInteger(where, 'poolPadding', config.poolPadding ?? 1, 0),
    inPlanes: checkInteger(where, 'inPlanes', config.inPlanes ?? 64, 1),
  };
  if (resolved.poolPadding * 2 > resolved.poolKernelSize) {
    fail(where, `poolPadding (${resolved.poolPadding}) must be at most half of poolKernelSize (${resolved.poolKernelSize}), as in PyTorch`);
  }
  let size = resolved.imgSize;
  for (let i = 0; i < resolved.numConvLayers; i++) {
    size = paddedOutputSize(size, resolved.kernelSize, resolved.stride, resolved.padding);
    if (size >= 1) size = paddedOutputSize(size, resolved.poolKernelSize, resolved.poolStride, resolved.poolPadding);
    if (size < 1) fail(where, `imgSize ${resolved.imgSize} is too small for ${resolved.numConvLayers} tokenizer stage(s): stage ${i} leaves no pixels`);
  }
  return resolved;
}

export function resolvePatchConfig(where: string, config: PatchTransformerConfig): ResolvedPatchConfig {
  const resolved: ResolvedPatchConfig = {
    ...resolveClassifier(where, config),
    kernelSize: checkInteger(where, 'kernelSize', config.kernelSize, 1),
  };
  if (resolved.imgSize % resolved.kernelSize !== 0) {
    fail(where, `imgSize (${resolved.imgSize}) must be divisible by the patch size kernelSize (${resolved.kernelSize})`);
  }
  return resolved;
}

// === Upstream kwargs ===

const CLASSIFIER_KWARGS = {
  img_size: 'imgSize',
  n_input_channels: 'inChannels',
  embedding_dim: 'embedDim',
  num_layers: 'numLayers',
  num_heads: 'numHeads',
  mlp_ratio: 'mlpRatio',
  num_classes: 'numClasses',
  positional_embedding: 'positionalEmbedding',
  dropout: 'dropRate',
  attention_dropout: 'attnDropRate',
  stochastic_depth: 'dropPathRate',
  kernel_size: 'kernelSize',
} as const;

/** Upstream `CCT` / `_cct` keyword arguments and our field for each. */
export const CCT_KWARGS = {
  ...CLASSIFIER_KWARGS,
  n_conv_layers: 'numConvLayers',
  stride: 'stride',
  padding: 'padding',
  pooling_kernel_size: 'poolKernelSize',
  pooling_stride: 'poolStride',
  pooling_padding: 'poolPadding',
  in_planes: 'inPlanes',
} as const satisfies Record<string, keyof CCTConfig>;

/** Upstream `CVT` / `ViTLite` keyword arguments and our field for each. */
export const PATCH_KWARGS = CLASSIFIER_KWARGS satisfies Record<string, keyof PatchTransformerConfig>;

export type CCTKwargs = UpstreamKwargs<typeof CCT_KWARGS, CCTConfig>;
export type PatchTransformerKwargs = UpstreamKwargs<typeof PATCH_KWARGS, PatchTransformerConfig>;

/** Every field of the CCT config (for translateKwargs and error messages). */
export const CCT_FIELDS = [
  'imgSize', 'inChannels', 'embedDim', 'numLayers', 'numHeads', 'mlpRatio', 'numClasses', 'positionalEmbedding',
  'dropRate', 'attnDropRate', 'dropPathRate', 'kernelSize', 'numConvLayers', 'stride', 'padding', 'poolKernelSize',
  'poolStride', 'poolPadding', 'inPlanes',
] as const satisfies readonly (keyof CCTConfig)[];

/** Every field of the CVT / ViT-Lite config. */
export const PATCH_FIELDS = [
  'imgSize', 'inChannels', 'embedDim', 'numLayers', 'numHeads', 'mlpRatio', 'numClasses', 'positionalEmbedding',
  'dropRate', 'attnDropRate', 'dropPathRate', 'kernelSize',
] as const satisfies readonly (keyof PatchTransformerConfig)[];
