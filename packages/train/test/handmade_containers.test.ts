// SPDX-License-Identifier: MIT
// Hand-built torch files (no torch needed): both containers, strided views, storage offsets, shared storages,
// float16 / bfloat16 / int64 / bool, big-endian zips and deflated entries.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { floatToHalf } from '../src/checkpoint/dtype.js';
import { loadCheckpoint, loadStateDict, readTorchCheckpoint, type StateDict } from '../src/index.js';
import { f32Bytes, i64Bytes, legacyFile, stateDictPickle, torchZip, u16Bytes, type TensorSpec } from './support/torch_files.js';

const dir = mkdtempSync(join(tmpdir(), 'natzoo-handmade-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function save(name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

// Storage '0': 0..11 as float32 (a 3x4 matrix). Storage '1': int64. Storage '2': float16. Storage '3': bfloat16.
const matrix = Array.from({ length: 12 }, (_, i) => i);
const halves = [1, -2.5, 65504, 2 ** -24, 0.1];
const STORAGES: Record<string, Uint8Array> = {
  '0': f32Bytes(matrix),
  '1': i64Bytes([-(2n ** 40n), 7n, 2n ** 62n]),
  '2': u16Bytes(halves.map(floatToHalf)),
  '3': u16Bytes([0x3f80, 0xc040, 0x7f80]), // 1, -3, +inf
  '4': Uint8Array.from([1, 0, 1]),
};
const NUMEL: Record<string, number> = { '0': 12, '1': 3, '2': 5, '3': 3, '4': 3 };

const TENSORS: TensorSpec[] = [
  { name: 'm', storageClass: 'FloatStorage', key: '0', storageNumel: 12, shape: [3, 4], stride: [4, 1] },
  // m.t(): a non-contiguous view of the same storage.
  { name: 'mt', storageClass: 'FloatStorage', key: '0', storageNumel: 12, shape: [4, 3], stride: [1, 4] },
  // m[1:, ::2]: offset and stride together.
  { name: 'slice', storageClass: 'FloatStorage', key: '0', storageNumel: 12, offset: 4, shape: [2, 2], stride: [4, 2] },
  // An expanded (stride 0) view and a 0-d scalar at an offset.
  { name: 'expand', storageClass: 'FloatStorage', key: '0', storageNumel: 12, offset: 1, shape: [2, 3], stride: [0, 1] },
  { name: 'scalar', storageClass: 'FloatStorage', key: '0', storageNumel: 12, offset: 11, shape: [], stride: [] },
  { name: 'empty', storageClass: 'FloatStorage', key: '0', storageNumel: 12, shape: [0, 4], stride: [4, 1] },
  { name: 'long', storageClass: 'LongStorage', key: '1', storageNumel: 3, shape: [3], stride: [1] },
  { name: 'half', storageClass: 'HalfStorage', key: '2', storageNumel: 5, shape: [5], stride: [1] },
  { name: 'bf16', storageClass: 'BFloat16Storage', key: '3', storageNumel: 3, shape: [3], stride: [1] },
  { name: 'mask', storageClass: 'BoolStorage', key: '4', storageNumel: 3, shape: [3], stride: [1] },
];

async function checkValues(sd: StateDict): Promise<void> {
  expect([...sd.keys()]).toEqual(TENSORS.map((t) => t.name));
  expect([...(await sd.get('m')!.toFloat32())]).toEqual(matrix);
  const mt = sd.get('mt')!;
  expect(mt.isContiguous()).toBe(false);
  expect([...(await mt.toFloat32())]).toEqual([0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]);
  expect([...(await sd.get('slice')!.toFloat32())]).toEqual([4, 6, 8, 10]);
  expect([...(await sd.get('expand')!.toFloat32())]).toEqual([1, 2, 3, 1, 2, 3]);
  expect([...(await sd.get('scalar')!.toFloat32())]).toEqual([11]);
  expect(sd.get('empty')!.numel).toBe(0);
  expect(await sd.get('empty')!.toFloat32()).toEqual(new Float32Array(0));
  const long = sd.get('long')!;
  expect(long.dtype).toBe('int64');
  expect(await long.toBigInt64()).toEqual(new BigInt64Array([-(2n ** 40n), 7n, 2n ** 62n]));
  await expect(long.toInt32()).rejects.toThrow(/does not fit in int32/);
  expect([...(await long.toFloat32())]).toEqual([-(2 ** 40), 7, 2 ** 62]);
  const half = sd.get('half')!;
  expect(half.dtype).toBe('float16');
  expect([...(await half.toFloat32())]).toEqual([1, -2.5, 65504, 2 ** -24, Math.fround(0.0999755859375)]);
  expect([...(await sd.get('bf16')!.toFloat32())]).toEqual([1, -3, Infinity]);
  const mask = sd.get('mask')!;
  expect(mask.dtype).toBe('bool');
  expect([...(await mask.toTypedArray())]).toEqual([1, 0, 1]);
  await expect(sd.get('m')!.toInt32()).rejects.toThrow(/toInt32\(\) on a float32 tensor/);
}

describe('hand-built torch files', () => {
  it('zip container (stored entries, prefix found from data.pkl)', async () => {
    const path = save('views.pth', torchZip(stateDictPickle(TENSORS), STORAGES, { prefix: 'some.weird name' }));
    const checkpoint = await readTorchCheckpoint(path);
    expect(checkpoint.archivePrefix).toBe('some.weird name/');
    // One storage object per key, shared by the views.
    expect(checkpoint.storages.length).toBe(5);
    await checkValues(await loadStateDict(path));
  });

  it('zip container with deflated entries', async () => {
    const path = save('deflated.pth', torchZip(stateDictPickle(TENSORS), STORAGES, { deflate: true }));
    await checkValues(await loadStateDict(path));
  });

  it('zip container with byteorder big', async () => {
    const swap = (bytes: Uint8Array, size: number): Uint8Array => {
      const out = bytes.slice();
      for (let i = 0; i < out.length; i += size) out.subarray(i, i + size).reverse();
      return out;
    };
    const big: Record<string, Uint8Array> = {
      '0': swap(STORAGES['0']!, 4), '1': swap(STORAGES['1']!, 8), '2': swap(STORAGES['2']!, 2), '3': swap(STORAGES['3']!, 2), '4': STORAGES['4']!,
    };
    const path = save('big.pth', torchZip(stateDictPickle(TENSORS), big, { byteorder: 'big' }));
    expect((await readTorchCheckpoint(path)).byteOrder).toBe('big');
    await checkValues(await loadStateDict(path));
  });

  it('legacy container', async () => {
    const keys = Object.keys(STORAGES);
    const bytes = legacyFile(stateDictPickle(TENSORS, true), keys.map((key) => ({ key, numel: NUMEL[key]!, data: STORAGES[key]! })));
    const path = save('legacy.pth', bytes);
    const checkpoint = await readTorchCheckpoint(path);
    expect(checkpoint.container).toBe('legacy');
    await checkValues(await loadStateDict(path));
  });

  it('unwraps {model: ...} and strips module.', async () => {
    const spec = TENSORS.slice(0, 2).map((t) => ({ ...t, name: `module.${t.name}` }));
    // {'model': OrderedDict(...), 'epoch': 3}: wrap the state_dict pickle by hand.
    const inner = stateDictPickle(spec);
    const w = Buffer.concat([
      Buffer.from([0x80, 2, 0x7d, 0x28]), // PROTO 2, EMPTY_DICT, MARK
      Buffer.from([0x58, 5, 0, 0, 0]), Buffer.from('model'),
      inner.subarray(2, inner.length - 1), // the OrderedDict (without PROTO and STOP)
      Buffer.from([0x58, 5, 0, 0, 0]), Buffer.from('epoch'), Buffer.from([0x4b, 3]),
      Buffer.from([0x75, 0x2e]), // SETITEMS, STOP
    ]);
    const path = save('wrapped.pth', torchZip(w, { '0': STORAGES['0']! }));
    const loaded = await loadCheckpoint(path);
    expect(loaded.weightsKey).toBe('model');
    expect(loaded.strippedPrefix).toBe('module.');
    expect([...loaded.stateDict.keys()]).toEqual(['m', 'mt']);
    expect(loaded.metadata.get('epoch')).toBe(3);
    const kept = await loadStateDict(path, { stripPrefixes: [] });
    expect([...kept.keys()]).toEqual(['module.m', 'module.mt']);
    await expect(loadStateDict(path, { ema: true })).rejects.toThrow(/no EMA weights found .*top-level keys: model, epoch/);
  });
});
