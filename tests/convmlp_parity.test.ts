// SPDX-License-Identifier: MIT
// ConvMLP against the upstream PyTorch code: the fixture (upstream `_convmlp` with perturbed weights and BatchNorm
// statistics) is rebuilt from its kwargs, both its zip and its legacy (pre-1.6) checkpoint are read with
// @natzoo/train and converted, and the eval-mode logits must match to 1e-4 of their scale.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createModel } from '@natzoo/models';
import { loadConvMLPStateDict } from '@natzoo/models/advanced';
import { loadStateDict } from '@natzoo/train';
import { readFloat32, scaledError } from './support/model_fixtures.js';
import { sharedPath } from './support/shared_dir.js';

beforeAll(async () => {
  if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend failed to initialise');
});

const dir = sharedPath('fixtures', 'models', 'convmlp_tiny_224');

describe('convmlp_tiny_224', () => {
  it.each(['checkpoint.pth', 'checkpoint_legacy.pth'])('%s gives the upstream logits', async (file) => {
    const config = JSON.parse(readFileSync(`${dir}/config.json`, 'utf8')) as { constructor_kwargs: Record<string, unknown>; num_params: number };
    const model = createModel('convmlp_s', config.constructor_kwargs);
    // num_params counts parameters only; the BatchNorm running statistics are non-trainable weights here.
    expect(model.trainableWeights.reduce((n, w) => n + tf.util.sizeFromShape(w.shape as number[]), 0)).toBe(config.num_params);
    const report = await loadConvMLPStateDict(model, await loadStateDict(`${dir}/${file}`));
    expect(report.ignored.every((i) => i.key.endsWith('num_batches_tracked'))).toBe(true);
    expect(report.ignored.length).toBeGreaterThan(0);

    const input = await readFloat32(`${dir}/input.npy`);
    const expected = await readFloat32(`${dir}/output.npy`);
    const logits = tf.tidy(() => (model.predict(tf.transpose(tf.tensor(input.data, input.shape), [0, 2, 3, 1])) as tf.Tensor).dataSync());
    const { maxAbs, relative } = scaledError(logits, expected.data);
    console.log(`convmlp_tiny_224 (${file}): max |diff| ${maxAbs.toExponential(2)}, relative ${relative.toExponential(2)}`);
    expect(relative).toBeLessThan(1e-4);
    model.dispose();
  });
});
