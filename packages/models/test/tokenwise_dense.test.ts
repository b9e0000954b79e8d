// SPDX-License-Identifier: MIT
// TokenwiseDense against tfjs-layers' Dense with the same weights on token maps (rank 3 and 4, with and without
// bias, linear and gelu), on cpu and wasm, plus its serialization round trip and gradients.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { TokenwiseDense } from '@natzoo/models/advanced';

afterAll(async () => {
  await tf.setBackend('cpu');
});

const CASES = [
  { shape: [2, 5, 6, 8], activation: 'gelu', useBias: true },
  { shape: [2, 5, 6, 8], activation: 'linear', useBias: false },
  { shape: [3, 7, 8], activation: 'linear', useBias: true },
  { shape: [4, 8], activation: 'gelu', useBias: true },
] as const;

/** A Dense and a TokenwiseDense holding the same random kernel and bias, applied to the same input. */
function pair(shape: readonly number[], activation: 'linear' | 'gelu', useBias: boolean) {
  const x = tf.randomNormal([...shape], 0, 1, 'float32', 1);
  const dense = tf.layers.dense({ units: 12, activation, useBias });
  const ours = new TokenwiseDense({ units: 12, activation, useBias });
  dense.apply(x);
  ours.apply(x);
  const weights = [tf.randomNormal([8, 12], 0, 1, 'float32', 2), ...(useBias ? [tf.randomNormal([12], 0, 1, 'float32', 3)] : [])];
  dense.setWeights(weights);
  ours.setWeights(weights);
  return { x, dense, ours };
}

describe.each(['cpu', 'wasm'])('TokenwiseDense on %s', (backend) => {
  it.each(CASES)('equals Dense for input $shape, $activation, bias $useBias', async ({ shape, activation, useBias }) => {
    await tf.setBackend(backend);
    const { x, dense, ours } = pair(shape, activation, useBias);
    const want = dense.apply(x) as tf.Tensor;
    const got = ours.apply(x) as tf.Tensor;
    expect(got.shape).toEqual(want.shape);
    const diff = tf.max(tf.abs(tf.sub(got, want))).dataSync()[0]!;
    expect(diff).toBeLessThan(1e-5);
    expect(ours.weights.map((w) => w.originalName.split('/').pop())).toEqual(dense.weights.map((w) => w.originalName.split('/').pop()));
  });
});

describe('TokenwiseDense in a model', () => {
  it('survives a save/load round trip and passes gradients to its weights', async () => {
    await tf.setBackend('cpu');
    const input = tf.input({ shape: [3, 4, 8] });
    const output = new TokenwiseDense({ name: 'fc1', units: 6, activation: 'gelu' }).apply(input) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: output });
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved!));
    const x = tf.randomNormal([2, 3, 4, 8], 0, 1, 'float32', 4);
    const diff = tf.max(tf.abs(tf.sub(model.predict(x) as tf.Tensor, loaded.predict(x) as tf.Tensor))).dataSync()[0]!;
    expect(diff).toBe(0);
    const { grads } = tf.variableGrads(() => tf.sum(model.predict(x) as tf.Tensor) as tf.Scalar);
    expect(Object.keys(grads)).toHaveLength(2);
    for (const g of Object.values(grads)) expect(tf.max(tf.abs(g)).dataSync()[0]!).toBeGreaterThan(0);
  });

  it('rejects units and activations it cannot build', () => {
    expect(() => new TokenwiseDense({ units: 0 })).toThrow(/units must be a positive integer; got 0/);
    expect(() => new TokenwiseDense({ units: 4, activation: 'relu' as never })).toThrow(/activation must be 'linear' or 'gelu'; got relu/);
  });
});
