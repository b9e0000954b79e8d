// SPDX-License-Identifier: MIT
// A valid training checkpoint's metadata for tests (the shipped model's preprocess.json, timm's recipe defaults).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { TIMM_DEFAULTS } from '../../src/index.js';
import { type CheckpointMeta } from '../../src/advanced.js';

const preprocess = JSON.parse(readFileSync(resolve(__dirname, '../../../../checkpoints/cct_2_3x2_32.cifar10/preprocess.json'), 'utf8')) as CheckpointMeta['preprocess'];

export const SAMPLE_META: CheckpointMeta = {
  format: 'natzoo-train-checkpoint/1', model: 'cct_2_3x2_32', overrides: {}, preprocess, recipe: { ...TIMM_DEFAULTS, seed: 7 }, data: 'cifar10:x',
  split: { valCount: 10 }, position: { epoch: 1, stepInEpoch: 0, globalStep: 12 }, rng: { algorithm: 'sfc32', seed: 7, streams: 'v1' },
  optimizer: { kind: 'adamw', updates: 12 }, ema: false, bestTop1: 0.5, lastEpochRecord: null,
};
