// SPDX-License-Identifier: MIT
// CCT / CVT / ViT-Lite: parameter counts of every registered variant against upstream, output shapes, the
// forward pass against an independent composition of tf ops (PyTorch semantics: symmetric padding, -inf pool
// padding, eps 1e-5, erf GELU, CCT's norm1 quirk), gradients, and the save/load round trip.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { createModel, listModels } from '@natzoo/models';
import type { ModelName } from '@natzoo/models';

beforeAll(async () => {
  if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend failed to initialise');
});

/**
 * `sum(p.numel() for p in model.parameters())` of the upstream modules (the sine table is a Parameter too),
 * recomputed from the layer shapes in models.md section 5; the README values (M) where upstream reports one.
 * The layer-shape formula reproduces all six fixtures' `num_params` exactly.
 */
const UPSTREAM_PARAMS: Record<string, { params: number; readme?: number }> = {
  cct_2_3x2_32: { params: 283_723, readme: 0.284 },
  cct_2_3x2_32_sine: { params: 283_723 },
  cct_4_3x2_32: { params: 482_123 },
  cct_4_3x2_32_sine: { params: 482_123 },
  cct_6_3x1_32: { params: 3_233_803 },
  cct_6_3x1_32_sine: { params: 3_233_803 },
  cct_6_3x2_32: { params: 3_326_923 },
  cct_6_3x2_32_sine: { params: 3_326_923 },
  cct_7_3x1_32: { params: 3_760_139, readme: 3.76 },
  cct_7_3x1_32_sine: { params: 3_760_139 },
  cct_7_3x1_32_c100: { params: 3_783_269 },
  cct_7_3x1_32_sine_c100: { params: 3_783_269 },
  cct_7_3x2_32: { params: 3_853_259 },
  cct_7_3x2_32_sine: { params: 3_853_259 },
  cct_7_7x2_224: { params: 4_573_735 },
  cct_7_7x2_224_sine: { params: 4_573_735 },
  cct_14_7x2_224: { params: 22_367_273, readme: 22.36 },
  cct_14_7x2_384: { params: 22_513_193, readme: 22.51 },
  cct_14_7x2_384_fl: { params: 22_167_463 },
  cvt_2_4_32: { params: 214_539 },
  cvt_2_4_32_sine: { params: 214_539 },
  cvt_4_4_32: { params: 412_939 },
  cvt_4_4_32_sine: { params: 412_939 },
  cvt_6_4_32: { params: 3_190_283 },
  cvt_6_4_32_sine: { params: 3_190_283 },
  cvt_7_4_32: { params: 3_716_619 },
  cvt_7_4_32_sine: { params: 3_716_619 },
  vit_2_4_32: { params: 214_666 },
  vit_2_4_32_sine: { params: 214_666 },
  vit_4_4_32: { params: 413_066 },
  vit_4_4_32_sine: { params: 413_066 },
  vit_6_4_32: { params: 3_190_538 },
  vit_6_4_32_sine: { params: 3_190_538 },
  vit_7_4_32: { params: 3_716_874 },
  vit_7_4_32_sine: { params: 3_716_874 },
};

const compactNames = () => [
  ...listModels(undefined, { family: 'cct' }),
  ...listModels(undefined, { family: 'cvt' }),
  ...listModels(undefined, { family: 'vit_lite' }),
];

const randn = (shape: number[], seed: number, std = 1) => tf.randomNormal(shape, 0, std, 'float32', seed);

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

/** Replaces every weight with O(0.3) random values so zero- and one-initialised terms matter. */
function randomizeWeights(model: tf.LayersModel, seed: number): void {
  tf.tidy(() => {
    for (const [i, w] of model.weights.entries()) {
      if (w.trainable) w.write(tf.add(w.read(), randn(w.shape as number[], seed + i, 0.3)));
    }
  });
}

describe('registered variants', () => {
  it('are exactly the upstream names', () => {
    expect(compactNames().sort()).toEqual(Object.keys(UPSTREAM_PARAMS).sort());
  });

  it.each(Object.entries(UPSTREAM_PARAMS))('%s has the upstream parameter count', (name, { params, readme }) => {
    const model = createModel(name as ModelName);
    try {
      expect(model.countParams()).toBe(params);
      // README figures are truncated to the shown digits.
      if (readme !== undefined) expect(Math.abs(params / 1e6 - readme)).toBeLessThan(0.01);
      const [numClasses, imgSize] = [model.outputs[0]!.shape[1], model.inputs[0]!.shape[1]];
      expect(model.inputs[0]!.shape).toEqual([null, imgSize, imgSize, 3]);
      expect(model.outputs[0]!.shape).toEqual([null, numClasses]);
    } finally {
      model.dispose();
    }
  });

  it.each(['cct_2_3x2_32', 'cct_6_3x1_32_sine', 'cvt_2_4_32_sine', 'vit_2_4_32', 'cct_7_7x2_224'] as const)(
    '%s maps [B, H, W, 3] to finite [B, classes] logits',
    (name) => {
      const model = createModel(name);
      const [, size] = model.inputs[0]!.shape as [null, number];
      const numClasses = model.outputs[0]!.shape[1]!;
      const y = model.predict(randn([2, size, size, 3], 1)) as tf.Tensor;
      expect(y.shape).toEqual([2, numClasses]);
      expect(Array.from(y.dataSync()).every(Number.isFinite)).toBe(true);
      y.dispose();
      model.dispose();
    },
  );
});

// === An independent forward in PyTorch terms ===

function weightsOf(model: tf.LayersModel, layer: string): tf.Tensor[] {
  return model.getLayer(layer).getWeights();
}

/** LayerNorm with PyTorch's eps 1e-5 and biased variance. */
function layerNorm(x: tf.Tensor, [gamma, beta]: tf.Tensor[]): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5))), gamma!), beta!);
}

function linear(x: tf.Tensor, [kernel, bias]: tf.Tensor[]): tf.Tensor {
  const y = tf.matMul(tf.reshape(x, [-1, kernel!.shape[0]!]), kernel!);
  return tf.reshape(bias === undefined ? y : tf.add(y, bias), [...x.shape.slice(0, -1), kernel!.shape[1]!]);
}

const geluErf = (x: tf.Tensor) => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.div(x, Math.SQRT2))));

/** Upstream `Attention`: heads from column blocks of qkv (no bias), softmax(q k^T * scale) v, proj. */
function attention(x: tf.Tensor, [qkvKernel, projKernel, projBias]: tf.Tensor[], heads: number): tf.Tensor {
  const [b, n, c] = x.shape as [number, number, number];
  const d = c / heads;
  const qkv = linear(x, [qkvKernel!]);
  const outs: tf.Tensor[] = [];
  for (let h = 0; h < heads; h++) {
    const part = (i: number) => tf.slice(qkv, [0, 0, i * c + h * d], [b, n, d]);
    const attn = tf.softmax(tf.mul(tf.matMul(part(0), part(1), false, true), d ** -0.5));
    outs.push(tf.matMul(attn, part(2)));
  }
  return linear(tf.concat(outs, -1), [projKernel!, projBias!]);
}

/** CCT in PyTorch terms: symmetric zero pad + conv, ReLU, -inf pad + max-pool, then the classifier. */
function referenceCCT(model: tf.LayersModel, x: tf.Tensor, cfg: { layers: number; convs: number; heads: number; stride: number; pad: number }): tf.Tensor {
  return tf.tidy(() => {
    let h = x;
    for (let i = 0; i < cfg.convs; i++) {
      const [kernel] = weightsOf(model, `tokenizer.conv_layers.${i}.0`);
      const padded = tf.pad(h, [[0, 0], [cfg.pad, cfg.pad], [cfg.pad, cfg.pad], [0, 0]]);
      h = tf.relu(tf.conv2d(padded as tf.Tensor4D, kernel as tf.Tensor4D, cfg.stride, 'valid'));
      h = tf.maxPool(tf.pad(h, [[0, 0], [1, 1], [1, 1], [0, 0]], -Infinity) as tf.Tensor4D, 3, 2, 'valid');
    }
    const [b, hh, ww, c] = h.shape as [number, number, number, number];
    let t = tf.add(tf.reshape(h, [b, hh * ww, c]), weightsOf(model, 'classifier.positional_emb')[0]!);
    for (let i = 0; i < cfg.layers; i++) {
      const p = `classifier.blocks.${i}`;
      t = tf.add(t, attention(layerNorm(t, weightsOf(model, `${p}.pre_norm`)), weightsOf(model, `${p}.self_attn`), cfg.heads));
      t = layerNorm(t, weightsOf(model, `${p}.norm1`)); // CCT: the residual stream itself is normalised
      t = tf.add(t, linear(geluErf(linear(t, weightsOf(model, `${p}.linear1`))), weightsOf(model, `${p}.linear2`)));
    }
    t = layerNorm(t, weightsOf(model, 'classifier.norm'));
    const logits = tf.squeeze(linear(t, weightsOf(model, 'classifier.attention_pool')), [2]); // [B, N]
    const pooled = tf.sum(tf.mul(tf.expandDims(tf.softmax(logits), 2), t), 1);
    return linear(pooled, weightsOf(model, 'classifier.fc'));
  });
}

describe('forward pass', () => {
  it.each([
    { name: 'k=3 s=1 p=1, 2 convs, learnable PE', kernel: 3, convs: 2, img: 32, heads: 2, stride: 1, pad: 1, pe: 'learnable' },
    { name: 'k=7 s=2 p=3, 2 convs, sine PE', kernel: 7, convs: 2, img: 64, heads: 4, stride: 2, pad: 3, pe: 'sine' },
    { name: 'k=3, 1 conv, odd image', kernel: 3, convs: 1, img: 21, heads: 2, stride: 1, pad: 1, pe: 'learnable' },
  ] as const)('CCT ($name) equals the PyTorch-semantics composition', (c) => {
    const model = createModel('cct_7_3x1_32', {
      kernelSize: c.kernel, numConvLayers: c.convs, imgSize: c.img, numHeads: c.heads, embedDim: 32, numLayers: 2,
      mlpRatio: 1.5, numClasses: 7, positionalEmbedding: c.pe,
    });
    randomizeWeights(model, 10);
    const x = randn([2, c.img, c.img, 3], 2);
    const ours = model.predict(x) as tf.Tensor;
    const ref = referenceCCT(model, x, { layers: 2, convs: c.convs, heads: c.heads, stride: c.stride, pad: c.pad });
    expect(maxAbsDiff(ours, ref)).toBeLessThan(2e-5 * Math.max(1, tf.max(tf.abs(ref)).dataSync()[0]!));
    tf.dispose([x, ours, ref]);
    model.dispose();
  });

  it('uses the exact erf GELU, not the tanh approximation', () => {
    const model = createModel('cct_2_3x2_32');
    expect(model.getLayer('classifier.blocks.0.linear1').getConfig()['activation']).toBe('gelu');
    model.dispose();
    // x * Phi(x) at x = -3 is -0.0040496; the tanh form gives -0.0036375.
    const act = tf.layers.activation({ activation: 'gelu' });
    const y = (act.apply(tf.tensor1d([-3, -1, 0.5, 2])) as tf.Tensor).dataSync();
    const exact = [-0.0040496503, -0.1586552539, 0.3457312306, 1.9544997361];
    exact.forEach((value, i) => expect(Math.abs(y[i]! - value)).toBeLessThan(1e-6));
  });

  it('is deterministic at inference and stochastic while training (dropout, drop path)', () => {
    const model = createModel('cct_2_3x2_32', { dropRate: 0.2 });
    const x = randn([4, 32, 32, 3], 3);
    const a = model.predict(x) as tf.Tensor;
    const b = model.predict(x) as tf.Tensor;
    const t = model.apply(x, { training: true }) as tf.Tensor;
    expect(maxAbsDiff(a, b)).toBe(0);
    expect(maxAbsDiff(a, t)).toBeGreaterThan(0);
    tf.dispose([x, a, b, t]);
    model.dispose();
  });

  // On cpu: tfjs-wasm 4.22 has no Conv2DBackpropFilter kernel, so conv models cannot train there.
  it.each(['cct_2_3x2_32_sine', 'cvt_2_4_32', 'vit_2_4_32'] as const)('%s gives every trainable weight a gradient (cpu)', async (name) => {
    await tf.setBackend('cpu');
    const model = createModel(name, { numLayers: 1, imgSize: 16 });
    const x = randn([2, 16, 16, 3], 4);
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(model.apply(x) as tf.Tensor)) as tf.Scalar, vars);
    for (const v of vars) {
      const g = grads[v.name];
      expect(g, v.name).toBeDefined();
      const largest = tf.max(tf.abs(g!)).dataSync()[0]!;
      // The pooling bias adds the same amount to every token's pooling logit, which the softmax over tokens
      // ignores: its exact gradient is 0, and float32 leaves only rounding (zero or not, by chance).
      if (/attention_pool\/bias/.test(v.name)) expect(largest, v.name).toBeLessThan(1e-6);
      else expect(largest, v.name).toBeGreaterThan(0);
    }
    expect(model.nonTrainableWeights.map((w) => w.originalName)).toEqual(
      name.endsWith('_sine') ? ['classifier.positional_emb/embedding'] : [],
    );
    tf.dispose([x, value, ...Object.values(grads)]);
    model.dispose();
    await tf.setBackend('wasm');
  });
});

describe('save and load', () => {
  it.each([
    ['cct_2_3x2_32', {}],
    ['cct_2_3x2_32_sine', { dropRate: 0.1 }],
    ['cvt_2_4_32', {}],
    ['vit_2_4_32_sine', {}],
    ['cct_7_7x2_224', { numLayers: 1, embedDim: 32, numHeads: 2, imgSize: 96 }],
  ] as const)('%s round-trips through model.json with identical outputs', async (name, overrides) => {
    const model = createModel(name, overrides);
    randomizeWeights(model, 20);
    let artifacts: tf.io.ModelArtifacts | undefined;
    await model.save(tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts!));
    expect(loaded.weights.map((w) => w.originalName)).toEqual(model.weights.map((w) => w.originalName));
    expect(loaded.countParams()).toBe(model.countParams());
    const size = model.inputs[0]!.shape[1]!;
    const x = randn([2, size, size, 3], 5);
    const [a, b] = [model.predict(x) as tf.Tensor, loaded.predict(x) as tf.Tensor];
    expect(maxAbsDiff(a, b)).toBe(0);
    tf.dispose([x, a, b]);
    model.dispose();
    loaded.dispose();
  });
});
