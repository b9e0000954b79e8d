// SPDX-License-Identifier: MIT
// The web app's attention maps against the layers they explain, in Node on the cpu backend:
// - NA: the per-head weights of one query, applied to the layer's own values and projection, must give the
//   layer's output at that query (a weight at a wrong key position or a wrong normalisation would not);
// - sequence pooling: the weights, applied to the pooled layer's input tokens, must give the layer's output.
import * as tf from '@tensorflow/tfjs';
import { NeighborhoodAttention2D } from '@natzoo/core';
import { createModel } from '@natzoo/models';
import { beforeAll, describe, expect, it } from 'vitest';
import { findAttentionSources, neighborhoodAttentionAt, neighborhoodMap, sequencePoolingMap } from '../apps/web/src/attention_map.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function naModel(args: ConstructorParameters<typeof NeighborhoodAttention2D>[0], size: [number, number], channels: number): tf.LayersModel {
  const input = tf.input({ shape: [...size, channels] });
  const mixed = tf.layers.dense({ units: channels, name: 'mix' }).apply(input) as tf.SymbolicTensor;
  const attended = new NeighborhoodAttention2D({ ...args, name: 'na' }).apply(mixed) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: attended });
}

/** The layer's output at `query`, rebuilt from the map: per head sum_p A_h(p) v_h(p), then the projection. */
async function rebuild(model: tf.LayersModel, input: tf.Tensor4D, query: [number, number], heads: number): Promise<{ got: Float32Array; want: Float32Array }> {
  const layer = model.getLayer('na');
  const { perHead, rows, cols, query: [qy, qx] } = await neighborhoodAttentionAt(model, 'na', input, query);
  const weight = (suffix: string) => layer.getWeights()[layer.weights.findIndex((w) => w.originalName.endsWith(`/${suffix}`))]!;
  const x = model.getLayer('mix').apply(input) as tf.Tensor4D;
  const channels = x.shape[3];
  const headDim = channels / heads;
  const got = tf.tidy(() => {
    const qkv = tf.add(tf.matMul(x.reshape([-1, channels]), weight('qkv/kernel')), weight('qkv/bias'));
    const v = tf.slice(qkv, [0, 2 * channels], [-1, channels]).reshape([rows * cols, heads, headDim]);
    const outs = perHead.map((grid, h) =>
      tf.matMul(tf.tensor2d(grid, [1, rows * cols]), tf.slice(v, [0, h, 0], [-1, 1, -1]).reshape([rows * cols, headDim])),
    );
    return tf.add(tf.matMul(tf.concat(outs, 1), weight('proj/kernel')), weight('proj/bias'));
  });
  const want = tf.tidy(() => tf.slice((model.predict(input) as tf.Tensor4D), [0, qy, qx, 0], [1, 1, 1, -1]).reshape([-1]));
  const result = { got: (await got.data()) as Float32Array, want: (await want.data()) as Float32Array };
  tf.dispose([x, got, want]);
  return result;
}

describe('web app attention maps', () => {
  it.each([
    ['kernel 3, dilation [2, 1], rpb, border query', { numHeads: 2, kernelSize: 3, dilation: [2, 1] as [number, number], relPosBias: true }, [8, 0] as [number, number]],
    ['kernel [5, 3], causal rows, inner query', { numHeads: 4, kernelSize: [5, 3] as [number, number], isCausal: [true, false] as [boolean, boolean], relPosBias: false }, [6, 4] as [number, number]],
    ['kernel 5, dilation 2, query clamped from outside', { numHeads: 2, kernelSize: 5, dilation: 2 }, [40, -3] as [number, number]],
  ])('NA map (%s) reproduces the layer output at the query', async (_name, args, query) => {
    const model = naModel(args, [10, 11], 16);
    const input = tf.randomNormal([1, 10, 11, 16], 0, 1, 'float32', 7) as tf.Tensor4D;
    const { got, want } = await rebuild(model, input, query, args.numHeads);
    want.forEach((w, i) => expect(got[i], `channel ${i}`).toBeCloseTo(w, 4));
    const map = await neighborhoodMap(model, 'na', input, query);
    const sum = map.weights.reduce((a, b) => a + b, 0);
    expect(sum).toBeCloseTo(1, 5);
    const kernel = typeof args.kernelSize === 'number' ? [args.kernelSize, args.kernelSize] : args.kernelSize;
    expect(map.weights.filter((w) => w > 0).length).toBeLessThanOrEqual(kernel[0]! * kernel[1]!);
    expect(findAttentionSources(model)).toEqual([{ kind: 'neighborhood', layer: 'na', rows: 10, cols: 11 }]);
    tf.dispose([input]);
    model.dispose();
  });

  it('sequence-pooling weights reproduce the pooled feature of a CCT', async () => {
    const model = createModel('cct_2_3x2_32', { numClasses: 10 });
    const [source] = findAttentionSources(model);
    expect(source).toEqual({ kind: 'sequence-pooling', layer: 'classifier.attention_pool' });
    const input = tf.randomNormal([1, 32, 32, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    const { weights, rows, cols } = await sequencePoolingMap(model, source!.layer, input);
    // CCT-2/3x2 at 32 px: two stride-2 pools after the convs leave an 8x8 token grid.
    expect([rows, cols]).toEqual([8, 8]);
    const pool = model.getLayer('classifier.attention_pool');
    const tokens = tf.model({ inputs: model.inputs, outputs: pool.input as tf.SymbolicTensor }).predict(input) as tf.Tensor3D;
    const pooled = tf.tidy(() => tf.matMul(tf.tensor2d(weights, [1, rows * cols]), tokens.reshape([rows * cols, -1])));
    const want = pool.apply(tokens) as tf.Tensor;
    const [got, expected] = [await pooled.data(), await want.data()];
    expected.forEach((w, i) => expect(got[i], `channel ${i}`).toBeCloseTo(w, 4));
    tf.dispose([input, tokens, pooled, want]);
    model.dispose();
  });
});
