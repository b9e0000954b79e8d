// SPDX-License-Identifier: MIT
// Seeded randomness without touching Math.random: every family's tiny model (and CCT with dropout) built under
// a random source starts from weights the source determines, and a training step with drop path and dropout
// on draws its masks from the step's stream. Math.random is watched (not replaced) and must not be called.
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { withRandomSource } from '@natzoo/core';
import { registerTrainingKernels } from '@natzoo/core/training-kernels';
import { createModel, type ModelName } from '@natzoo/models';
import { computeGradients, rngFor, trainableParams } from '@natzoo/train';
import { RANDOM_LAYER_MODELS } from './support/tiny_models.js';


beforeAll(async () => {
  await tf.setBackend('cpu');
  // tfjs-cpu's own conv weight gradient takes minutes on CCT's tokenizer.
  registerTrainingKernels();
});

afterEach(() => {
  vi.restoreAllMocks();
});

function build(name: ModelName, overrides: Record<string, unknown>, seed: number): tf.LayersModel {
  return withRandomSource(rngFor(seed, 'init'), () => createModel(name, { ...overrides, dropPathRate: 0.3, numClasses: 5 } as never));
}

const weightValues = (model: tf.LayersModel) => model.weights.map((w) => [...w.read().dataSync()]);

describe.each(RANDOM_LAYER_MODELS)('%s', (name, overrides, size) => {
  it('builds from the source alone: one seed one set of weights, another seed others', () => {
    const mathRandom = vi.spyOn(Math, 'random');
    const [a, b, c] = [1, 1, 2].map((seed) => build(name, overrides, seed));
    expect(mathRandom).not.toHaveBeenCalled();
    expect(weightValues(b!)).toEqual(weightValues(a!));
    expect(weightValues(c!)).not.toEqual(weightValues(a!));
    for (const m of [a, b, c]) m!.dispose();
  });

  it('built without a source, saves the topology tfjs would (no initializer seeds)', () => {
    const model = createModel(name, { ...overrides, dropPathRate: 0.3, numClasses: 5 } as never);
    const topology = JSON.stringify(model.toJSON(null, false));
    // The convs pad inside the kernel now (PaddedConv2D, which saves no initializer); any tfjs-layers initializer
    // left in the topology must be saved without a seed, as tfjs saves it.
    expect(topology).not.toMatch(/"seed":\d/);
    model.dispose();
  });

  it('takes a training step\'s masks from the step\'s stream', () => {
    const model = build(name, overrides, 1);
    const params = trainableParams(model.weights);
    const x = tf.randomNormal([2, size, size, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
    const y = tf.oneHot(tf.tensor1d([1, 3], 'int32'), 5).toFloat() as tf.Tensor2D;
    const mathRandom = vi.spyOn(Math, 'random');
    const losses = [0, 0, 1, 2, 3].map((step) => {
      const { loss, grads } = computeGradients(model, params, x, y, rngFor(1, 'step', step));
      tf.dispose([...grads.values()]);
      return loss;
    });
    expect(mathRandom).not.toHaveBeenCalled();
    expect(losses[1]).toBe(losses[0]);
    expect(new Set(losses.slice(1)).size).toBeGreaterThan(1);
    tf.dispose([x, y]);
    model.dispose();
  });
});
