// SPDX-License-Identifier: MIT
// ConvMLP against the upstream PyTorch code: the fixture (upstream `_convmlp` with perturbed weights and BatchNorm
// statistics) is rebuilt from its kwargs, both its zip and its legacy (pre-1.6) checkpoint are read with
// @natzoo/train and converted, and the eval-mode logits must match to 1e-4 of their scale.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createModel, loadConvMLPStateDict } from '@natzoo/models';
import { loadStateDict, readNpy } from '@natzoo/train';
import { sharedPath } from './support/shared_dir.js';

beforeAll(async () => {
  if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend failed to initialise');
});

const dir = sharedPath('fixtures', 'models', 'convmlp_tiny_224');

async function readFloat32(path: string): Promise<{ shape: number[]; data: Float32Array }> {
  const array = await readNpy(path);
  if (!(array.data instanceof Float32Array)) throw new Error(`${path}: expected float32, got ${array.dtype}`);
  return { shape: array.shape, data: array.data };
}

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
    let maxAbs = 0;
    let scale = 0;
    expected.data.forEach((e, i) => {
      maxAbs = Math.max(maxAbs, Math.abs(logits[i]! - e));
      scale = Math.max(scale, Math.abs(e));
    });
    console.log(`convmlp_tiny_224 (${file}): max |diff| ${maxAbs.toExponential(2)}, relative ${(maxAbs / scale).toExponential(2)}`);
    expect(maxAbs / scale).toBeLessThan(1e-4);
    model.dispose();
  });
});
