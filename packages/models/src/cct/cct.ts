// SPDX-License-Identifier: MIT
// CCT, CVT and ViT-Lite as tfjs-layers functional models, NHWC input `[B, H, W, C]` -> logits `[B, classes]`.
// Ported from: SHI-Labs/Compact-Transformers src/cct.py, src/cvt.py, src/vit.py, src/utils/tokenizer.py,
// src/utils/transformers.py @cd11f09 ("Escaping the Big Data Paradigm with Compact Transformers",
// https://arxiv.org/abs/2104.05704). Layer names are the PyTorch module paths, so converting a state_dict is
// mechanical (see cct_weights.ts).
import { layers, input } from '@tensorflow/tfjs-layers';
import type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs-layers';
import { linearInit, seededHeNormal } from '@natzoo/core/advanced';
import { InferenceModel } from '../inference/inference_model.js';
import { DropPath } from '../layers/drop_path.js';
import { SeededDropout } from '../layers/dropout.js';
import { TokenwiseDense } from '../layers/tokenwise_dense.js';
import { LayerNorm } from '../layers/layer_norm.js';
import { MultiHeadSelfAttention } from '../layers/self_attention.js';
import { PaddedConv2D } from '../layers/padded_conv2d.js';
import { PaddedMaxPool2D } from '../layers/padded_max_pool2d.js';
import { ResidualAdd } from '../layers/residual_add.js';
import { ClassToken, ClassTokenReadout, PositionalEmbedding, SequencePooling } from './cct_layers.js';
import { resolveCCTConfig, resolvePatchConfig } from './cct_config.js';
import type { CCTConfig, PatchTransformerConfig, ResolvedCCTConfig, ResolvedPatchConfig, ResolvedTransformerConfig } from './cct_config.js';

// PyTorch's LayerNorm default (tfjs-layers' is 1e-3, which moves real CCT logits by ~1.5e-2).
const LN_EPS = 1e-5;

function apply(layer: layers.Layer, x: SymbolicTensor | SymbolicTensor[]): SymbolicTensor {
  return layer.apply(x) as SymbolicTensor;
}

function layerNorm(name: string): layers.Layer {
  return new LayerNorm({ name, epsilon: LN_EPS });
}

/**
 * nn.Linear (bias zero-initialised). A TokenwiseDense rather than tfjs-layers' Dense, which transposes its kernel
 * on every call for `[B, N, C]` tokens, adds the bias apart from the matMul and runs GELU as five ops.
 */
function dense(name: string, units: number, activation?: 'gelu'): layers.Layer {
  return new TokenwiseDense({ name, units, activation, kernelInitializer: linearInit() });
}

/** `[B, h, w, C]` -> `[B, h*w, C]`, row-major as upstream's `flatten(2, 3).transpose(-2, -1)`. */
function flatten(x: SymbolicTensor): SymbolicTensor {
  const [, h, w, c] = x.shape as [null, number, number, number];
  return apply(layers.reshape({ name: 'tokenizer.flattener', targetShape: [h * w, c] }), x);
}

// === Tokenizers ===

/**
 * `tokenizer.conv_layers.{i}` = [conv (`.0`, no bias), ReLU (`.1`, the conv's activation: one kernel fewer),
 * max-pool (`.2`)], each padded inside the op on both sides equally as PyTorch does (TF's 'same' pads the far
 * side more for stride 2); the pool's padding never wins the max, as PyTorch's -inf.
 */
function convTokenizer(x: SymbolicTensor, c: ResolvedCCTConfig): SymbolicTensor {
  for (let i = 0; i < c.numConvLayers; i++) {
    const prefix = `tokenizer.conv_layers.${i}`;
    const conv = new PaddedConv2D({
      name: `${prefix}.0`,
      filters: i === c.numConvLayers - 1 ? c.embedDim : c.inPlanes,
      kernelSize: c.kernelSize,
      strides: c.stride,
      padding: c.padding,
      useBias: false,
      activation: 'relu',
    });
    x = apply(conv, x);
    x = apply(new PaddedMaxPool2D({ name: `${prefix}.2`, poolSize: c.poolKernelSize, strides: c.poolStride, padding: c.poolPadding }), x);
  }
  return flatten(x);
}

/** CVT / ViT-Lite: `tokenizer.conv_layers.0.0`, one conv with bias, kernel = stride = patch, no ReLU or pool. */
function patchTokenizer(x: SymbolicTensor, c: ResolvedPatchConfig): SymbolicTensor {
  const conv = layers.conv2d({
    name: 'tokenizer.conv_layers.0.0',
    filters: c.embedDim,
    kernelSize: c.kernelSize,
    strides: c.kernelSize,
    padding: 'valid',
    useBias: true,
    kernelInitializer: seededHeNormal(),
  });
  return flatten(apply(conv, x));
}

// === Classifier ===

function maybeDropout(name: string, rate: number, x: SymbolicTensor): SymbolicTensor {
  return rate > 0 ? apply(new SeededDropout({ name, rate }), x) : x;
}

/**
 * `classifier.blocks.{i}` (upstream `TransformerEncoderLayer`), with CCT's quirk kept: `norm1` normalises the
 * residual stream itself, so the MLP residual adds to the normalised tensor (Compact-Transformers issue #25:
 * an accidental merge the released models were trained with).
 *   x = x + drop_path(self_attn(pre_norm(x)));  x = norm1(x);  x = x + drop_path(linear2(gelu(linear1(x))))
 */
function encoderLayer(x: SymbolicTensor, i: number, c: ResolvedTransformerConfig, dropPathRate: number): SymbolicTensor {
  const prefix = `classifier.blocks.${i}`;
  // One layer applied to both branches, as upstream's single `drop_path` module (absent when its rate is 0).
  const dropPath = dropPathRate > 0 ? new DropPath({ name: `${prefix}.drop_path`, rate: dropPathRate }) : null;
  const branch = (y: SymbolicTensor) => (dropPath === null ? y : apply(dropPath, y));

  const attention = new MultiHeadSelfAttention({
    name: `${prefix}.self_attn`,
    numHeads: c.numHeads,
    qkvBias: false,
    attnDrop: c.attnDropRate,
    projDrop: c.dropRate,
  });
  const attended = apply(attention, apply(layerNorm(`${prefix}.pre_norm`), x));
  x = apply(new ResidualAdd({ name: `${prefix}.attn_residual` }), [x, branch(attended)]);
  x = apply(layerNorm(`${prefix}.norm1`), x);

  let h = apply(dense(`${prefix}.linear1`, Math.floor(c.embedDim * c.mlpRatio), 'gelu'), x);
  h = maybeDropout(`${prefix}.dropout1`, c.dropRate, h);
  h = maybeDropout(`${prefix}.dropout2`, c.dropRate, apply(dense(`${prefix}.linear2`, c.embedDim), h));
  return apply(new ResidualAdd({ name: `${prefix}.mlp_residual` }), [x, branch(h)]);
}

/** `torch.linspace(0, rate, n)`. */
function linspace(rate: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => (n === 1 ? 0 : (rate * i) / (n - 1)));
}

/** Upstream `TransformerClassifier`: [class token], positional embedding, encoder layers, norm, pooling, fc. */
function transformerClassifier(tokens: SymbolicTensor, c: ResolvedTransformerConfig, seqPool: boolean): SymbolicTensor {
  let x = tokens;
  if (!seqPool) x = apply(new ClassToken({ name: 'classifier.class_emb' }), x);
  if (c.positionalEmbedding !== 'none') {
    x = apply(new PositionalEmbedding({ name: 'classifier.positional_emb', kind: c.positionalEmbedding }), x);
  }
  x = maybeDropout('classifier.dropout', c.dropRate, x);
  linspace(c.dropPathRate, c.numLayers).forEach((rate, i) => {
    x = encoderLayer(x, i, c, rate);
  });
  x = apply(layerNorm('classifier.norm'), x);
  x = seqPool
    ? apply(new SequencePooling({ name: 'classifier.attention_pool' }), x)
    : apply(new ClassTokenReadout({ name: 'classifier.class_token_readout' }), x);
  return apply(dense('classifier.fc', c.numClasses), x);
}

function imageInput(c: ResolvedTransformerConfig): SymbolicTensor {
  return input({ name: 'image', shape: [c.imgSize, c.imgSize, c.inChannels], dtype: 'float32' });
}

// === Models ===

/**
 * CCT (Compact Convolutional Transformer): conv tokenizer, transformer encoder, sequence pooling.
 * Input `[B, imgSize, imgSize, inChannels]` (NHWC, normalised), output logits `[B, numClasses]`.
 */
export function buildCCT(config: CCTConfig, name = 'cct'): LayersModel {
  const c = resolveCCTConfig(name, config);
  const image = imageInput(c);
  return new InferenceModel({ name, inputs: image, outputs: transformerClassifier(convTokenizer(image, c), c, true) });
}

/** CVT (Compact Vision Transformer): patch tokenizer, transformer encoder, sequence pooling. */
export function buildCVT(config: PatchTransformerConfig, name = 'cvt'): LayersModel {
  const c = resolvePatchConfig(name, config);
  const image = imageInput(c);
  return new InferenceModel({ name, inputs: image, outputs: transformerClassifier(patchTokenizer(image, c), c, true) });
}

/** ViT-Lite: patch tokenizer, class token, transformer encoder, output of the class token. */
export function buildViTLite(config: PatchTransformerConfig, name = 'vit_lite'): LayersModel {
  const c = resolvePatchConfig(name, config);
  const image = imageInput(c);
  return new InferenceModel({ name, inputs: image, outputs: transformerClassifier(patchTokenizer(image, c), c, false) });
}
