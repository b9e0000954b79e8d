// SPDX-License-Identifier: MIT
// @natzoo/models' preprocess.json reader on the shipped model's file and on broken copies of it, and the
// built-in label sets against the datasets' own class lists.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LABEL_SETS, labelNames, parsePreprocess, PreprocessError } from '@natzoo/models';
import { repoRoot, sharedPath } from './support/shared_dir.js';

const SHIPPED = resolve(repoRoot, 'checkpoints/cct_2_3x2_32.cifar10/preprocess.json');
const text = readFileSync(SHIPPED, 'utf8');

describe('parsePreprocess', () => {
  it('reads the shipped model\'s preprocess.json, as text or as an object', () => {
    const pre = parsePreprocess(SHIPPED, text);
    expect(pre.model).toBe('cct_2_3x2_32.cifar10');
    expect(pre.inputSize).toEqual([3, 32, 32]);
    expect(pre.labels).toEqual(readFileSync(sharedPath('data/cifar10/batches.meta.txt'), 'utf8').trim().split('\n'));
    expect(parsePreprocess('x', JSON.parse(text) as object)).toEqual({ ...pre });
    const { model: _dropped, ...unnamed } = JSON.parse(text) as Record<string, unknown>;
    expect(parsePreprocess('dir/preprocess.json', unnamed).model).toBe('dir/preprocess.json');
  });

  it.each([
    ['inputSize', [32, 32], 'must be [channels, height, width] positive integers; got [32,32]'],
    ['inputSize', [1, 32, 32], 'must have 3 channels; got 1'],
    ['mean', [0.5, 0.5], 'must be three numbers; got [0.5,0.5]'],
    ['std', [0.2, 0, 0.2], 'must be three positive numbers; got [0.2,0,0.2]'],
    ['cropPct', 1.5, 'must be a number in [0.1, 1]; got 1.5'],
    ['interpolation', 'area', 'must be one of bicubic, bilinear, nearest, lanczos; got "area"'],
    ['labels', 'cifar10', 'must be an array of class names'],
    ['cropPct', undefined, 'must be a number in [0.1, 1]; got nothing'],
    ['cropPct', 1e-9, 'must be a number in [0.1, 1]; got 1e-9'],
    ['inputSize', [3, 60000, 60000], 'height and width must be at most 4096; got [3,60000,60000]'],
  ])('names the file and the field: %s = %j', (field, value, problem) => {
    const broken = { ...(JSON.parse(text) as object), [field]: value };
    let error: unknown;
    try {
      parsePreprocess('models/a/preprocess.json', broken);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PreprocessError);
    expect((error as PreprocessError).file).toBe('models/a/preprocess.json');
    expect((error as PreprocessError).field).toBe(field);
    expect((error as Error).message).toBe(`models/a/preprocess.json: ${field}: ${problem}`);
  });

  it('rejects text that is not a JSON object', () => {
    expect(() => parsePreprocess('p.json', '{"inputSize": ')).toThrow(/^p\.json: not valid JSON/);
    expect(() => parsePreprocess('p.json', '[1, 2]')).toThrow('p.json: not a JSON object');
  });
});

describe('label sets', () => {
  it('ImageNet-1k is the class list in index order', () => {
    const lines = readFileSync(sharedPath('data/imagenet/imagenet_classes.txt'), 'utf8').trim().split('\n');
    expect(labelNames('imagenet1k', 1000)).toEqual(lines.map((line) => line.split('\t')[1]));
    expect(labelNames('imagenet1k', 1000)[337]).toBe('beaver');
  });

  it('CIFAR-10 is batches.meta.txt; CIFAR-100 and Flowers-102 have 100 and 102 distinct names', () => {
    expect(labelNames('cifar10', 10)).toEqual(readFileSync(sharedPath('data/cifar10/batches.meta.txt'), 'utf8').trim().split('\n'));
    for (const [set, n] of [['cifar100', 100], ['flowers102', 102]] as const) {
      expect(new Set(LABEL_SETS[set]).size, set).toBe(n);
    }
    expect(labelNames('cifar100', 100)[0]).toBe('apple');
    expect(labelNames('flowers102', 102)[101]).toBe('blackberry lily');
  });

  it('falls back to class_<i> for an unknown set or a head of another size', () => {
    expect(labelNames('imagenet21k', 3)).toEqual(['class_0', 'class_1', 'class_2']);
    expect(labelNames('cifar10', 2)).toEqual(['class_0', 'class_1']);
  });
});
