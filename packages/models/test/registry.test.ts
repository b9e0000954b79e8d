// SPDX-License-Identifier: MIT
// The model registry: names and tags, pretrained configurations, overrides in our and upstream's spelling,
// and the errors for names and values that cannot build a model.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { createModel, getModelFamily, getPretrainedConfig, isModelName, listModels, ModelArgumentError } from '@natzoo/models';

beforeAll(async () => {
  await tf.setBackend('wasm');
});

/** Builds, reads a few facts off the model, disposes it. */
function facts(model: tf.LayersModel) {
  const out = {
    params: model.countParams(),
    input: model.inputs[0]!.shape,
    classes: model.outputs[0]!.shape[1],
    layers: model.layers.map((l) => l.name),
    weights: model.weights.map((w) => `${w.originalName} [${w.shape.join(',')}]`),
  };
  model.dispose();
  return out;
}

describe('names', () => {
  it('lists by glob, RegExp, family and pretrained tags', () => {
    expect(listModels('cct_7_3x1_*')).toEqual(['cct_7_3x1_32', 'cct_7_3x1_32_c100', 'cct_7_3x1_32_sine', 'cct_7_3x1_32_sine_c100']);
    expect(listModels(/^vit_\d_4_32$/)).toEqual(['vit_2_4_32', 'vit_4_4_32', 'vit_6_4_32', 'vit_7_4_32']);
    expect(listModels(undefined, { family: 'cvt' })).toHaveLength(8);
    expect(listModels(undefined, { pretrained: true, family: 'cct' })).toEqual([
      'cct_14_7x2_224.in1k', 'cct_14_7x2_384.in1k', 'cct_14_7x2_384_fl.flowers102', 'cct_2_3x2_32.cifar10',
      'cct_7_3x1_32.cifar10', 'cct_7_3x1_32_c100.cifar100', 'cct_7_3x1_32_sine.cifar10', 'cct_7_3x1_32_sine.cifar10_1500e',
      'cct_7_3x1_32_sine_c100.cifar100', 'cct_7_3x1_32_sine_c100.cifar100_1500e', 'cct_7_7x2_224_sine.flowers102',
    ]);
    expect(isModelName('cct_2_3x2_32.cifar10')).toBe(true);
    expect(isModelName('cct_2_3x2_32.in1k')).toBe(false);
    expect(getModelFamily('vit_7_4_32_sine')).toBe('vit_lite');
    expect(listModels('dinat_s_*')).toEqual(['dinat_s_base', 'dinat_s_large', 'dinat_s_large_21k', 'dinat_s_large_384', 'dinat_s_small', 'dinat_s_tiny']);
    expect(listModels(undefined, { family: 'nat' })).toEqual(['nat_base', 'nat_mini', 'nat_small', 'nat_tiny']);
    expect(listModels('*isotropic*')).toHaveLength(4);
    expect(getModelFamily('vitrpb_small.in1k')).toBe('isotropic');
  });

  it('rejects unknown names with the closest matches', () => {
    // @ts-expect-error: a misspelt name does not compile
    expect(() => createModel('cct_7_3x1_23')).toThrow(/unknown model 'cct_7_3x1_23'\. Did you mean: cct_7_3x1_32/);
    // @ts-expect-error: nor does an unknown tag
    expect(() => createModel('cct_7_3x1_32.in1k')).toThrow(/no pretrained tag 'in1k'; its tags: cifar10/);
    expect(() => getPretrainedConfig('cct_2_3x2_32_sine')).toThrow(/has no pretrained weights/);
    expect(() => createModel('natt_mini' as never)).toThrow(ModelArgumentError);
    expect(() => createModel('dinat_mni' as never)).toThrow(/Did you mean: dinat_mini/);
  });
});

describe('pretrained configurations', () => {
  it('cct_2_3x2_32.cifar10 (the shipped checkpoint)', () => {
    expect(getPretrainedConfig('cct_2_3x2_32.cifar10')).toMatchObject({
      name: 'cct_2_3x2_32.cifar10', architecture: 'cct_2_3x2_32', tag: 'cifar10',
      numClasses: 10, inputSize: [3, 32, 32], mean: [0.4914, 0.4822, 0.4465], std: [0.247, 0.2435, 0.2616],
      cropPct: 1, interpolation: 'bicubic', labels: 'cifar10', license: 'Apache-2.0',
    });
    expect(getPretrainedConfig('cct_2_3x2_32.cifar10').url).toBeUndefined();
  });

  it('upstream releases, and the default tag of a bare name', () => {
    expect(getPretrainedConfig('cct_14_7x2_224')).toMatchObject({
      name: 'cct_14_7x2_224.in1k', numClasses: 1000, inputSize: [3, 224, 224], cropPct: 0.9, labels: 'imagenet1k',
      url: 'https://shi-labs.com/projects/cct/checkpoints/pretrained/cct_14_7x2_224_imagenet.pth',
    });
    expect(getPretrainedConfig('cct_7_7x2_224_sine.flowers102')).toMatchObject({
      numClasses: 102, mean: [0.4353, 0.3773, 0.2872], std: [0.2966, 0.2455, 0.2698], cropPct: 1,
      url: 'https://shi-labs.com/projects/cct/checkpoints/pretrained/cct_7_7x2_224_flowers102.pth',
    });
    expect(getPretrainedConfig('cct_7_3x1_32_sine_c100').url).toContain('cct_7_3x1_32_sine_cifar100_5000epochs.pth');
    // Every family's tags are built in tests/model_zoo.test.ts.
    for (const tag of listModels('cct_*', { pretrained: true })) {
      const cfg = getPretrainedConfig(tag as 'cct_2_3x2_32.cifar10');
      const model = createModel(tag as 'cct_2_3x2_32.cifar10');
      expect(model.outputs[0]!.shape[1], tag).toBe(cfg.numClasses);
      expect(model.inputs[0]!.shape, tag).toEqual([null, cfg.inputSize[1], cfg.inputSize[2], cfg.inputSize[0]]);
      model.dispose();
    }
  });
});

describe('overrides', () => {
  it('upstream kwargs build the same model as our names', () => {
    const upstream = facts(createModel('cct_7_3x1_32', { embedding_dim: 64, num_layers: 2, num_heads: 4, mlp_ratio: 2, n_conv_layers: 2 }));
    const ours = facts(createModel('cct_7_3x1_32', { embedDim: 64, numLayers: 2, numHeads: 4, mlpRatio: 2, numConvLayers: 2 }));
    expect(upstream).toEqual(ours);
    expect(upstream.params).toBe(110_091);
  });

  it('re-derives stride and padding from kernel_size like upstream _cct, unless given', () => {
    // 7x7 kernels: stride 2, padding 3, so 224 -> 112 -> 56 -> 28 -> 14 = 196 tokens.
    const derived = facts(createModel('cct_7_3x1_32', { kernel_size: 7, n_conv_layers: 2, img_size: 224, embedding_dim: 32, num_heads: 2, num_layers: 1 }));
    expect(derived.weights).toContain('classifier.positional_emb/embedding [1,196,32]');
    expect(derived.weights).toContain('tokenizer.conv_layers.1.0/kernel [7,7,64,32]');
    const given = facts(createModel('cct_7_3x1_32', { kernel_size: 7, stride: 1, padding: 3, img_size: 32, embedding_dim: 32, num_heads: 2, num_layers: 1 }));
    expect(given.weights).toContain('classifier.positional_emb/embedding [1,256,32]');
  });

  it('names layers after the PyTorch module paths', () => {
    const { layers, weights } = facts(createModel('vit_2_4_32', { num_layers: 1 }));
    expect(layers).toEqual(expect.arrayContaining([
      'tokenizer.conv_layers.0.0', 'tokenizer.flattener', 'classifier.class_emb', 'classifier.positional_emb',
      'classifier.blocks.0.pre_norm', 'classifier.blocks.0.self_attn', 'classifier.blocks.0.norm1',
      'classifier.blocks.0.linear1', 'classifier.blocks.0.linear2', 'classifier.norm', 'classifier.fc',
    ]));
    expect(weights).toEqual(expect.arrayContaining([
      'tokenizer.conv_layers.0.0/kernel [4,4,3,128]', 'tokenizer.conv_layers.0.0/bias [128]',
      'classifier.class_emb/embedding [1,1,128]', 'classifier.positional_emb/embedding [1,65,128]',
      'classifier.blocks.0.self_attn/qkv/kernel [128,384]', 'classifier.blocks.0.self_attn/proj/kernel [128,128]',
    ]));
    expect(weights.some((w) => w.includes('qkv/bias'))).toBe(false);
  });

  it('rejects unknown, duplicated and invalid values with the argument and value', () => {
    expect(() => createModel('cct_2_3x2_32', { embed_dim: 64 } as never)).toThrow(/unknown override 'embed_dim'\. Did you mean: embedDim/);
    expect(() => createModel('cct_2_3x2_32', { embedDim: 64, embedding_dim: 64 })).toThrow(/'embedding_dim' and 'embedDim' both set embedDim/);
    expect(() => createModel('cct_2_3x2_32', { pretrained: true } as never)).toThrow(/'pretrained' is not accepted/);
    expect(() => createModel('cct_2_3x2_32', { positional_embedding: 'sin' as never })).toThrow(/positionalEmbedding must be 'learnable', 'sine' or 'none'; got "sin"/);
    expect(() => createModel('cct_2_3x2_32', { numHeads: 3 })).toThrow(/embedDim \(128\) must be divisible by numHeads \(3\)/);
    expect(() => createModel('cvt_2_4_32', { imgSize: 30 })).toThrow(/imgSize \(30\) must be divisible by the patch size kernelSize \(4\)/);
    expect(() => createModel('cct_14_7x2_224', { imgSize: 8, padding: 0 })).toThrow(/imgSize 8 is too small for 2 tokenizer stage\(s\): stage 1 leaves no pixels/);
    expect(() => createModel('cct_2_3x2_32', { n_conv_layers: 1.5 })).toThrow(/numConvLayers must be an integer >= 1; got 1.5/);
    expect(() => createModel('cct_2_3x2_32', { attnDropRate: 1 })).toThrow(/attnDropRate must be a rate in \[0, 1\); got 1/);
  });

  it("'none' positional embedding has no table", () => {
    const { weights } = facts(createModel('cct_2_3x2_32', { positionalEmbedding: 'none' }));
    expect(weights.some((w) => w.startsWith('classifier.positional_emb'))).toBe(false);
  });
});
