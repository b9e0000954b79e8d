// SPDX-License-Identifier: MIT
// Pretrained configurations in timm's spirit: where the weights come from and how images must be prepared.

export type Interpolation = 'bicubic' | 'bilinear' | 'nearest';

/** Name of the class-label list a head was trained on. */
export type LabelSet = 'cifar10' | 'cifar100' | 'flowers102' | 'imagenet1k' | 'imagenet21k';

export type RGB = readonly [number, number, number];

export interface PretrainedCfg {
  /** Upstream release to convert (a PyTorch state_dict); absent where upstream published none. */
  url?: string;
  /** Head size of these weights. */
  numClasses: number;
  /** `[channels, height, width]` the weights were trained at (timm's `input_size`). */
  inputSize: readonly [number, number, number];
  /** Per-channel mean and std of the normalisation, applied to pixels scaled to [0, 1]. */
  mean: RGB;
  std: RGB;
  /** Evaluation center-crop fraction: resize to `size / cropPct`, then crop `size`. */
  cropPct: number;
  /** Resize interpolation. */
  interpolation: Interpolation;
  /** Which label list the logits index. */
  labels: LabelSet;
  /** License of the weights. */
  license?: string;
  /** Where the weights were published (paper repo, release page). */
  originUrl?: string;
  /** Top-1 accuracy (%) reported by the publisher. */
  top1?: number;
  /** Anything a user must know (training recipe, provenance). */
  notes?: string;
}

/** Dataset defaults (Compact-Transformers `configs/datasets/*.yml`, all bicubic). */
export const CIFAR10 = {
  numClasses: 10, mean: [0.4914, 0.4822, 0.4465], std: [0.247, 0.2435, 0.2616], cropPct: 1.0,
  interpolation: 'bicubic', labels: 'cifar10',
} as const satisfies Partial<PretrainedCfg>;

export const CIFAR100 = {
  numClasses: 100, mean: [0.5071, 0.4867, 0.4408], std: [0.2675, 0.2565, 0.2761], cropPct: 1.0,
  interpolation: 'bicubic', labels: 'cifar100',
} as const satisfies Partial<PretrainedCfg>;

export const FLOWERS102 = {
  numClasses: 102, mean: [0.4353, 0.3773, 0.2872], std: [0.2966, 0.2455, 0.2698], cropPct: 1.0,
  interpolation: 'bicubic', labels: 'flowers102',
} as const satisfies Partial<PretrainedCfg>;

export const IMAGENET1K = {
  numClasses: 1000, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], cropPct: 0.9,
  interpolation: 'bicubic', labels: 'imagenet1k',
} as const satisfies Partial<PretrainedCfg>;

/** One row of a family's variant table: the architecture and the weights published for it. */
export interface VariantSpec<Config> {
  config: Config;
  /** Weight tags: `name.tag` selects one; the first is the default. */
  pretrained?: Readonly<Record<string, PretrainedCfg>>;
}
