// SPDX-License-Identifier: MIT
// The ConvMLP family for the registry, and its public pieces.
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { translateKwargs } from '../config_kwargs.js';
import { portWeights } from '../convert/port_weights.js';
import type { StateDictLike, WeightPortReport } from '../convert/port_weights.js';
import { fail } from '../errors.js';
import { defineFamily } from '../family.js';
import type { PretrainedCfg } from '../pretrained.js';
import { buildConvMLP } from './convmlp.js';
import { CONVMLP_FIELDS, CONVMLP_KWARGS } from './convmlp_config.js';
import type { ConvMLPConfig, ConvMLPKwargs } from './convmlp_config.js';
import { convmlpVariants } from './convmlp_variants.js';

export type ConvMLPOverrides = Partial<ConvMLPConfig> & ConvMLPKwargs;

export interface ConvMLPWeightOptions {
  /** Keep our freshly initialised `head` (fine-tuning to other classes); default false. */
  skipClassifier?: boolean;
  strict?: boolean;
}

/**
 * Loads an upstream ConvMLP state_dict (bare, BatchNorm running statistics included) into a model built by this
 * package. `num_batches_tracked` counters are skipped: inference and our training never read them.
 */
export function loadConvMLPStateDict(model: LayersModel, stateDict: StateDictLike, options: ConvMLPWeightOptions = {}): Promise<WeightPortReport> {
  return portWeights(model, stateDict, {
    label: `loadConvMLPStateDict(${model.name})`,
    strict: options.strict ?? true,
    bind: (weight) => (options.skipClassifier && weight.originalName.startsWith('head/') ? { kind: 'keep', reason: 'fresh classifier head (skipClassifier)' } : undefined),
    ignore: (key) => {
      if (key.endsWith('.num_batches_tracked')) return 'BatchNorm step counter (unused with a fixed momentum)';
      if (options.skipClassifier && key.startsWith('head.')) return 'classifier head skipped (skipClassifier)';
      return undefined;
    },
  });
}

export const convmlpFamily = defineFamily({
  family: 'convmlp',
  variants: convmlpVariants,
  translate: (where: string, overrides: ConvMLPOverrides) => translateKwargs<ConvMLPConfig>(where, overrides, CONVMLP_KWARGS, CONVMLP_FIELDS),
  fromPretrained: (cfg: PretrainedCfg) => {
    const [inChannels, height, width] = cfg.inputSize;
    if (height !== width) fail('createModel', `ConvMLP takes square inputs; got inputSize [${cfg.inputSize.join(', ')}]`);
    return { numClasses: cfg.numClasses, imgSize: height, inChannels };
  },
  build: (config: ConvMLPConfig, name: string) => buildConvMLP(config, name),
  applyStateDict: (model: LayersModel, stateDict: StateDictLike) => loadConvMLPStateDict(model, stateDict),
});

export { buildConvMLP } from './convmlp.js';
export { CONVMLP_KWARGS, resolveConvMLPConfig } from './convmlp_config.js';
export type { ConvMLPConfig, ConvMLPKwargs } from './convmlp_config.js';
export { convmlpVariants } from './convmlp_variants.js';
export { FoldableBatchNorm } from './foldable_batch_norm.js';
export type { BatchNormAffine, FoldableBatchNormArgs } from './foldable_batch_norm.js';
export { FoldingConv2D } from './folding_conv.js';
export { PaddedDepthwiseConv2D } from './padded_depthwise_conv.js';
export type { PaddedDepthwiseConv2DArgs } from './padded_depthwise_conv.js';
