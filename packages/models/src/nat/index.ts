// SPDX-License-Identifier: MIT
// The NAT, DiNAT, DiNAT_s and isotropic families for the registry, and their public pieces.
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { translateKwargs } from '../config_kwargs.js';
import type { StateDictLike } from '../convert/port_weights.js';
import { fail } from '../errors.js';
import { defineFamily } from '../family.js';
import type { PretrainedCfg } from '../pretrained.js';
import { buildIsotropic } from './isotropic.js';
import { buildDiNATs, buildNAT } from './nat.js';
import { DINATS_FIELDS, DINATS_KWARGS, ISOTROPIC_FIELDS, ISOTROPIC_KWARGS, isotropicAttention, NAT_FIELDS, NAT_KWARGS } from './nat_config.js';
import type { DiNATsConfig, DiNATsKwargs, IsotropicConfig, IsotropicKwargs, NATConfig, NATKwargs } from './nat_config.js';
import { dinatSVariants, dinatVariants, isotropicVariants, natVariants } from './nat_variants.js';
import { loadNATStateDict } from './nat_weights.js';

export type NATOverrides = Partial<NATConfig> & NATKwargs;
export type DiNATsOverrides = Partial<DiNATsConfig> & DiNATsKwargs;
export type IsotropicOverrides = Partial<Omit<IsotropicConfig, 'attention'>> & IsotropicKwargs & { attention?: IsotropicKwargs['layer'] };

function fromPretrained(cfg: PretrainedCfg): { numClasses: number; imgSize: number; inChannels: number } {
  const [inChannels, height, width] = cfg.inputSize;
  if (height !== width) fail('createModel', `NAT-family models take square inputs; got inputSize [${cfg.inputSize.join(', ')}]`);
  return { numClasses: cfg.numClasses, imgSize: height, inChannels };
}

const applyStateDict = (model: LayersModel, stateDict: StateDictLike) => loadNATStateDict(model, stateDict);

export const natFamily = defineFamily({
  family: 'nat',
  variants: natVariants,
  translate: (where: string, overrides: NATOverrides) => translateKwargs<NATConfig>(where, overrides, NAT_KWARGS, NAT_FIELDS),
  fromPretrained,
  build: (config: NATConfig, name: string) => buildNAT(config, name),
  applyStateDict,
});

export const dinatFamily = defineFamily({
  family: 'dinat',
  variants: dinatVariants,
  translate: (where: string, overrides: NATOverrides) => translateKwargs<NATConfig>(where, overrides, NAT_KWARGS, NAT_FIELDS),
  fromPretrained,
  build: (config: NATConfig, name: string) => buildNAT(config, name),
  applyStateDict,
});

export const dinatSFamily = defineFamily({
  family: 'dinat_s',
  variants: dinatSVariants,
  translate: (where: string, overrides: DiNATsOverrides) => translateKwargs<DiNATsConfig>(where, overrides, DINATS_KWARGS, DINATS_FIELDS),
  fromPretrained,
  build: (config: DiNATsConfig, name: string) => buildDiNATs(config, name),
  applyStateDict,
});

export const isotropicFamily = defineFamily({
  family: 'isotropic',
  variants: isotropicVariants,
  translate: (where: string, overrides: IsotropicOverrides) => {
    const fields = translateKwargs<IsotropicConfig>(where, overrides, ISOTROPIC_KWARGS, ISOTROPIC_FIELDS);
    return fields.attention === undefined ? fields : { ...fields, attention: isotropicAttention(where, fields.attention) };
  },
  fromPretrained,
  build: (config: IsotropicConfig, name: string) => buildIsotropic(config, name),
  applyStateDict,
});

export { buildDiNATs, buildNAT, resolveDiNATsConfig, resolveNATConfig } from './nat.js';
export { buildIsotropic, resolveIsotropicConfig } from './isotropic.js';
export { LayerScale, SwinPatchGather } from './nat_layers.js';
export type { LayerScaleArgs } from './nat_layers.js';
export { GridSelfAttentionRPB, relativePositionIndex } from './grid_attention_rpb.js';
export type { GridSelfAttentionRPBArgs } from './grid_attention_rpb.js';
export { DINATS_KWARGS, ISOTROPIC_KWARGS, NAT_KWARGS } from './nat_config.js';
export type { DiNATsConfig, DiNATsKwargs, IsotropicAttention, IsotropicConfig, IsotropicKwargs, NATConfig, NATKwargs } from './nat_config.js';
export { loadNATStateDict } from './nat_weights.js';
export type { NATWeightOptions } from './nat_weights.js';
export { resizeBicubic } from './bicubic.js';
export { dinatSVariants, dinatVariants, isotropicVariants, natVariants } from './nat_variants.js';
export { isHFNatStateDict, renameHFNatStateDict } from './hf_naming.js';
export type { HFRenameResult } from './hf_naming.js';
