// SPDX-License-Identifier: MIT
// StyleNAT generator and discriminator configurations (SHI-Labs/StyleNAT `models/generator.py`,
// `models/discriminator.py`, `conf/runs/ffhq_256.yaml`): camelCase fields with upstream's defaults, the FFHQ
// presets, upstream kwarg names for `--config`, and the per-layer plan both the model and the converter follow.
import { fail } from '../errors.js';
import { translateKwargs } from '../config_kwargs.js';

export interface StyleNATConfig {
  /** Output side in pixels, a power of two >= 8. */
  size: number;
  /** Width of z and w (upstream `style_dim`). */
  styleDim: number;
  /** Mapping-network depth (`n_mlp`). */
  nMlp: number;
  /** Learning-rate multiplier of the mapping layers (`lr_mlp`). */
  lrMlp: number;
  channelMultiplier: number;
  mlpRatio: number;
  minHeads: number;
  qkvBias: boolean;
  /** Query scale; null = `headDim ** -0.5`. */
  qkScale: number | null;
  /** Kernel sizes per resolution 4, 8, 16, ...; one entry per head split. The 4x4 entry is unused (full attention). */
  kernels: number[][];
  /** Dilations per resolution, as `kernels`. */
  dilations: number[][];
  /**
   * Released FFHQ checkpoints: heads split in two halves with `attn.rpb0` / `attn.rpb1` (upstream
   * `NeighborhoodAttentionSplitHead`). False: upstream's Hydra NA with `attn.rpb.<i>`, one split per list entry.
   */
  legacy: boolean;
  /** Channels per resolution 4, 8, ..., 1024; default upstream's `[512 x4, 256cm, 128cm, 64cm, 32cm, 16cm]`. */
  channels?: number[] | null;
}

export interface StyleNATDiscriminatorConfig {
  size: number;
  channelMultiplier: number;
  blurKernel: number[];
  /** Spectral-normalised convs/linears (`sn: True` in the FFHQ config) instead of equalised ones. */
  sn: boolean;
  /** Channels by resolution (keys 4 .. 1024); default upstream's. */
  channels?: Record<number, number> | null;
}

const FFHQ_KERNELS = [[3], [7], [7], [7], [7], [7], [7], [7], [7]];
const FFHQ_DILATIONS = [[1], [1], [1, 2], [1, 4], [1, 8], [1, 16], [1, 32], [1, 64], [1, 128]];

/** `conf/runs/ffhq_256.yaml` with `legacy` as the released checkpoint needs it. */
export const STYLENAT_FFHQ256: Readonly<StyleNATConfig> = {
  size: 256, styleDim: 512, nMlp: 8, lrMlp: 0.01, channelMultiplier: 2, mlpRatio: 4, minHeads: 4, qkvBias: true,
  qkScale: null, kernels: FFHQ_KERNELS, dilations: FFHQ_DILATIONS, legacy: true,
};

/** FFHQ-1024: no config upstream; the same lists reproduce the README's 49.45M parameters. */
export const STYLENAT_FFHQ1024: Readonly<StyleNATConfig> = { ...STYLENAT_FFHQ256, size: 1024 };

export const STYLENAT_DISCRIMINATOR_FFHQ256: Readonly<StyleNATDiscriminatorConfig> = {
  size: 256, channelMultiplier: 2, blurKernel: [1, 3, 3, 1], sn: true,
};

export const STYLENAT_PRESETS = { ffhq256: STYLENAT_FFHQ256, ffhq1024: STYLENAT_FFHQ1024 } as const;
export type StyleNATPreset = keyof typeof STYLENAT_PRESETS;

/** Upstream generator kwarg -> our field (`conf/runs/*.yaml` `generator:` section, plus `size`, `legacy`). */
const GENERATOR_KWARGS: Record<string, keyof StyleNATConfig & string> = {
  style_dim: 'styleDim', n_mlp: 'nMlp', lr_mlp: 'lrMlp', channel_multiplier: 'channelMultiplier', mlp_ratio: 'mlpRatio',
  min_heads: 'minHeads', qkv_bias: 'qkvBias', qk_scale: 'qkScale', in_channels: 'channels',
};
/** Training-only or Swin-only upstream keys that do not change a NAT generator. */
const GENERATOR_IGNORED = new Set(['block_type', 'use_checkpoint', 'proj_drop', 'attn_drop', 'enable_full_resolution', 'lr', 'reg_every', 'params']);
const GENERATOR_FIELDS: readonly (keyof StyleNATConfig & string)[] = [
  'size', 'styleDim', 'nMlp', 'lrMlp', 'channelMultiplier', 'mlpRatio', 'minHeads', 'qkvBias', 'qkScale', 'kernels',
  'dilations', 'legacy', 'channels',
];

/** Applies overrides with our names or upstream's (`style_dim`, `kernels`, ...) to `base`, then validates. */
export function resolveStyleNATConfig(where: string, base: Readonly<StyleNATConfig>, overrides: Record<string, unknown> = {}): StyleNATConfig {
  if (overrides.block_type !== undefined && overrides.block_type !== 'nat') fail(where, `block_type ${JSON.stringify(overrides.block_type)}: only 'nat' is ported`);
  const config: StyleNATConfig = { ...base, ...translateKwargs<StyleNATConfig>(where, overrides, GENERATOR_KWARGS, GENERATOR_FIELDS, GENERATOR_IGNORED) };
  generatorPlan(where, config);
  return config;
}

// === Per-layer plan ===

/** One head split of an attention module: its heads, window and the state_dict name of its RPB. */
export interface HeadSplit {
  heads: number;
  kernelSize: number;
  dilation: number;
  rpbKey: string;
}

export interface GeneratorLayerPlan {
  index: number;
  resolution: number;
  dim: number;
  heads: number;
  /** Output channels of the bilinear upsample; null for the last layer (no upsample). */
  outDim: number | null;
  /** `mhsa`: the 4x4 layer's full attention with a `[heads, 7, 7]` RPB; else NA head splits. */
  attention: { kind: 'mhsa' } | { kind: 'na'; splits: HeadSplit[] };
}

const isPowerOfTwo = (n: number) => Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;

function defaultChannels(cm: number): number[] {
  return [512, 512, 512, 512, 256 * cm, 128 * cm, 64 * cm, 32 * cm, 16 * cm];
}

function splitsFor(where: string, cfg: StyleNATConfig, i: number, heads: number, resolution: number): HeadSplit[] {
  let kernels = cfg.kernels[i];
  let dilations = cfg.dilations[i];
  if (kernels === undefined || dilations === undefined) fail(where, `kernels/dilations have no entry for resolution ${resolution} (index ${i})`);
  let splits: HeadSplit[];
  if (cfg.legacy) {
    // NATLayer(legacy=True): one-entry lists serve both halves; halves are heads // 2 each.
    const ks = kernels.length === 1 ? [kernels[0]!, kernels[0]!] : kernels;
    const ds = dilations.length === 1 ? [dilations[0]!, dilations[0]!] : dilations;
    if (ks.length !== 2 || ds.length !== 2) fail(where, `legacy split-head NA takes 1 or 2 kernels/dilations; got ${JSON.stringify(kernels)} / ${JSON.stringify(dilations)} at ${resolution}px`);
    if (heads % 2 !== 0) fail(where, `legacy split-head NA needs an even head count; got ${heads} at ${resolution}px`);
    splits = [0, 1].map((p) => ({ heads: heads / 2, kernelSize: ks[p]!, dilation: ds[p]!, rpbKey: `rpb${p}` }));
  } else {
    // HydraNeighborhoodAttention: broadcast a one-entry list; uneven heads give the last splits one more each.
    if (kernels.length === 1 && dilations.length !== 1) kernels = dilations.map(() => kernels![0]!);
    else if (dilations.length === 1 && kernels.length !== 1) dilations = kernels.map(() => dilations![0]!);
    if (kernels.length !== dilations.length) fail(where, `kernels ${JSON.stringify(kernels)} and dilations ${JSON.stringify(dilations)} differ in length at ${resolution}px`);
    const n = kernels.length;
    const base = Math.floor(heads / n);
    const extra = heads - base * n;
    splits = kernels.map((k, p) => ({ heads: base + (p >= n - extra ? 1 : 0), kernelSize: k, dilation: dilations![p]!, rpbKey: `rpb.${p}` }));
  }
  for (const s of splits) {
    if (!(Number.isInteger(s.kernelSize) && s.kernelSize > 1 && s.kernelSize % 2 === 1)) fail(where, `kernel size ${s.kernelSize} at ${resolution}px: expected an odd integer > 1`);
    if (!(Number.isInteger(s.dilation) && s.dilation >= 1)) fail(where, `dilation ${s.dilation} at ${resolution}px: expected an integer >= 1`);
    if (s.kernelSize * s.dilation > resolution) fail(where, `kernel ${s.kernelSize} x dilation ${s.dilation} exceeds the ${resolution}px map`);
    if (s.heads < 1) fail(where, `${heads} heads cannot be split ${splits.length} ways at ${resolution}px`);
  }
  return splits;
}

/** The layer-by-layer architecture `config` describes (throws with the offending value when it cannot be built). */
export function generatorPlan(where: string, cfg: StyleNATConfig): GeneratorLayerPlan[] {
  if (!(isPowerOfTwo(cfg.size) && cfg.size >= 8 && cfg.size <= 1024)) fail(where, `size ${cfg.size}: expected a power of two in 8..1024`);
  for (const [name, v] of [['styleDim', cfg.styleDim], ['nMlp', cfg.nMlp], ['minHeads', cfg.minHeads]] as const) {
    if (!(Number.isInteger(v) && v > 0)) fail(where, `${name} ${v}: expected a positive integer`);
  }
  if (!(cfg.lrMlp > 0)) fail(where, `lrMlp ${cfg.lrMlp}: expected > 0`);
  if (!(cfg.mlpRatio > 0)) fail(where, `mlpRatio ${cfg.mlpRatio}: expected > 0`);
  const channels = cfg.channels ?? defaultChannels(cfg.channelMultiplier);
  const end = Math.log2(cfg.size);
  if (channels.length < end - 1) fail(where, `channels ${JSON.stringify(channels)}: need ${end - 1} entries for ${cfg.size}px`);
  const plan: GeneratorLayerPlan[] = [];
  for (let r = 2; r <= end; r++) {
    const i = r - 2;
    const resolution = 2 ** r;
    const dim = channels[i]!;
    const heads = Math.max(Math.floor(dim / 32), cfg.minHeads);
    if (!(Number.isInteger(dim) && dim > 0 && dim % heads === 0)) fail(where, `${dim} channels at ${resolution}px do not divide into ${heads} heads`);
    const outDim = r < end ? channels[i + 1]! : null;
    if (outDim !== null && outDim % 4 !== 0) fail(where, `${outDim} channels after ${resolution}px: the 2-D sinusoidal embedding needs a multiple of 4`);
    const attention = resolution === 4 ? { kind: 'mhsa' as const } : { kind: 'na' as const, splits: splitsFor(where, cfg, i, heads, resolution) };
    plan.push({ index: i, resolution, dim, heads, outDim, attention });
  }
  return plan;
}

/** Number of w vectors the synthesis network reads (two per layer). */
export function latentCount(cfg: StyleNATConfig): number {
  return 2 * (Math.log2(cfg.size) - 1);
}

// === Discriminator ===

export function discriminatorChannels(cfg: StyleNATDiscriminatorConfig): Record<number, number> {
  const cm = cfg.channelMultiplier;
  return cfg.channels ?? { 4: 512, 8: 512, 16: 512, 32: 512, 64: 256 * cm, 128: 128 * cm, 256: 64 * cm, 512: 32 * cm, 1024: 16 * cm };
}

const DISCRIMINATOR_KWARGS: Record<string, keyof StyleNATDiscriminatorConfig & string> = {
  channel_multiplier: 'channelMultiplier', blur_kernel: 'blurKernel',
};
const DISCRIMINATOR_IGNORED = new Set(['lr', 'ssd', 'reg_every', 'params']);
const DISCRIMINATOR_FIELDS: readonly (keyof StyleNATDiscriminatorConfig & string)[] = ['size', 'channelMultiplier', 'blurKernel', 'sn', 'channels'];

export function resolveDiscriminatorConfig(
  where: string,
  base: Readonly<StyleNATDiscriminatorConfig>,
  overrides: Record<string, unknown> = {},
): StyleNATDiscriminatorConfig {
  const cfg: StyleNATDiscriminatorConfig = {
    ...base,
    ...translateKwargs<StyleNATDiscriminatorConfig>(where, overrides, DISCRIMINATOR_KWARGS, DISCRIMINATOR_FIELDS, DISCRIMINATOR_IGNORED),
  };
  // Below 16 px upstream's last FromRGB would reach 2x2 and its final linear (C * 4 * 4 inputs) could not apply.
  if (!(isPowerOfTwo(cfg.size) && cfg.size >= 16 && cfg.size <= 1024)) fail(where, `discriminator size ${cfg.size}: expected a power of two in 16..1024`);
  const channels = discriminatorChannels(cfg);
  for (let r = 2; r <= Math.log2(cfg.size); r++) {
    const c = channels[2 ** r];
    if (!(Number.isInteger(c) && c! > 0)) fail(where, `discriminator channels at ${2 ** r}px: expected a positive integer, got ${c}`);
  }
  return cfg;
}
