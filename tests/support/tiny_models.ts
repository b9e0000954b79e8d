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
