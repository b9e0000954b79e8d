// SPDX-License-Identifier: MIT
// @natzoo/models/advanced: everything @natzoo/models exports plus the building blocks behind it (family
// builders and variant tables, configuration resolvers, custom layers, state_dict porting and layouts, the
// transformers-name renaming, StyleNAT's parameter sets and plans), for code that builds, converts or trains
// models, such as @natzoo/train and the natzoo CLI. Importing it registers every custom layer, as the main entry does.
export { NeighborhoodAttention1D, NeighborhoodAttention2D } from '@natzoo/core';

export { applyStateDict, createModel, getModelConfig, getModelFamily, getPretrainedConfig, isModelName, listModels } from './registry.js';
export type { FamilyName, ListModelsOptions, ModelName, ModelOverrides, PretrainedTag, ResolvedPretrainedCfg } from './registry.js';
export { defineFamily } from './family.js';
export type { ModelFamily } from './family.js';
export { CIFAR10, CIFAR100, FLOWERS102, IMAGENET1K } from './pretrained.js';
export type { Interpolation, LabelSet, PretrainedCfg, RGB, VariantSpec } from './pretrained.js';
export { ModelArgumentError } from './errors.js';
// Inference: preparing images, reading preprocess.json, class names.
export { evalCrop, evalGeometry, evalTransform, INTERPOLATIONS, normalizeRGB, roundHalfEven } from './inference/eval_transform.js';
export type { EvalGeometry, EvalTransform, PixelBox, RGBImage } from './inference/eval_transform.js';
export { resampleRGB } from './inference/resample.js';
export type { ResampleKernel } from './inference/resample.js';
export { parsePreprocess, PreprocessError } from './inference/preprocess.js';
export type { ModelPreprocess } from './inference/preprocess.js';
export { LABEL_SETS, labelNames } from './inference/label_sets.js';
export { loadClassifier } from './inference/classifier.js';
export { rankClasses } from './inference/rank_classes.js';
export type { Classifier, ClassifyOptions, LoadClassifierOptions, Prediction } from './inference/classifier.js';
export type { ClassifierSource } from './inference/classifier_source.js';
export type { ClassifierImage } from './inference/image_pixels.js';
export { createFeatureExtractor, featureLayerNames, forwardFeatures, isNoWeightDecay, noWeightDecay, resetClassifier } from './model_api.js';
export { checkInputSize, declaredInputSize, InputSizeError, predictAtAnySize } from './input_size.js';

export { DropPath } from './layers/drop_path.js';
export { LayerNorm } from './layers/layer_norm.js';
export type { LayerNormArgs } from './layers/layer_norm.js';
export type { DropPathArgs } from './layers/drop_path.js';
export { SeededDropout, type SeededDropoutArgs } from './layers/dropout.js';
export { MultiHeadSelfAttention } from './layers/self_attention.js';
export type { MultiHeadSelfAttentionArgs } from './layers/self_attention.js';
export { TokenwiseDense } from './layers/tokenwise_dense.js';
export type { TokenwiseActivation, TokenwiseDenseArgs } from './layers/tokenwise_dense.js';

export { defaultBinding, portWeights, WeightPortError } from './convert/port_weights.js';
export type { PortOptions, ShapeMismatch, StateDictLike, StateDictTensor, WeightBinding, WeightPortReport } from './convert/port_weights.js';
export { fromTfLayout, sourceShapeFor, toTfLayout } from './convert/layouts.js';
export { exportStateDict } from './convert/export_weights.js';
export type { ExportedTensor } from './convert/export_weights.js';
export type { LayoutTransform } from './convert/layouts.js';

export * from './cct/index.js';
export * from './nat/index.js';
export * from './convmlp/index.js';
export { translateKwargs } from './config_kwargs.js';
export type { UpstreamKwargs } from './config_kwargs.js';
export * from './stylenat/index.js';
