// SPDX-License-Identifier: MIT
// Each package resolves by its name from plain Node (the built output, as users get it), not only in vitest.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './support/shared_dir.js';

describe('packages import by name from Node', () => {
  it('every entry of @natzoo/core, @natzoo/models and @natzoo/train', () => {
    const script = `
      const core = await import('@natzoo/core');
      const models = await import('@natzoo/models');
      const train = await import('@natzoo/train');
      const convert = await import('@natzoo/train/convert');
      const modelsAdvanced = await import('@natzoo/models/advanced');
      const trainAdvanced = await import('@natzoo/train/advanced');
      const trainingKernels = await import('@natzoo/core/training-kernels');
      const internals = await import('@natzoo/core/internals');
      console.log(JSON.stringify({
        convert: ['bufferSource', 'blobSource', 'fetchSource', 'loadStateDict', 'convertModel'].filter((n) => typeof convert[n] === 'function'),
        core: ['na1d', 'na2d', 'na1dQK', 'na2dQK', 'na1dAV', 'na2dAV', 'NeighborhoodAttention2D'].filter((n) => typeof core[n] === 'function'),
        models: ['NeighborhoodAttention2D', 'loadClassifier', 'evalTransform', 'parsePreprocess', 'labelNames'].filter((n) => typeof models[n] === 'function'),
        train: ['loadStateDict', 'convertCheckpoint', 'loadModelDir', 'train', 'trainGan'].filter((n) => typeof train[n] === 'function'),
        advanced: [typeof modelsAdvanced.portWeights, typeof trainAdvanced.PyGlobal],
        trainingKernels: typeof trainingKernels.registerTrainingKernels,
        internals: typeof internals.gradientsInBackwardPass,
        notInMainEntry: ['registerTrainingKernels', 'gradientsInBackwardPass'].filter((n) => n in core || n in train),
      }));`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: repoRoot, encoding: 'utf8' });
    expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual({
      convert: ['bufferSource', 'blobSource', 'fetchSource', 'loadStateDict', 'convertModel'],
      core: ['na1d', 'na2d', 'na1dQK', 'na2dQK', 'na1dAV', 'na2dAV', 'NeighborhoodAttention2D'],
      models: ['NeighborhoodAttention2D', 'loadClassifier', 'evalTransform', 'parsePreprocess', 'labelNames'],
      train: ['loadStateDict', 'convertCheckpoint', 'loadModelDir', 'train', 'trainGan'],
      advanced: ['function', 'function'],
      trainingKernels: 'function',
      internals: 'function',
      notInMainEntry: [],
    });
  });
});
