// SPDX-License-Identifier: MIT
// CIFAR readers: python-pickle batches (written by CPython + numpy from the shared binary records, see
// support/make_cifar_pickles.py) decode to the same pixels and labels as the binary reader; the CIFAR-100
// binary layout (coarse + fine label bytes); data specs, fixed hold-out splits and the seeded epoch order.
import { readFile, mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readCifarBinary } from '../src/data/cifar_binary.js';
import { readCifarPickle, readCifarPickleBatch } from '../src/data/cifar_pickle.js';
import { holdOut } from '../src/data/dataset.js';
import { openDataSpec } from '../src/data/data_spec.js';
import { BatchLoader } from '../src/data/batch_loader.js';
import { inlinePreparer } from '../src/data/decode_pool.js';
import type { TransformConfig } from '../src/data/sample_transform.js';
import { sharedPath } from '../../../tests/support/shared_dir.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'cifar_pickle');
const binaryFile = () => sharedPath('data/cifar10/test_batch_first1017.bin');

describe('CIFAR python-pickle batches', () => {
  it('decode to the pixels and labels of the same records in the binary format', async () => {
    const binary = await readCifarBinary(binaryFile());
    const pickled = await readCifarPickleBatch(join(fixtures, 'data_batch_1'), 'cifar10');
    expect(pickled.labels.length).toBe(20);
    expect([...pickled.labels]).toEqual([...binary.labels.subarray(0, 20)]);
    expect(Buffer.compare(Buffer.from(pickled.pixels), Buffer.from(binary.pixels.subarray(0, 20 * 3072)))).toBe(0);
    // The README's first labels of the CIFAR-10 test set.
    expect([...pickled.labels.subarray(0, 8)]).toEqual([3, 8, 8, 0, 6, 6, 1, 6]);
  });

  it('reads CIFAR-100 fine labels (protocol 4 pickle)', async () => {
    const binary = await readCifarBinary(binaryFile());
    const pickled = await readCifarPickle(join(fixtures, 'train'), 'cifar100');
    expect([...pickled.labels]).toEqual([...binary.labels.subarray(0, 20)]);
    expect(Buffer.compare(Buffer.from(pickled.pixels), Buffer.from(binary.pixels.subarray(0, 20 * 3072)))).toBe(0);
  });

  it('a python distribution directory splits into train and test batches', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'natzoo-cifar-'));
    try {
      const batch = await readFile(join(fixtures, 'data_batch_1'));
      await writeFile(join(dir, 'data_batch_1'), batch);
      await writeFile(join(dir, 'data_batch_2'), batch);
      await writeFile(join(dir, 'test_batch'), batch);
      const splits = await openDataSpec(`cifar10:${dir}`);
      expect(splits.train.size).toBe(40);
      expect(splits.val?.size).toBe(20);
      expect(splits.train.classNames[3]).toBe('cat');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a numpy array pickle inside a torch checkpoint path (allow-list stays data-only elsewhere)', async () => {
    const { GlobalRegistry } = await import('../src/checkpoint/pickle_globals.js');
    expect(() => new GlobalRegistry().resolve('numpy.core.multiarray', '_reconstruct', 'x.pth')).toThrow(/numpy arrays inside checkpoints/);
  });
});

describe('CIFAR-100 binary records', () => {
  it('take the second label byte (fine label)', async () => {
    const ten = await readFile(binaryFile());
    const dir = await mkdtemp(join(tmpdir(), 'natzoo-c100-'));
    try {
      // Rebuild 5 records in the CIFAR-100 layout: coarse byte, fine byte, the same pixel planes.
      const records = [];
      for (let i = 0; i < 5; i++) {
        const rec = ten.subarray(i * 3073, (i + 1) * 3073);
        records.push(Buffer.from([19 - rec[0]!, rec[0]! + 90]), rec.subarray(1));
      }
      await writeFile(join(dir, 'train.bin'), Buffer.concat(records));
      const c100 = await readCifarBinary(join(dir, 'train.bin'), 'cifar100');
      const c10 = await readCifarBinary(binaryFile());
      expect([...c100.labels]).toEqual([...c10.labels.subarray(0, 5)].map((l) => l + 90));
      expect(Buffer.compare(Buffer.from(c100.pixels), Buffer.from(c10.pixels.subarray(0, 5 * 3072)))).toBe(0);
      await expect(readCifarBinary(binaryFile(), 'cifar100')).rejects.toThrow(/3074-byte CIFAR-100 records/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('splits and epoch order', () => {
  const evalTransform: TransformConfig = {
    train: false, size: [32, 32], mean: [0, 0, 0], std: [1, 1, 1], cropPct: 1, interpolation: 'bicubic', scale: null,
    ratio: [3 / 4, 4 / 3], hflip: 0, autoAugment: null, reprob: 0, remode: 'pixel', recount: 1,
  };

  it('hold-out is the fixed tail of the file (900 / 117)', async () => {
    const { train } = await openDataSpec(`cifar10:${binaryFile()}`);
    const { train: t, val } = holdOut(train, 117);
    expect([t.size, val.size]).toEqual([900, 117]);
    expect(val.label(0)).toBe(train.label(900));
    expect(() => holdOut(train, 1017)).toThrow(/valCount 1017/);
  });

  it('each epoch is a permutation fixed by the seed; batches hold the right labels and pixels', async () => {
    const { train } = await openDataSpec(`cifar10:${binaryFile()}`);
    const small = holdOut(train, 1000).train; // 17 images
    const loader = (seed: number) => new BatchLoader(small, evalTransform, inlinePreparer, { batchSize: 4, shuffle: true, dropLast: true, seed });
    const a = loader(1);
    const order = a.order(0);
    expect([...order].sort((x, y) => x - y)).toEqual([...Array(17).keys()]);
    expect([...a.order(0)]).toEqual([...order]);
    expect([...a.order(1)]).not.toEqual([...order]);
    expect([...loader(2).order(0)]).not.toEqual([...order]);
    const batches = [];
    for await (const b of a.epoch(0)) batches.push(b);
    expect(batches).toHaveLength(4);
    expect([...batches[1]!.labels]).toEqual([...order.subarray(4, 8)].map((i) => small.label(i)));
    const src = small.source(order[4]!);
    if (src.kind !== 'pixels') throw new Error('CIFAR samples are in memory');
    expect(batches[1]!.inputs[5]).toBe(Math.fround(src.pixels[5]! / 255));
    const resumed = [];
    for await (const b of a.epoch(0, 2)) resumed.push(b.step);
    expect(resumed).toEqual([2, 3]);
  });
});
