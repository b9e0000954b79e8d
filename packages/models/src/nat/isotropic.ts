// SPDX-License-Identifier: MIT
// Isotropic NAT / DiNAT / ViT-rpb (SHI-Labs/Neighborhood-Attention-Transformer classification/isotropic.py,
// NATIsotropic @d334f5b): a 16x16 patch embedding, `depth` blocks at one resolution, mean-pooled head.
import { input, model as functionalModel } from '@tensorflow/tfjs-layers';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { fail } from '../errors.js';
import { classifierHead, conv2d, dropPathRates, dropout, layerNorm, transformerBlock } from './nat_blocks.js';
import { checkInteger, checkWindows, isotropicAttention, resolveCommon } from './nat_config.js';
import type { IsotropicConfig, ResolvedCommon } from './nat_config.js';

export interface ResolvedIsotropicConfig extends Omit<ResolvedCommon, 'kernelSize'> {
  patchSize: number;
  depth: number;
  numHeads: number;
  attention: 'neighborhood' | 'full';
  kernelSize: number;
  dilation: number;
}

export function resolveIsotropicConfig(where: string, config: IsotropicConfig): ResolvedIsotropicConfig {
  const attention = isotropicAttention(where, config.attention);
  const kernelSize = attention === 'full' ? 0 : checkInteger(where, 'kernelSize', config.kernelSize, 2);
  if (attention === 'neighborhood' && kernelSize % 2 === 0) fail(where, `kernelSize must be odd; got ${kernelSize}`);
  const common = resolveCommon(where, { ...config, kernelSize });
  const c: ResolvedIsotropicConfig = {
    ...common,
    patchSize: checkInteger(where, 'patchSize', config.patchSize ?? 16, 1),
    depth: checkInteger(where, 'depth', config.depth, 1),
    numHeads: checkInteger(where, 'numHeads', config.numHeads, 1),
    attention,
    kernelSize,
    dilation: attention === 'full' ? 1 : checkInteger(where, 'dilation', config.dilation ?? 1, 1),
  };
  // Upstream reshapes the patch grid to img_size // patch_size, which only works for divisible sizes.
  if (c.imgSize % c.patchSize !== 0) fail(where, `imgSize (${c.imgSize}) must be a multiple of patchSize (${c.patchSize})`);
  if (c.embedDim % c.numHeads !== 0) fail(where, `embedDim (${c.embedDim}) must be divisible by numHeads (${c.numHeads})`);
  if (attention === 'neighborhood') {
    const dilations = Array.from({ length: c.depth }, (_, i) => (i % 2 === 0 ? 1 : c.dilation));
    checkWindows(where, c, [c.imgSize / c.patchSize], [dilations]);
  }
  return c;
}

/**
 * `patch_embed` (patch conv with bias, LayerNorm), `layers.{i}` (layer i dilated by `dilation` when i is odd;
 * ViT-rpb: full attention with a map-sized rpb), `norm`, mean over tokens, `head`.
 */
export function buildIsotropic(config: IsotropicConfig, name: string): LayersModel {
  const c = resolveIsotropicConfig(name, config);
  const image = input({ shape: [c.imgSize, c.imgSize, c.inChannels], name: 'image' });
  let x = conv2d('patch_embed.proj', image, { filters: c.embedDim, kernelSize: c.patchSize, strides: c.patchSize, padding: 0, useBias: true });
  x = layerNorm('patch_embed.norm', x);
  x = dropout('pos_drop', c.dropRate, x);
  const rates = dropPathRates(c.dropPathRate, c.depth);
  for (let i = 0; i < c.depth; i++) {
    x = transformerBlock(`layers.${i}`, x, {
      dim: c.embedDim,
      numHeads: c.numHeads,
      mlpRatio: c.mlpRatio,
      qkvBias: c.qkvBias,
      dropRate: c.dropRate,
      attnDropRate: c.attnDropRate,
      dropPath: rates[i]!,
      kernelSize: c.kernelSize,
      dilation: i % 2 === 0 ? 1 : c.dilation,
      attention: c.attention,
      layerScale: null,
      padInput: c.padInput,
    });
  }
  return functionalModel({ inputs: image, outputs: classifierHead(x, c.numClasses), name });
}
