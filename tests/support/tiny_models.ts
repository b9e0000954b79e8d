// SPDX-License-Identifier: MIT
import type { ModelName } from '@natzoo/models';

/** Per family, a tiny configuration with every structural feature (the fixtures' kwargs, reduced inputs):
 *  model name, overrides, input size. */
export const TINY_MODELS: [ModelName, Record<string, unknown>, number][] = [
  ['nat_small', { embed_dim: 8, depths: [1, 1, 1, 1], num_heads: [1, 1, 2, 2], kernel_size: 3, imgSize: 96 }, 96],
  ['dinat_mini', { embed_dim: 8, depths: [2, 2, 1, 1], num_heads: [1, 1, 2, 2], kernel_size: 3, dilations: [[1, 4], [1, 2], [1], [1]], imgSize: 96 }, 96],
  ['dinat_s_tiny', { embed_dim: 8, depths: [2, 1, 1, 1], num_heads: [1, 1, 2, 2], kernel_size: 3, dilations: [[1, 3], [1], [1], [1]], imgSize: 96 }, 96],
  ['dinat_isotropic_small', { embed_dim: 16, depth: 2, num_heads: 2, kernel_size: 3, dilation: 2, img_size: 128 }, 128],
  ['vitrpb_small', { embed_dim: 16, depth: 1, num_heads: 2, img_size: 64 }, 64],
  ['convmlp_s', { blocks: [1, 1], dims: [8, 16], mlp_ratios: [2, 2], channels: 8, n_conv_blocks: 1, imgSize: 32 }, 32],
];

/** Drop path grows from 0 at a stage's first block (ConvMLP restarts it every stage): these need a second block. */
const TWO_BLOCKS: Partial<Record<ModelName, Record<string, unknown>>> = { vitrpb_small: { depth: 2 }, convmlp_s: { blocks: [2, 1] } };

/** The tiny models with a block that drop path can drop, and CCT with dropout: every random layer natzoo has. */
export const RANDOM_LAYER_MODELS: [ModelName, Record<string, unknown>, number][] = [
  ...TINY_MODELS.map(([name, overrides, size]): [ModelName, Record<string, unknown>, number] => [name, { ...overrides, ...TWO_BLOCKS[name] }, size]),
  ['cct_2_3x2_32', { dropRate: 0.1, attnDropRate: 0.1 }, 32],
];
