// SPDX-License-Identifier: MIT
// StyleNAT: generator, discriminator, their configurations and upstream state_dict conversion. The generator
// is not a classifier, so it lives beside the registry: `createStyleNATGenerator(preset | config, overrides)`.
import type { StateDictLike, WeightPortReport } from '../convert/port_weights.js';
import { StyleNATDiscriminator } from './discriminator.js';
import { StyleNATGenerator } from './generator.js';
import { generatorDerivedBuffers } from './generator_params.js';
import { resolveDiscriminatorConfig, resolveStyleNATConfig, STYLENAT_DISCRIMINATOR_FFHQ256, STYLENAT_PRESETS } from './stylenat_config.js';
import type { StyleNATConfig, StyleNATDiscriminatorConfig, StyleNATPreset } from './stylenat_config.js';
import { loadParamSet } from './stylenat_weights.js';

/** A generator with random weights from a preset (`ffhq256`, `ffhq1024`) or a config, plus overrides (ours or upstream kwargs). */
export function createStyleNATGenerator(base: StyleNATPreset | StyleNATConfig = 'ffhq256', overrides: Record<string, unknown> = {}): StyleNATGenerator {
  const where = 'createStyleNATGenerator';
  const config = typeof base === 'string' ? STYLENAT_PRESETS[base] : base;
  if (config === undefined) throw new Error(`${where}: unknown preset '${String(base)}'; presets: ${Object.keys(STYLENAT_PRESETS).join(', ')}`);
  return new StyleNATGenerator(resolveStyleNATConfig(where, config, overrides));
}

/** Loads an upstream generator state_dict (`g_ema` or `g` of a released checkpoint) into `generator`. */
export function loadStyleNATGeneratorStateDict(generator: StyleNATGenerator, stateDict: StateDictLike): Promise<WeightPortReport> {
  return loadParamSet('StyleNAT generator', generator.params, stateDict, generatorDerivedBuffers(generator.config));
}

/** A discriminator with random weights: the FFHQ-256 settings (spectral norm) with overrides (ours or upstream kwargs). */
export function createStyleNATDiscriminator(overrides: Record<string, unknown> = {}): StyleNATDiscriminator {
  return new StyleNATDiscriminator(resolveDiscriminatorConfig('createStyleNATDiscriminator', STYLENAT_DISCRIMINATOR_FFHQ256, overrides));
}

/** Loads an upstream discriminator state_dict (`d` of a training checkpoint) into `discriminator`. */
export function loadStyleNATDiscriminatorStateDict(discriminator: StyleNATDiscriminator, stateDict: StateDictLike): Promise<WeightPortReport> {
  return loadParamSet('StyleNAT discriminator', discriminator.params, stateDict, discriminator.derivedBuffers());
}

export type { StyleNATDiscriminatorConfig };
export { StyleNATDiscriminator } from './discriminator.js';
export { haarTransform, inverseHaarTransform } from './haar.js';
export { StyleNATGenerator } from './generator.js';
export type { SynthesisOptions } from './generator.js';
export { generatorSpecs } from './generator_params.js';
export { ParamSet } from './param_set.js';
export type { ParamLayout, ParamSpec } from './param_set.js';
export {
  discriminatorChannels,
  generatorPlan,
  latentCount,
  resolveDiscriminatorConfig,
  resolveStyleNATConfig,
  STYLENAT_DISCRIMINATOR_FFHQ256,
  STYLENAT_FFHQ1024,
  STYLENAT_FFHQ256,
  STYLENAT_PRESETS,
} from './stylenat_config.js';
export type { GeneratorLayerPlan, HeadSplit, StyleNATConfig, StyleNATPreset } from './stylenat_config.js';
export { blurDownsample, blurUpsample, makeKernel, sinusoidalGrid, upfirdn2d } from './stylenat_ops.js';
export { exportParamSet, loadParamSet } from './stylenat_weights.js';
export type { DerivedBuffer } from './stylenat_weights.js';
export { decodeStyleNAT, encodeStyleNAT, isStyleNATModelJson, STYLENAT_FORMAT } from './stylenat_artifacts.js';
export type { StyleNATModelJson, StyleNATModuleName, StyleNATModules } from './stylenat_artifacts.js';
export { denormalizeImages, generateImages, IMAGENET_MEAN, IMAGENET_STD, latentFromSeed, latentsFromSeeds, meanLatent, normalizeImages, stylesFor } from './generate.js';
export type { GenerateOptions } from './generate.js';
export { tileImages } from './tile_images.js';
