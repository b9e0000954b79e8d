// SPDX-License-Identifier: MIT
// Configurations of the NAT family (SHI-Labs/Neighborhood-Attention-Transformer classification/nat.py,
// dinat.py, dinats.py, isotropic.py): camelCase fields with upstream's defaults, upstream's kwargs, and the
// checks that need the input size (every NA window must fit its feature map, unless padInput is on).
import { fail } from '../errors.js';
import type { UpstreamKwargs } from '../config_kwargs.js';

/** Fields every NAT-family model has. */
interface NATCommonConfig {
  /** Side of the square input in pixels (the layer shapes are fixed at build time); default 224. */
  imgSize?: number;
  /** Input channels; default 3. */
  inChannels?: number;
  embedDim: number;
  /** Hidden width of each MLP is `floor(dim * mlpRatio)`. */
  mlpRatio: number;
  numClasses: number;
  kernelSize: number;
  /** Bias on the qkv projections; default true. */
  qkvBias?: boolean;
  /** Dropout after the tokenizer and in the MLPs/attention output while training; default 0. */
  dropRate?: number;
  /** Dropout on the attention weights while training; default 0. */
  attnDropRate?: number;
  /** Largest stochastic-depth rate, spread linearly over all blocks from 0. */
  dropPathRate: number;
  /** NATTEN <= 0.15's zero padding of feature maps smaller than a window, instead of an error; default false. */
  padInput?: boolean;
}

/** NAT and DiNAT (`class DiNAT(NAT): pass`): conv tokenizer, 4 levels, conv downsamplers. */
export interface NATConfig extends NATCommonConfig {
  depths: readonly number[];
  numHeads: readonly number[];
  /** Per level, per block; null = 1 everywhere (NAT). */
  dilations?: readonly (readonly number[])[] | null;
  /** Initial value of the per-channel layer scale (`gamma1`, `gamma2`); null = none. */
  layerScale?: number | null;
}

/** DiNAT_s: Swin-style patch embedding and patch merging. */
export interface DiNATsConfig extends NATCommonConfig {
  patchSize?: number;
  depths: readonly number[];
  numHeads: readonly number[];
  dilations?: readonly (readonly number[])[] | null;
}

export type IsotropicAttention = 'neighborhood' | 'full';

/** Isotropic NAT / DiNAT / ViT-rpb: one resolution, `depth` layers; odd layers (0-based) use `dilation`. */
export interface IsotropicConfig extends Omit<NATCommonConfig, 'kernelSize'> {
  patchSize?: number;
  depth: number;
  numHeads: number;
  /** `neighborhood` (NATransformerLayer) or `full` attention with a map-sized rpb (VisionTransformerLayer). */
  attention: IsotropicAttention;
  /** NA window; ignored (null) for full attention. */
  kernelSize?: number | null;
  dilation?: number | null;
}

// === Upstream kwargs ===

const COMMON_KWARGS = {
  in_chans: 'inChannels',
  num_classes: 'numClasses',
  embed_dim: 'embedDim',
  mlp_ratio: 'mlpRatio',
  kernel_size: 'kernelSize',
  qkv_bias: 'qkvBias',
  drop_rate: 'dropRate',
  attn_drop_rate: 'attnDropRate',
  drop_path_rate: 'dropPathRate',
} as const;

export const NAT_KWARGS = {
  ...COMMON_KWARGS,
  depths: 'depths',
  num_heads: 'numHeads',
  dilations: 'dilations',
  layer_scale: 'layerScale',
} as const satisfies Record<string, keyof NATConfig>;

export const DINATS_KWARGS = {
  ...COMMON_KWARGS,
  patch_size: 'patchSize',
  depths: 'depths',
  num_heads: 'numHeads',
  dilations: 'dilations',
} as const satisfies Record<string, keyof DiNATsConfig>;

/** Upstream `layer` (a class) is accepted as its name and becomes `attention`. */
export const ISOTROPIC_KWARGS = {
  ...COMMON_KWARGS,
  img_size: 'imgSize',
  patch_size: 'patchSize',
  depth: 'depth',
  num_heads: 'numHeads',
  dilation: 'dilation',
  layer: 'attention',
} as const satisfies Record<string, keyof IsotropicConfig>;

export type NATKwargs = UpstreamKwargs<typeof NAT_KWARGS, NATConfig>;
export type DiNATsKwargs = UpstreamKwargs<typeof DINATS_KWARGS, DiNATsConfig>;
export type IsotropicKwargs = Omit<UpstreamKwargs<typeof ISOTROPIC_KWARGS, IsotropicConfig>, 'layer'> & {
  layer?: 'NATransformerLayer' | 'VisionTransformerLayer' | IsotropicAttention;
};

const COMMON_FIELDS = [
  'imgSize', 'inChannels', 'embedDim', 'mlpRatio', 'numClasses', 'kernelSize', 'qkvBias', 'dropRate', 'attnDropRate',
  'dropPathRate', 'padInput',
] as const;
export const NAT_FIELDS = [...COMMON_FIELDS, 'depths', 'numHeads', 'dilations', 'layerScale'] as const satisfies readonly (keyof NATConfig)[];
export const DINATS_FIELDS = [...COMMON_FIELDS, 'patchSize', 'depths', 'numHeads', 'dilations'] as const satisfies readonly (keyof DiNATsConfig)[];
export const ISOTROPIC_FIELDS = [...COMMON_FIELDS, 'patchSize', 'depth', 'numHeads', 'attention', 'dilation'] as const satisfies readonly (keyof IsotropicConfig)[];

/** Upstream's `layer` class names for our `attention` values. */
export function isotropicAttention(where: string, value: unknown): IsotropicAttention {
  if (value === 'NATransformerLayer' || value === 'neighborhood') return 'neighborhood';
  if (value === 'VisionTransformerLayer' || value === 'full') return 'full';
  return fail(where, `attention (upstream 'layer') must be 'neighborhood' / 'NATransformerLayer' or 'full' / 'VisionTransformerLayer'; got ${JSON.stringify(value)}`);
}

// === Validation ===

export function checkInteger(where: string, key: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) fail(where, `${key} must be an integer >= ${min}; got ${JSON.stringify(value)}`);
  return value;
}

export function checkRate(where: string, key: string, value: unknown): number {
  if (typeof value !== 'number' || !(value >= 0 && value < 1)) fail(where, `${key} must be a rate in [0, 1); got ${JSON.stringify(value)}`);
  return value;
}

function checkList(where: string, key: string, value: unknown, length?: number): number[] {
  if (!Array.isArray(value) || value.length === 0 || (length !== undefined && value.length !== length)) {
    fail(where, `${key} must be a list of ${length ?? 'one or more'} integers; got ${JSON.stringify(value)}`);
  }
  return value.map((v, i) => checkInteger(where, `${key}[${i}]`, v, 1));
}

export type Resolved<T> = { [K in keyof T]-?: Exclude<T[K], undefined> };

export interface ResolvedCommon extends Resolved<Omit<NATCommonConfig, 'dropPathRate'>> {
  dropPathRate: number;
}

export function resolveCommon(where: string, c: NATCommonConfig): ResolvedCommon {
  const resolved: ResolvedCommon = {
    imgSize: checkInteger(where, 'imgSize', c.imgSize ?? 224, 1),
    inChannels: checkInteger(where, 'inChannels', c.inChannels ?? 3, 1),
    embedDim: checkInteger(where, 'embedDim', c.embedDim, 1),
    mlpRatio: c.mlpRatio,
    numClasses: checkInteger(where, 'numClasses', c.numClasses, 0),
    kernelSize: c.kernelSize,
    qkvBias: c.qkvBias ?? true,
    dropRate: checkRate(where, 'dropRate', c.dropRate ?? 0),
    attnDropRate: checkRate(where, 'attnDropRate', c.attnDropRate ?? 0),
    dropPathRate: checkRate(where, 'dropPathRate', c.dropPathRate),
    padInput: c.padInput === true,
  };
  if (typeof resolved.mlpRatio !== 'number' || !(resolved.mlpRatio > 0)) fail(where, `mlpRatio must be a positive number; got ${JSON.stringify(resolved.mlpRatio)}`);
  return resolved;
}

export interface ResolvedHierarchical extends ResolvedCommon {
  depths: number[];
  numHeads: number[];
  /** Per level, per block. */
  dilations: number[][];
}

/** Depths, heads and dilations of a 4-level (or n-level) model, checked against each other. */
export function resolveLevels(where: string, c: NATConfig | DiNATsConfig): ResolvedHierarchical {
  const common = resolveCommon(where, c);
  checkInteger(where, 'kernelSize', c.kernelSize, 2);
  if (c.kernelSize % 2 === 0) fail(where, `kernelSize must be odd (the relative positional bias needs a centre); got ${c.kernelSize}`);
  const depths = checkList(where, 'depths', c.depths);
  const numHeads = checkList(where, 'numHeads', c.numHeads, depths.length);
  const dilations = depths.map((depth, level) => {
    const row = c.dilations?.[level];
    if (c.dilations == null) return new Array<number>(depth).fill(1);
    return checkList(where, `dilations[${level}]`, row, depth);
  });
  if (c.dilations != null && c.dilations.length !== depths.length) {
    fail(where, `dilations must have one list per level (${depths.length}); got ${c.dilations.length}`);
  }
  numHeads.forEach((heads, level) => {
    const dim = common.embedDim * 2 ** level;
    if (dim % heads !== 0) fail(where, `level ${level} width ${dim} is not divisible by numHeads[${level}] = ${heads}`);
  });
  return { ...common, depths, numHeads, dilations };
}

/**
 * Every NA window must fit its feature map (NATTEN 0.17: `kernelSize * dilation <= size`), unless padInput.
 * `sizes[level]` is that level's map side.
 */
export function checkWindows(where: string, c: { padInput: boolean; kernelSize: number; imgSize: number }, sizes: number[], dilations: number[][]): void {
  if (c.padInput) return;
  dilations.forEach((row, level) => {
    row.forEach((d, block) => {
      const window = c.kernelSize * d;
      const size = sizes[level]!;
      if (window > size) {
        fail(
          where,
          `level ${level} block ${block}: the ${size}x${size} feature map (imgSize ${c.imgSize}) is smaller than ` +
            `kernelSize*dilation = ${c.kernelSize}*${d} = ${window}; use a larger imgSize, or padInput: true for NATTEN <= 0.15's zero padding`,
        );
      }
    });
  });
}
