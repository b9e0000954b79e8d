// SPDX-License-Identifier: MIT
// The CCT, CVT and ViT-Lite families for the registry, and their public pieces.
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { StateDictLike } from '../convert/port_weights.js';
import { fail } from '../errors.js';
import { defineFamily } from '../family.js';
import type { PretrainedCfg } from '../pretrained.js';
import { buildCCT, buildCVT, buildViTLite } from './cct.js';
import { CCT_FIELDS, CCT_KWARGS, PATCH_FIELDS, PATCH_KWARGS, translateKwargs } from './cct_config.js';
import type { CCTConfig, CCTKwargs, PatchTransformerConfig, PatchTransformerKwargs } from './cct_config.js';
import { loadCCTStateDict } from './cct_weights.js';
import { cctVariants, cvtVariants, vitLiteVariants } from './cct_variants.js';

/** Overrides accepted by `createModel` for these families: our fields, upstream kwargs, or a mix. */
export type CCTOverrides = Partial<CCTConfig> & CCTKwargs;
export type PatchTransformerOverrides = Partial<PatchTransformerConfig> & PatchTransformerKwargs;

function fromPretrained(cfg: PretrainedCfg): { numClasses: number; imgSize: number; inChannels: number } {
  const [inChannels, height, width] = cfg.inputSize;
  if (height !== width) fail('createModel', `Compact-Transformers models take square inputs; got inputSize [${cfg.inputSize.join(', ')}]`);
  return { numClasses: cfg.numClasses, imgSize: height, inChannels };
}

const applyStateDict = (model: LayersModel, stateDict: StateDictLike) => loadCCTStateDict(model, stateDict);

export const cctFamily = defineFamily({
  family: 'cct',
  variants: cctVariants,
  translate: (where: string, overrides: CCTOverrides) => translateKwargs<CCTConfig>(where, overrides, CCT_KWARGS, CCT_FIELDS),
  fromPretrained,
  build: (config: CCTConfig, name: string) => buildCCT(config, name),
  applyStateDict,
});

export const cvtFamily = defineFamily({
  family: 'cvt',
  variants: cvtVariants,
  translate: (where: string, overrides: PatchTransformerOverrides) =>
    translateKwargs<PatchTransformerConfig>(where, overrides, PATCH_KWARGS, PATCH_FIELDS),
  fromPretrained,
  build: (config: PatchTransformerConfig, name: string) => buildCVT(config, name),
  applyStateDict,
});

export const vitLiteFamily = defineFamily({
  family: 'vit_lite',
  variants: vitLiteVariants,
  translate: (where: string, overrides: PatchTransformerOverrides) =>
    translateKwargs<PatchTransformerConfig>(where, overrides, PATCH_KWARGS, PATCH_FIELDS),
  fromPretrained,
  build: (config: PatchTransformerConfig, name: string) => buildViTLite(config, name),
  applyStateDict,
});

export { buildCCT, buildCVT, buildViTLite } from './cct.js';
export { ClassToken, ClassTokenReadout, PositionalEmbedding, SequencePooling } from './cct_layers.js';
export type { PositionalEmbeddingArgs, PositionalEmbeddingKind } from './cct_layers.js';
export { CCT_KWARGS, PATCH_KWARGS, resolveCCTConfig, resolvePatchConfig } from './cct_config.js';
export type {
  CCTConfig,
  CCTKwargs,
  CVTConfig,
  PatchTransformerConfig,
  PatchTransformerKwargs,
  PositionalEmbeddingType,
  TransformerClassifierConfig,
  ViTLiteConfig,
} from './cct_config.js';
export { loadCCTStateDict, resizePositionalTable } from './cct_weights.js';
export type { CCTWeightOptions } from './cct_weights.js';
export { sineTable } from './sine_embedding.js';
export { cctVariants, cvtVariants, vitLiteVariants } from './cct_variants.js';
export type { CCTVariant, CVTVariant, ViTLiteVariant } from './cct_variants.js';
