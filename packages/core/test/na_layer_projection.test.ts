// SPDX-License-Identifier: MIT
// The NA layer's q/k/v projection (linearSplit) against the upstream recipe (one product, sliced), with and
// without grouped kv heads. On wasm our Linear kernel writes q, k and v to outputs of their own: no copy of an
// activation at any size. Where it does not run (cpu here), many tokens per channel project q, k and v apart
// through the qkv kernel's column blocks and copy no activation; few split one product.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Linear, NeighborhoodAttention2D, na2d } from '@natzoo/core';

beforeAll(async () => {
  await tf.setBackend('wasm');
});

afterAll(async () => {
  await tf.setBackend('wasm');
});

const randn = (shape: number[], seed: number, std = 1) => tf.randomNormal(shape, 0, std, 'float32', seed);

/** Upstream's forward: qkv = x W + b, sliced into [q | k | v] (heads contiguous), NA, proj. */
function upstream(layer: NeighborhoodAttention2D, x: tf.Tensor4D, heads: number, kvHeads: number): tf.Tensor {
  return tf.tidy(() => {
    const w = Object.fromEntries(layer.weights.map((v) => [v.originalName.slice(layer.name.length + 1), v.read()]));
    const channels = x.shape[3];
    const headDim = channels / heads;
    const qkv = tf.add(tf.matMul(tf.reshape(x, [-1, channels]), w['qkv/kernel']!), w['qkv/bias']!);
    const widths = [channels, kvHeads * headDim, kvHeads * headDim];
    const part = (i: number) =>
      tf.reshape(tf.slice(qkv, [0, widths.slice(0, i).reduce((a, b) => a + b, 0)], [-1, widths[i]!]), [...x.shape.slice(0, 3), i === 0 ? heads : kvHeads, headDim]);
    const out = na2d(part(0) as tf.Tensor5D, part(1) as tf.Tensor5D, part(2) as tf.Tensor5D, { kernelSize: 3, rpb: w['rpb'], scale: headDim ** -0.5 });
    return tf.reshape(tf.add(tf.matMul(tf.reshape(out, [-1, channels]), w['proj/kernel']!), w['proj/bias']!), x.shape);
  });
}

describe.each(['wasm', 'cpu'])('NeighborhoodAttention2D q/k/v projection on %s', (backend) => {
  it.each([
    { name: 'many tokens: column blocks', shape: [2, 6, 7, 16], heads: 4, kvHeads: 4, copiesActivations: false },
    { name: 'many tokens, GQA: column blocks', shape: [1, 8, 8, 16], heads: 4, kvHeads: 2, copiesActivations: false },
    { name: 'few tokens: one product, split', shape: [1, 3, 4, 32], heads: 4, kvHeads: 4, copiesActivations: true },
    { name: 'few tokens, GQA: one product, split', shape: [1, 3, 3, 32], heads: 4, kvHeads: 2, copiesActivations: true },
  ])('$name equals the upstream recipe', async ({ shape, heads, kvHeads, copiesActivations: fallbackCopies }) => {
    await tf.setBackend(backend);
    const copiesActivations = backend === 'cpu' && fallbackCopies;
    const layer = new NeighborhoodAttention2D({ numHeads: heads, numKVHeads: kvHeads, kernelSize: 3, qkvBias: true });
    const x = randn(shape, 3) as tf.Tensor4D;
    tf.tidy(() => {
      layer.apply(x);
      layer.setWeights(layer.getWeights().map((w, i) => randn(w.shape, 10 + i, 0.5)));
    });
    const ours = layer.apply(x) as tf.Tensor;
    const reference = upstream(layer, x, heads, kvHeads);
    const scale = tf.tidy(() => Math.max(1, tf.max(tf.abs(reference)).dataSync()[0]!));
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(ours, reference))).dataSync()[0]!)).toBeLessThan(1e-5 * scale);
    // Kernels that copy a per-token tensor (one row per token: the qkv product), not a weight.
    const profile = await tf.profile(() => layer.apply(x) as tf.Tensor);
    const tokens = shape.slice(0, 3).reduce((a, b) => a * b, 1);
    const copies = profile.kernels.filter((k) => ['Slice', 'Transpose', 'Unpack', 'SplitV'].includes(k.name) && k.inputShapes[0]![0] === tokens);
    expect(copies.length > 0, copies.map((k) => `${k.name} ${JSON.stringify(k.inputShapes)}`).join('; ') || `no copies of ${tokens} tokens`).toBe(copiesActivations);
    // The projection's products: q, k, v and proj in two Linear kernels on wasm, none on cpu.
    expect(profile.kernels.filter((k) => k.name === Linear)).toHaveLength(backend === 'wasm' ? 2 : 0);
    tf.dispose([x, ours, reference]);
    layer.dispose();
  });
});
