// SPDX-License-Identifier: MIT
// CCT / CVT / ViT-Lite against the upstream PyTorch code: each model fixture (built by upstream with random
// weights, see fixtures/models/README.md) is rebuilt from its constructor kwargs, its checkpoint is read with
// @natzoo/train and converted with loadCCTStateDict, and the logits must match to 1e-4 of their scale. Then the
// real trained CCT-2/3x2 checkpoint on 1017 CIFAR-10 test images: top-1 612/1017 and logits within 1e-4.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createModel } from '@natzoo/models';
import { loadCCTStateDict, sineTable } from '@natzoo/models/advanced';
import type { ModelName } from '@natzoo/models';
import { loadStateDict } from '@natzoo/train';
import { baseModelFor, readFloat32, scaledError } from './support/model_fixtures.js';
import { sharedPath } from './support/shared_dir.js';

beforeAll(async () => {
  if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend failed to initialise');
});

interface FixtureConfig {
  upstream: { symbol: string };
  constructor_kwargs: Record<string, unknown>;
  num_params: number;
  files: Record<string, unknown>;
}

const FIXTURES = ['cct_2_3x2_32_random', 'cct_3x1_32_tiny', 'cct_3x2_32_sine_tiny', 'cct_7x2_224_tiny', 'cvt_4_32_tiny', 'vit_lite_4_32_tiny'];

async function buildFixture(name: string) {
  const dir = sharedPath('fixtures', 'models', name);
  const config = JSON.parse(readFileSync(`${dir}/config.json`, 'utf8')) as FixtureConfig;
  const symbol = config.upstream.symbol;
  const model = createModel(baseModelFor(symbol) as ModelName, config.constructor_kwargs);
  return { dir, config, model };
}

async function logitsFor(model: tf.LayersModel, inputPath: string): Promise<Float32Array> {
  const input = await readFloat32(inputPath);
  return tf.tidy(() => {
    const nhwc = tf.transpose(tf.tensor(input.data, input.shape), [0, 2, 3, 1]);
    return (model.predict(nhwc) as tf.Tensor).dataSync() as Float32Array;
  });
}

describe('upstream fixtures', () => {
  it.each(FIXTURES)('%s matches the upstream logits', async (name) => {
    const { dir, config, model } = await buildFixture(name);
    expect(model.countParams()).toBe(config.num_params);
    const report = await loadCCTStateDict(model, await loadStateDict(`${dir}/checkpoint.pth`));
    expect(report.unused).toEqual([]);
    expect(report.kept.map((k) => k.weight)).toEqual(name.includes('sine') ? ['classifier.positional_emb/embedding'] : []);

    const expected = await readFloat32(`${dir}/output.npy`);
    const ours = await logitsFor(model, `${dir}/input.npy`);
    const { maxAbs, relative, scale } = scaledError(ours, expected.data);
    console.log(`${name}: max |diff| ${maxAbs.toExponential(2)}, relative to max |logit| ${scale.toFixed(3)}: ${relative.toExponential(2)}`);
    expect(relative).toBeLessThan(1e-4);

    if ('checkpoint_train.pth.tar' in config.files) {
      // A timm training checkpoint ({epoch, arch, state_dict, optimizer, args: Namespace, ...}) converts the same.
      const again = createModel('cct_7_3x1_32', config.constructor_kwargs);
      await loadCCTStateDict(again, await loadStateDict(`${dir}/checkpoint_train.pth.tar`));
      expect(scaledError(await logitsFor(again, `${dir}/input.npy`), expected.data).relative).toBeLessThan(1e-4);
      again.dispose();
    }
    model.dispose();
  });

  it('the stored sine table is the one we recompute', async () => {
    const stateDict = await loadStateDict(sharedPath('fixtures', 'models', 'cct_3x2_32_sine_tiny', 'checkpoint.pth'));
    const stored = stateDict.get('classifier.positional_emb')!;
    expect(stored.shape).toEqual([1, 64, 64]);
    const diff = scaledError(sineTable(64, 64), await stored.toFloat32());
    console.log(`sine table: max |diff| ${diff.maxAbs.toExponential(2)}`);
    expect(diff.maxAbs).toBeLessThan(1e-6);
  });
});

describe('real checkpoint: CCT-2/3x2 on CIFAR-10', () => {
  it('gives top-1 612/1017 and the upstream logits', { timeout: 600_000 }, async () => {
    const dir = sharedPath('fixtures', 'checkpoints', 'cct_2_3x2_32_cifar10');
    const model = createModel('cct_2_3x2_32.cifar10');
    const report = await loadCCTStateDict(model, await loadStateDict(`${dir}/model_best.pth.tar`));
    expect(report.loaded).toHaveLength(31);

    // CIFAR binary records: 1 label byte, then 3072 bytes CHW uint8. Normalise x/255, then CIFAR-10 mean/std.
    const raw = readFileSync(sharedPath('data', 'cifar10', 'test_batch_first1017.bin'));
    const count = raw.length / 3073;
    expect(count).toBe(1017);
    const mean = [0.4914, 0.4822, 0.4465];
    const std = [0.247, 0.2435, 0.2616];
    const labels = new Int32Array(count);
    const pixels = new Float32Array(count * 32 * 32 * 3);
    for (let r = 0; r < count; r++) {
      labels[r] = raw[r * 3073]!;
      for (let c = 0; c < 3; c++) {
        for (let p = 0; p < 1024; p++) {
          pixels[(r * 1024 + p) * 3 + c] = (raw[r * 3073 + 1 + c * 1024 + p]! / 255 - mean[c]!) / std[c]!;
        }
      }
    }
    const logits = tf.tidy(() => (model.predict(tf.tensor4d(pixels, [count, 32, 32, 3]), { batchSize: 128 }) as tf.Tensor).dataSync());
    const expected = await readFloat32(`${dir}/logits.npy`);
    expect(expected.shape).toEqual([count, 10]);

    const argmax = (values: ArrayLike<number>, row: number) => {
      let best = 0;
      for (let k = 1; k < 10; k++) if (values[row * 10 + k]! > values[row * 10 + best]!) best = k;
      return best;
    };
    let correct = 0;
    let sameArgmax = 0;
    for (let r = 0; r < count; r++) {
      if (argmax(logits, r) === labels[r]) correct++;
      if (argmax(logits, r) === argmax(expected.data, r)) sameArgmax++;
    }
    const { maxAbs } = scaledError(logits, expected.data);
    console.log(`CIFAR-10: top-1 ${correct}/${count}, argmax agreement ${sameArgmax}/${count}, max |diff| ${maxAbs.toExponential(2)}`);
    expect(correct).toBe(612);
    expect(sameArgmax).toBe(count);
    expect(maxAbs).toBeLessThan(1e-4);
    model.dispose();
  });
});
