// SPDX-License-Identifier: MIT
// @natzoo/models: NAT, DiNAT, DiNAT_s, isotropic, CCT/CVT/ViT-Lite, ConvMLP and StyleNAT built on @natzoo/core,
// as users call them: the registry, classification (loadClassifier and its preprocessing), features, and
// StyleNAT generation. Importing this module registers every custom layer for `tf.loadLayersModel`. Family
// builders, layers and state_dict porting are in `@natzoo/models/advanced`.
export { NeighborhoodAttention1D, NeighborhoodAttention2D } from '@natzoo/core';

export { applyStateDict, createModel, getModelConfig, getModelFamily, getPretrainedConfig, isModelName, listModels } from './registry.js';
export type { FamilyName, ListModelsOptions, ModelName, ModelOverrides, PretrainedTag, ResolvedPretrainedCfg } from './registry.js';
export { CIFAR10, CIFAR100, FLOWERS102, IMAGENET1K } from './pretrained.js';
export type { Interpolation, LabelSet, PretrainedCfg } from './pretrained.js';
export { ModelArgumentError } from './errors.js';
export { WeightPortError } from './convert/port_weights.js';
export type { WeightPortReport } from './convert/port_weights.js';
export { exportStateDict } from './convert/export_weights.js';
export { createFeatureExtractor, featureLayerNames, forwardFeatures, isNoWeightDecay, noWeightDecay, resetClassifier } from './model_api.js';
export { checkInputSize, InputSizeError } from './input_size.js';

// Classification: a converted model plus its preprocess.json, timm's eval transform, class names.
export { classifierFromModel, loadClassifier } from './inference/classifier.js';
export { isHubId } from './inference/hub_id.js';
export type { Classifier, ClassifyOptions, ImageSizeOptions, InputSize, LoadClassifierOptions, Prediction } from './inference/classifier.js';
export type { ClassifierSource } from './inference/classifier_source.js';
export type { ClassifierImage } from './inference/image_pixels.js';
export { rankClasses } from './inference/rank_classes.js';
export { evalGeometry, evalTransform, INTERPOLATIONS } from './inference/eval_transform.js';
export type { EvalGeometry, EvalTransform, RGBImage } from './inference/eval_transform.js';
export { parsePreprocess, PreprocessError } from './inference/preprocess.js';
export type { ModelPreprocess } from './inference/preprocess.js';
export { LABEL_SETS, labelNames } from './inference/label_sets.js';

// StyleNAT generation.
export { createStyleNATDiscriminator, createStyleNATGenerator, loadStyleNATDiscriminatorStateDict, loadStyleNATGeneratorStateDict } from './stylenat/index.js';
export { StyleNATDiscriminator, StyleNATGenerator, STYLENAT_PRESETS, tileImages } from './stylenat/index.js';
export type { StyleNATConfig, StyleNATPreset } from './stylenat/index.js';
export { denormalizeImages, generateImages, latentsFromSeeds, meanLatent } from './stylenat/index.js';
export type { GenerateOptions } from './stylenat/index.js';
