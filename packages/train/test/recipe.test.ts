// SPDX-License-Identifier: MIT
// Upstream YAML configs (timm train.py keys, as in the NAT/DiNAT and Compact-Transformers repositories) read
// into a recipe; PyTorch-only keys are reported as ignored, unknown keys and bad values are errors naming them.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRecipeFile, recipeFromObject } from '../src/train/recipe.js';

// The keys and value styles of an upstream NAT ImageNet config.
const NAT_STYLE = `
model: nat_mini
epochs: 300
cooldown_epochs: 10
warmup_epochs: 20
warmup_lr: 1.0e-6
min_lr: 1.0e-5
lr: 1.0e-3
batch_size: 128
opt: adamw
opt_eps: 1.0e-8
weight_decay: 0.05
clip_grad: 5.0
drop_path: 0.2
model_ema: true
model_ema_decay: 0.9998
aa: rand-m9-mstd0.5-inc1
mixup: 0.8
cutmix: 1.0
smoothing: 0.1
reprob: 0.25
remode: pixel
train_interpolation: bicubic
amp: true
workers: 8
sched: cosine
`;

describe('recipe files', () => {
  it('reads an upstream-style YAML config', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'natzoo-recipe-'));
    try {
      await writeFile(join(dir, 'nat_mini.yml'), NAT_STYLE);
      const r = await readRecipeFile(join(dir, 'nat_mini.yml'));
      expect(r).toMatchObject({
        model: 'nat_mini', epochs: 300, cooldownEpochs: 10, warmupEpochs: 20, warmupLr: 1e-6, minLr: 1e-5, lr: 1e-3, batchSize: 128,
        opt: 'adamw', weightDecay: 0.05, clipGrad: 5, dropPath: 0.2, modelEma: true, modelEmaDecay: 0.9998,
        aa: 'rand-m9-mstd0.5-inc1', mixup: 0.8, cutmix: 1, smoothing: 0.1, reprob: 0.25, remode: 'pixel', trainInterpolation: 'bicubic',
      });
      expect(r.ignoredKeys).toEqual(['amp', 'workers', 'sched']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('names unknown keys and bad values', () => {
    expect(() => recipeFromObject('c.yml', { learning_rate: 1 })).toThrow(/c\.yml: unknown option 'learning_rate'/);
    expect(() => recipeFromObject('c.yml', { opt: 'lamb' })).toThrow(/opt: expected 'adamw', 'sgd' or 'momentum'; got "lamb"/);
    expect(() => recipeFromObject('c.yml', { epochs: 2.5 })).toThrow(/epochs: expected an integer/);
    expect(() => recipeFromObject('c.yml', { scale: [0.08] })).toThrow(/scale: expected two numbers/);
  });
});
