// SPDX-License-Identifier: MIT
// ImageFolder data through the worker-thread decode pool: class numbering, the flat ILSVRC-style val layout with
// a label file, FFHQ-style nested folders, and a corrupt image reported by path and skipped without stopping
// the epoch. The eval transform in the workers equals the CLI's eval preprocessing on the main thread.
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchLoader } from '../src/data/batch_loader.js';
import { DecodePool } from '../src/data/decode_pool.js';
import { openDataSpec } from '../src/data/data_spec.js';
import { readUnlabelledImages } from '../src/data/image_folder.js';
import type { TransformConfig } from '../src/data/sample_transform.js';
import { imageToInput } from '../src/preprocess/image_input.js';
import { repoRoot, sharedPath } from '../../../tests/support/shared_dir.js';

const samples = resolve(repoRoot, 'checkpoints/samples');
let root = '';

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'natzoo-folder-'));
  const put = async (dir: string, name: string, from: string) => {
    await mkdir(dir, { recursive: true });
    await copyFile(from, join(dir, name));
  };
  await put(join(root, 'train', 'cat'), 'a.png', join(samples, '0_cat.png'));
  await put(join(root, 'train', 'ship'), 'a.png', join(samples, '1_ship.png'));
  await put(join(root, 'train', 'ship'), 'b.png', join(samples, '2_ship.png'));
  await put(join(root, 'train', 'frog'), 'a.png', join(samples, '4_frog.png'));
  await writeFile(join(root, 'train', 'frog', 'broken.png'), Buffer.from('\x89PNG\r\n\x1a\nnot really a png'));
  await writeFile(join(root, 'train', 'frog', 'notes.txt'), 'ignored: not an image extension');
  await put(join(root, 'val'), 'v1.jpg', sharedPath('data/imagenet/imagenet-stubs/koala.jpg'));
  await put(join(root, 'val'), 'v2.png', join(samples, '5_frog.png'));
  await writeFile(join(root, 'val_labels.txt'), 'v1.jpg cat\nv2.png 1\n');
});

afterAll(async () => {
  if (root !== '') await rm(root, { recursive: true, force: true });
});

const transform = (train: boolean): TransformConfig => ({
  train, size: [32, 32], mean: [0.4914, 0.4822, 0.4465], std: [0.247, 0.2435, 0.2616], cropPct: 0.875, interpolation: 'bicubic',
  scale: [0.08, 1], ratio: [3 / 4, 4 / 3], hflip: 0.5, autoAugment: train ? 'rand-m9-mstd0.5-inc1' : null, reprob: train ? 0.25 : 0, remode: 'pixel', recount: 1,
});

describe('ImageFolder data', () => {
  it('numbers classes in sorted order and reads the flat val folder through its label file', async () => {
    const { train, val } = await openDataSpec(`imagefolder:${root}`);
    expect(train.classNames).toEqual(['cat', 'frog', 'ship']);
    expect(train.size).toBe(5);
    expect(val?.size).toBe(2);
    expect([val!.label(0), val!.label(1)]).toEqual([0, 1]);
  });

  it('decodes in worker threads, skips a corrupt image by path, and matches the main-thread eval transform', async () => {
    const { train, val } = await openDataSpec(`imagefolder:${root}`);
    const pool = new DecodePool(2);
    try {
      const loader = new BatchLoader(train, transform(false), pool, { batchSize: 5, shuffle: false, dropLast: false, seed: 0 });
      const batches = [];
      for await (const b of loader.epoch(0)) batches.push(b);
      expect(batches).toHaveLength(1);
      expect(batches[0]!.labels.length).toBe(4);
      expect(batches[0]!.skipped).toHaveLength(1);
      expect(batches[0]!.skipped[0]!.path).toBe(join(root, 'train', 'frog', 'broken.png'));
      const evalLoader = new BatchLoader(val!, transform(false), pool, { batchSize: 2, shuffle: false, dropLast: false, seed: 0 });
      for await (const b of evalLoader.epoch(0)) {
        const pre = { model: 'x', inputSize: [3, 32, 32] as [number, number, number], mean: transform(false).mean, std: transform(false).std, cropPct: 0.875, interpolation: 'bicubic', labels: [] };
        const expected = await imageToInput(join(root, 'val', 'v1.jpg'), pre);
        const got = b.inputs.subarray(0, 32 * 32 * 3);
        let maxDiff = 0;
        expected.forEach((v, i) => (maxDiff = Math.max(maxDiff, Math.abs(v - got[i]!))));
        expect(maxDiff).toBeLessThan(1e-5);
      }
      // Training samples are the same whichever thread prepares them (their randomness is per sample).
      const a = new BatchLoader(train, transform(true), pool, { batchSize: 2, shuffle: true, dropLast: true, seed: 3 });
      const first = [];
      for await (const b of a.epoch(0)) first.push(b.inputs);
      const { inlinePreparer } = await import('../src/data/decode_pool.js');
      const inline = new BatchLoader(train, transform(true), inlinePreparer, { batchSize: 2, shuffle: true, dropLast: true, seed: 3 });
      const second = [];
      for await (const b of inline.epoch(0)) second.push(b.inputs);
      expect(second.map((x) => [...x])).toEqual(first.map((x) => [...x]));
    } finally {
      await pool.close();
    }
  });

  it('lists FFHQ-style nested folders as one unlabelled set', async () => {
    const set = await readUnlabelledImages(join(root, 'train'));
    expect(set.size).toBe(5);
    expect(set.numClasses).toBe(1);
  });
});
