// SPDX-License-Identifier: MIT
// The model API beyond logits: per-level feature maps (shapes as upstream's detection backbones give them, and
// the same tensors the classifier path computes), a fresh classifier sharing every other weight, the
// no-weight-decay list, and NATTEN <= 0.15's opt-in padding for maps smaller than the window.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { createModel, featureLayerNames, forwardFeatures, NeighborhoodAttention2D, noWeightDecay, resetClassifier } from '@natzoo/models';

beforeAll(async () => {
  if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend failed to initialise');
});

describe('forwardFeatures', () => {
  it('gives NAT levels before their downsamplers: 1/4 .. 1/32 of the input, width doubling', () => {
    const model = createModel('nat_mini', { embed_dim: 16, depths: [1, 2, 1, 1], num_heads: [1, 1, 2, 2] });
    expect(featureLayerNames(model)).toEqual(['levels.0.blocks.0', 'levels.1.blocks.1', 'levels.2.blocks.0', 'levels.3.blocks.0']);
    const x = tf.randomNormal([2, 224, 224, 3], 0, 1, 'float32', 1);
    const features = forwardFeatures(model, x);
    expect(features.map((f) => f.shape)).toEqual([[2, 56, 56, 16], [2, 28, 28, 32], [2, 14, 14, 64], [2, 7, 7, 128]]);
    // The last level feeds the head: its mean after `norm` is what the classifier sees.
    const probe = tf.model({ inputs: model.inputs, outputs: model.getLayer('levels.3.blocks.0').output as tf.SymbolicTensor });
    expect(tf.max(tf.abs(tf.sub(probe.predict(x) as tf.Tensor, features[3]!))).dataSync()[0]).toBe(0);
    model.dispose();
  });

  it('covers ConvMLP stages, DiNAT_s layers and isotropic models; refuses models without blocks', () => {
    const convmlp = createModel('convmlp_s', { blocks: [1, 1, 1], dims: [8, 16, 32], channels: 8, n_conv_blocks: 1 });
    expect(forwardFeatures(convmlp, tf.zeros([1, 224, 224, 3])).map((f) => f.shape)).toEqual([[1, 28, 28, 8], [1, 14, 14, 16], [1, 7, 7, 32]]);
    const iso = createModel('vitrpb_small', { embed_dim: 16, depth: 2, num_heads: 2 });
    expect(featureLayerNames(iso)).toEqual(['layers.1']);
    expect(() => featureLayerNames(createModel('cct_2_3x2_32'))).toThrow(/no NAT\/DiNAT\/ConvMLP\/isotropic blocks/);
  });
});

describe('resetClassifier', () => {
  it('replaces the head and shares every other weight', () => {
    const model = createModel('dinat_s_tiny', { embed_dim: 8, depths: [1, 1, 1, 1], num_heads: [1, 1, 1, 1], dilations: null });
    const fresh = resetClassifier(model, 7);
    expect(fresh.outputs[0]!.shape).toEqual([null, 7]);
    const shared = fresh.weights.filter((w) => !w.originalName.startsWith('head/'));
    expect(shared.every((w) => model.weights.includes(w))).toBe(true);
    expect(shared).toHaveLength(model.weights.length - 2);
    expect(resetClassifier(model, 0).outputs[0]!.shape).toEqual([null, 64]);
    expect(resetClassifier(createModel('cct_2_3x2_32'), 3).outputs[0]!.shape).toEqual([null, 3]);
    expect(() => resetClassifier(model, -1)).toThrow(/numClasses must be an integer >= 0; got -1/);
  });
});

describe('noWeightDecay', () => {
  it('lists rpb tables, norms, biases, layer scale and position embeddings, and no kernel', () => {
    const nat = noWeightDecay(createModel('nat_small', { embed_dim: 8, depths: [1, 1, 1, 1], num_heads: [1, 1, 1, 1] }));
    expect(nat).toContain('levels.0.blocks.0.attn/rpb');
    expect(nat).toContain('levels.0.blocks.0.gamma1/scale');
    expect(nat).toContain('levels.0.blocks.0.norm1/gamma');
    expect(nat).toContain('head/bias');
    expect(nat.some((n) => n.endsWith('/kernel'))).toBe(false);
    expect(noWeightDecay(createModel('cct_2_3x2_32'))).toContain('classifier.positional_emb/embedding');
  });
});

describe('padInput (NATTEN <= 0.15)', () => {
  it('equals attention over the zero-padded map, cropped; without it the size error names the layer and sizes', () => {
    const x = tf.randomNormal([1, 5, 6, 8], 0, 1, 'float32', 4);
    const padded = new NeighborhoodAttention2D({ name: 'padded', numHeads: 2, kernelSize: 7, padInput: true });
    const plain = new NeighborhoodAttention2D({ name: 'plain', numHeads: 2, kernelSize: 7 });
    const out = padded.apply(x) as tf.Tensor;
    plain.apply(tf.zeros([1, 7, 7, 8]));
    plain.setWeights(padded.getWeights());
    // Padding comes before qkv, so the padded tokens' keys and values are the qkv bias, and they are attended to.
    const reference = tf.slice(plain.apply(tf.pad(x, [[0, 0], [0, 2], [0, 1], [0, 0]])) as tf.Tensor, [0, 0, 0, 0], [1, 5, 6, 8]);
    expect(out.shape).toEqual([1, 5, 6, 8]);
    expect(tf.max(tf.abs(tf.sub(out, reference))).dataSync()[0]).toBeLessThan(1e-6);
    expect(() => plain.apply(x)).toThrow(/kernelSize\*dilation \(7\*1=7\) > input size \(5\)/);
    expect(() => createModel('dinat_large_21k_11x11', { padInput: false })).toThrow(/level 0 block 1: the 56x56 feature map \(imgSize 224\) is smaller than kernelSize\*dilation = 11\*8 = 88/);
  });
});
