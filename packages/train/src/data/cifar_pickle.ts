// SPDX-License-Identifier: MIT
// CIFAR python batches (`cifar-10-batches-py/data_batch_*`, `test_batch`; `cifar-100-python/train`, `test`):
// a pickled dict with `data` (uint8 [N, 3072], CHW per row), `labels` (CIFAR-10) or `fine_labels` (CIFAR-100).
// Read with the data-only unpickler; numpy arrays are admitted as inert records (numpy_pickle.ts).
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { CheckpointError } from '../checkpoint/errors.js';
import { stringEntries, type PickleValue } from '../checkpoint/pickle_values.js';
import { unpickle } from '../checkpoint/unpickler.js';
import { BufferInput } from '../io/byte_input.js';
import { concatLabelledImages, planesToHwc, type CifarVariant, type LabelledImages } from './cifar_binary.js';
import { decodeNumpyArray, numpyDataRegistry } from './numpy_pickle.js';
import { ArgumentError } from '@natzoo/core';

const LABEL_KEY: Record<CifarVariant, string> = { cifar10: 'labels', cifar100: 'fine_labels' };

/** Python 2 pickles of the original batches have byte-string keys, which arrive as text; either works. */
function field(dict: Map<PickleValue, PickleValue>, key: string): PickleValue | undefined {
  return new Map(stringEntries(dict)).get(key);
}

function labelArray(path: string, value: PickleValue | undefined, key: string): Int32Array {
  if (Array.isArray(value) && value.every((v) => typeof v === 'number' && Number.isInteger(v) && v >= 0)) return Int32Array.from(value as number[]);
  if (value !== undefined && !Array.isArray(value)) {
    const arr = decodeNumpyArray(path, `'${key}'`, value);
    if (arr.code === 'i8') return Int32Array.from(new BigInt64Array(arr.bytes.slice().buffer), (v) => Number(v));
    if (arr.code === 'u1') return Int32Array.from(arr.bytes);
  }
  throw new CheckpointError(path, `'${key}' is not a list of non-negative integer labels`);
}

/** Reads one pickled batch. */
export async function readCifarPickleBatch(path: string, variant: CifarVariant = 'cifar10'): Promise<LabelledImages> {
  const bytes = await readFile(path);
  const { value } = unpickle(new BufferInput(bytes), { path, registry: numpyDataRegistry() });
  if (!(value instanceof Map)) throw new CheckpointError(path, `a CIFAR python batch is a dict; this pickle holds ${typeof value}`);
  const key = LABEL_KEY[variant];
  const data = decodeNumpyArray(path, "'data'", field(value, 'data'));
  const labels = labelArray(path, field(value, key), key);
  if (data.code !== 'u1' || data.shape.length !== 2 || data.shape[1] !== 3072) {
    throw new CheckpointError(path, `'data' must be uint8 [N, 3072]; got ${data.code} [${data.shape.join(', ')}]`);
  }
  const count = data.shape[0]!;
  if (labels.length !== count) throw new CheckpointError(path, `${count} images but ${labels.length} '${key}'`);
  const pixels = new Uint8Array(count * 3072);
  for (let n = 0; n < count; n++) planesToHwc(data.bytes.subarray(n * 3072, (n + 1) * 3072), pixels.subarray(n * 3072, (n + 1) * 3072));
  return { pixels, labels, height: 32, width: 32 };
}

/** Batch files of a python distribution directory, in the upstream order. */
const TRAIN_FILES: Record<CifarVariant, RegExp> = { cifar10: /^data_batch_\d+$/, cifar100: /^train$/ };
const TEST_FILES: Record<CifarVariant, RegExp> = { cifar10: /^test_batch$/, cifar100: /^test$/ };

/** Reads a pickled batch file, or the train (`split: 'train'`) or test batches of a python-distribution directory. */
export async function readCifarPickle(path: string, variant: CifarVariant, split: 'train' | 'test' = 'train'): Promise<LabelledImages> {
  if (!(await stat(path)).isDirectory()) return readCifarPickleBatch(path, variant);
  const pattern = (split === 'train' ? TRAIN_FILES : TEST_FILES)[variant];
  const files = (await readdir(path)).filter((f) => pattern.test(basename(f))).sort().map((f) => join(path, f));
  if (files.length === 0) throw new ArgumentError('data', `${variant}:${path}`, `no ${split} batch files (${pattern.source}) in the directory`);
  return concatLabelledImages(await Promise.all(files.map((f) => readCifarPickleBatch(f, variant))));
}
