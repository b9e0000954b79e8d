// SPDX-License-Identifier: MIT
// NAT / DiNAT and DiNAT_s as tfjs-layers functional models, NHWC `[B, H, W, C]` -> logits `[B, classes]`.
// Ported from SHI-Labs/Neighborhood-Attention-Transformer classification/nat.py, dinat.py and dinats.py @d334f5b
// ("Neighborhood Attention Transformer", https://arxiv.org/abs/2204.07143; "Dilated Neighborhood Attention
// Transformer", https://arxiv.org/abs/2209.15001).
import { input, layers, model as functionalModel } from '@tensorflow/tfjs-layers';
import type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs-layers';
import { fail } from '../errors.js';
import { apply, classifierHead, conv2d, dropPathRates, dropout, layerNorm, linear, transformerBlock } from './nat_blocks.js';
import { checkInteger, checkWindows, resolveLevels } from './nat_config.js';
import type { DiNATsConfig, NATConfig, ResolvedHierarchical } from './nat_config.js';
import { SwinPatchGather } from './nat_layers.js';

/** `ceil(size / 2)`: a 3x3 stride-2 conv with padding 1, or Swin's padded 2x2 merge. */
const halve = (size: number) => Math.ceil(size / 2);

function levelSizes(first: number, levels: number): number[] {
  const sizes = [first];
  while (sizes.length < levels) sizes.push(halve(sizes[sizes.length - 1]!));
  return sizes;
}

function levels(
  x: SymbolicTensor,
  c: ResolvedHierarchical,
  prefix: 'levels' | 'layers',
  layerScale: number | null,
  downsample: (x: SymbolicTensor, level: number, dim: number) => SymbolicTensor,
): SymbolicTensor {
  const rates = dropPathRates(c.dropPathRate, c.depths.reduce((a, b) => a + b, 0));
  let block = 0;
  c.depths.forEach((depth, level) => {
    const dim = c.embedDim * 2 ** level;
    for (let b = 0; b < depth; b++) {
      x = transformerBlock(`${prefix}.${level}.blocks.${b}`, x, {
        dim,
        numHeads: c.numHeads[level]!,
        mlpRatio: c.mlpRatio,
        qkvBias: c.qkvBias,
        dropRate: c.dropRate,
        attnDropRate: c.attnDropRate,
        dropPath: rates[block++]!,
        kernelSize: c.kernelSize,
        dilation: c.dilations[level]![b]!,
        attention: 'neighborhood',
        layerScale,
        padInput: c.padInput,
      });
    }
    if (level < c.depths.length - 1) x = downsample(x, level, dim);
  });
  return x;
}

export interface ResolvedNATConfig extends ResolvedHierarchical {
  layerScale: number | null;
}

export function resolveNATConfig(where: string, config: NATConfig): ResolvedNATConfig {
  const c = resolveLevels(where, config);
  if (c.embedDim % 2 !== 0) fail(where, `embedDim must be even (the tokenizer's first conv is embedDim/2 wide); got ${c.embedDim}`);
  const layerScale = config.layerScale ?? null;
  checkWindows(where, c, levelSizes(halve(halve(c.imgSize)), c.depths.length), c.dilations);
  return { ...c, layerScale };
}

/**
 * NAT and DiNAT: `patch_embed` (two 3x3 stride-2 convs with bias and no activation between them, LayerNorm),
 * `levels.{i}` of NA blocks with `levels.{i}.downsample` (3x3 stride-2 conv without bias, LayerNorm), then
 * `norm`, mean over tokens, `head`.
 */
export function buildNAT(config: NATConfig, name: string): LayersModel {
  const c = resolveNATConfig(name, config);
  const image = input({ shape: [c.imgSize, c.imgSize, c.inChannels], name: 'image' });
  let x = conv2d('patch_embed.proj.0', image, { filters: c.embedDim / 2, kernelSize: 3, strides: 2, padding: 1, useBias: true });
  x = conv2d('patch_embed.proj.1', x, { filters: c.embedDim, kernelSize: 3, strides: 2, padding: 1, useBias: true });
  x = layerNorm('patch_embed.norm', x);
  x = dropout('pos_drop', c.dropRate, x);
  x = levels(x, c, 'levels', c.layerScale, (y, level, dim) => {
    y = conv2d(`levels.${level}.downsample.reduction`, y, { filters: 2 * dim, kernelSize: 3, strides: 2, padding: 1, useBias: false });
    return layerNorm(`levels.${level}.downsample.norm`, y);
  });
  return functionalModel({ inputs: image, outputs: classifierHead(x, c.numClasses), name });
}

export interface ResolvedDiNATsConfig extends ResolvedHierarchical {
  patchSize: number;
}

export function resolveDiNATsConfig(where: string, config: DiNATsConfig): ResolvedDiNATsConfig {
  const c = resolveLevels(where, config);
  const patchSize = checkInteger(where, 'patchSize', config.patchSize ?? 4, 1);
  checkWindows(where, c, levelSizes(Math.ceil(c.imgSize / patchSize), c.depths.length), c.dilations);
  return { ...c, patchSize };
}

/**
 * DiNAT_s: Swin's `patch_embed` (zero-pad to a multiple of the patch, patch conv with bias, LayerNorm),
 * `layers.{i}` of NA blocks without layer scale, Swin `PatchMerging` (2x2 gather in Swin's channel order,
 * LayerNorm(4C), Linear(4C, 2C) without bias), then `norm`, mean over tokens, `head`.
 */
export function buildDiNATs(config: DiNATsConfig, name: string): LayersModel {
  const c = resolveDiNATsConfig(name, config);
  const image = input({ shape: [c.imgSize, c.imgSize, c.inChannels], name: 'image' });
  const extra = (c.patchSize - (c.imgSize % c.patchSize)) % c.patchSize;
  let x: SymbolicTensor = image;
  if (extra > 0) x = apply(layers.zeroPadding2d({ name: 'patch_embed.pad', padding: [[0, extra], [0, extra]] }), x);
  x = conv2d('patch_embed.proj', x, { filters: c.embedDim, kernelSize: c.patchSize, strides: c.patchSize, padding: 0, useBias: true });
  x = layerNorm('patch_embed.norm', x);
  x = dropout('pos_drop', c.dropRate, x);
  x = levels(x, c, 'layers', null, (y, level, dim) => {
    y = apply(new SwinPatchGather({ name: `layers.${level}.downsample.gather` }), y);
    y = layerNorm(`layers.${level}.downsample.norm`, y);
    return linear(`layers.${level}.downsample.reduction`, 2 * dim, y, { useBias: false });
  });
  return functionalModel({ inputs: image, outputs: classifierHead(x, c.numClasses), name });
}
