// SPDX-License-Identifier: MIT
// What detection/segmentation and fine-tuning users need beyond logits, for any model this package builds:
// per-level feature maps, a fresh classifier head, and the weights that take no weight decay. All of it works
// from layer names, which follow the PyTorch module paths, so it also works on models loaded from model.json.
import { layers, model as functionalModel } from '@tensorflow/tfjs-layers';
import { seededTruncatedNormal } from '@natzoo/core/advanced';
import type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs-layers';
import type { Tensor } from '@tensorflow/tfjs-core';
import { fail } from './errors.js';
import { predictAtAnySize } from './input_size.js';

const BLOCK = /^(levels|layers|stages)\.(\d+)\.blocks\.(\d+)$/;
const ISOTROPIC_BLOCK = /^layers\.(\d+)$/;
const HEADS = ['head', 'classifier.fc'];

/**
 * Names of the layers whose outputs are the model's per-level feature maps: the last block of every level
 * (NAT/DiNAT `levels.i`, DiNAT_s `layers.i`, ConvMLP `stages.i`), before that level's downsampler, as the upstream
 * detection and segmentation backbones take them; the last block for isotropic models.
 */
export function featureLayerNames(model: LayersModel): string[] {
  const lastOfLevel = new Map<number, { block: number; name: string }>();
  let isotropic: { index: number; name: string } | null = null;
  for (const layer of model.layers) {
    const match = BLOCK.exec(layer.name);
    if (match !== null) {
      const [level, block] = [Number(match[2]), Number(match[3])];
      const seen = lastOfLevel.get(level);
      if (seen === undefined || block > seen.block) lastOfLevel.set(level, { block, name: layer.name });
      continue;
    }
    const iso = ISOTROPIC_BLOCK.exec(layer.name);
    if (iso !== null && (isotropic === null || Number(iso[1]) > isotropic.index)) isotropic = { index: Number(iso[1]), name: layer.name };
  }
  if (lastOfLevel.size > 0) return [...lastOfLevel.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v.name);
  if (isotropic !== null) return [isotropic.name];
  return fail('featureLayerNames', `model '${model.name}' has no NAT/DiNAT/ConvMLP/isotropic blocks to take features from`);
}

const extractors = new WeakMap<LayersModel, LayersModel>();

/** A model with the same input whose outputs are the per-level feature maps `[B, h_i, w_i, C_i]` (shared weights). */
export function createFeatureExtractor(model: LayersModel): LayersModel {
  let extractor = extractors.get(model);
  if (extractor === undefined) {
    const outputs = featureLayerNames(model).map((name) => model.getLayer(name).output as SymbolicTensor);
    extractor = functionalModel({ inputs: model.inputs, outputs, name: `${model.name}_features` });
    extractors.set(model, extractor);
  }
  return extractor;
}

/**
 * Per-level feature maps of `images` (NHWC), coarsest last, at any input size the model accepts (detection and
 * segmentation sizes, non-square ones; see checkInputSize), not only the one it was built for.
 */
export function forwardFeatures(model: LayersModel, images: Tensor): Tensor[] {
  const out = predictAtAnySize(createFeatureExtractor(model), images);
  return Array.isArray(out) ? out : [out];
}

/**
 * The same network with a new, freshly initialised classifier of `numClasses` outputs (0: no classifier, the
 * model outputs the pooled features). Every other weight is shared with `model`, as timm's `reset_classifier`.
 */
export function resetClassifier(model: LayersModel, numClasses: number): LayersModel {
  if (!Number.isInteger(numClasses) || numClasses < 0) fail('resetClassifier', `numClasses must be an integer >= 0; got ${String(numClasses)}`);
  const name = HEADS.find((h) => model.layers.some((l) => l.name === h));
  if (name === undefined) fail('resetClassifier', `model '${model.name}' has no classifier layer (${HEADS.join(' or ')})`);
  const features = model.getLayer(name).input as SymbolicTensor;
  const outputs =
    numClasses === 0
      ? features
      : (layers
          .dense({ name, units: numClasses, kernelInitializer: seededTruncatedNormal(0.05), biasInitializer: 'zeros' })
          .apply(features) as SymbolicTensor);
  return functionalModel({ inputs: model.inputs, outputs, name: model.name });
}

const NO_DECAY_NAMES =
  /(^|[./])(rpb|positional_emb|class_emb|pos_embed|absolute_pos_embed|relative_position_bias_table)([./]|$)|\/(bias|gamma|beta)$/;

/**
 * Whether a weight takes no weight decay: relative positional bias tables (upstream `no_weight_decay_keywords` =
 * {'rpb'}), position embeddings and class tokens, every bias and norm parameter, and every weight of rank <= 1
 * (layer scale included), as timm's `param_groups_weight_decay` filters them.
 */
export function isNoWeightDecay(name: string, shape: readonly (number | null)[]): boolean {
  return shape.length <= 1 || NO_DECAY_NAMES.test(name);
}

/** The model's trainable weights that take no weight decay (see isNoWeightDecay), by name. */
export function noWeightDecay(model: LayersModel): string[] {
  return model.trainableWeights.filter((w) => isNoWeightDecay(w.originalName, w.shape)).map((w) => w.originalName);
}
