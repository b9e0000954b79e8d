// SPDX-License-Identifier: MIT
// runLayers (inference through a functional model's layers without tfjs-layers' executor) against tfjs' own
// predict on the same model: the same values bit for bit, no tensors left behind, and InferenceModel.predict
// handing tfjs' predict what one pass cannot take (larger than a batch, a wrong shape, two inputs).
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { createModel } from '@natzoo/models';
import { canRunLayers, runLayers, runsAsOnePass } from '../src/inference/run_layers.js';

beforeAll(async () => {
  if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend failed to initialise');
});

/** tfjs-layers' own predict (its executor), bypassing InferenceModel's override. */
const tfjsPredict = (model: tf.LayersModel, x: tf.Tensor, batchSize?: number) =>
  tf.LayersModel.prototype.predict.call(model, x, batchSize === undefined ? {} : { batchSize }) as tf.Tensor;

describe('runLayers', () => {
  it('gives tfjs predict\'s outputs bit for bit and frees every intermediate', async () => {
    const model = createModel('cct_2_3x2_32', { dropPathRate: 0.1 });
    const x = tf.randomNormal([3, 32, 32, 3], 0, 1, 'float32', 3);
    const expected = tfjsPredict(model, x);
    const before = tf.memory().numTensors;
    const ours = runLayers(model, x);
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(Array.from(await ours.data())).toEqual(Array.from(await expected.data()));
    const viaPredict = model.predict(x) as tf.Tensor;
    expect(Array.from(await viaPredict.data())).toEqual(Array.from(await expected.data()));
    tf.dispose([x, expected, ours, viaPredict]);
    model.dispose();
  });

  it('leaves to tfjs predict what it would not run as one pass, with tfjs\' errors', async () => {
    const model = createModel('cvt_2_4_32');
    const x = tf.randomNormal([3, 32, 32, 3], 0, 1, 'float32', 4);
    expect(runsAsOnePass(model, x)).toBe(true);
    expect(runsAsOnePass(model, x, 2)).toBe(false);
    const [sliced, whole] = [model.predict(x, { batchSize: 2 }) as tf.Tensor, tfjsPredict(model, x, 2)];
    expect(Array.from(await sliced.data())).toEqual(Array.from(await whole.data()));
    const wrong = tf.zeros([1, 16, 32, 3]);
    expect(runsAsOnePass(model, wrong)).toBe(false);
    expect(() => model.predict(wrong)).toThrow(/expected image to have shape \[null,32,32,3\] but got array with shape \[1,16,32,3\]/);
    tf.dispose([x, sliced, whole, wrong]);
    model.dispose();
  });

  it('refuses a model with two inputs, naming it', () => {
    const [a, b] = [tf.input({ shape: [4] }), tf.input({ shape: [4] })];
    const model = tf.model({ name: 'two_inputs', inputs: [a, b], outputs: tf.layers.add().apply([a, b]) as tf.SymbolicTensor });
    expect(canRunLayers(model)).toBe(false);
    expect(() => runLayers(model, tf.zeros([1, 4]))).toThrow(/runLayers: model 'two_inputs' needs one input, one output and no masking layers/);
    model.dispose();
  });
});
