// SPDX-License-Identifier: MIT
// `--data kind:path` for training: cifar10 / cifar100 (binary `*.bin` or python-pickle batches, a directory of the
// official distribution or a single batch file), imagefolder (`<dir>/train/<class>/*` and `<dir>/val/...`, or
// `<dir>/<class>/*` alone), images (FFHQ-style folders, unlabelled). Returns the train set and, when the layout
// has one, the validation set.
import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { labelNames } from '@natzoo/models';
import { concatLabelledImages, readCifarBinary, type CifarVariant, type LabelledImages } from './cifar_binary.js';
import { readCifarPickle } from './cifar_pickle.js';
import { PixelDataset, type ImageDataset } from './dataset.js';
import { readFlatLabelledFolder, readImageFolder, readUnlabelledImages } from './image_folder.js';
import { ArgumentError } from '@natzoo/core';

export const DATA_KINDS = ['cifar10', 'cifar100', 'imagefolder', 'images'] as const;
export type DataKind = (typeof DATA_KINDS)[number];

export interface DataSplits {
  train: ImageDataset;
  val?: ImageDataset;
}

export function parseDataSpec(spec: string): { kind: DataKind; path: string } {
  const colon = spec.indexOf(':');
  const kind = spec.slice(0, colon);
  const path = spec.slice(colon + 1);
  if (colon < 0 || !(DATA_KINDS as readonly string[]).includes(kind) || path === '') {
    throw new ArgumentError('data', spec, `expected ${DATA_KINDS.map((k) => `${k}:<path>`).join(' | ')}`);
  }
  return { kind: kind as DataKind, path };
}

const exists = (path: string) => stat(path).then(() => true, () => false);

async function startsWithPickle(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(1), 0, 1, 0);
    return bytesRead === 1 && buffer[0] === 0x80; // PROTO opcode (protocol 2+)
  } finally {
    await handle.close();
  }
}

function pixelDataset(images: LabelledImages, variant: CifarVariant, what: string): PixelDataset {
  const classes = labelNames(variant, variant === 'cifar10' ? 10 : 100);
  return new PixelDataset(images.pixels, images.labels, images.height, images.width, classes, `${what}, ${images.labels.length} images`);
}

async function cifarSplits(variant: CifarVariant, path: string): Promise<DataSplits> {
  const info = await stat(path).catch(() => {
    throw new ArgumentError('data', `${variant}:${path}`, 'no such file or directory');
  });
  if (!info.isDirectory()) {
    const pickled = await startsWithPickle(path);
    const images = pickled ? await readCifarPickle(path, variant) : await readCifarBinary(path, variant);
    return { train: pixelDataset(images, variant, `${variant} ${pickled ? 'pickle' : 'binary'} ${path}`) };
  }
  const files = await readdir(path);
  const bins = files.filter((f) => f.endsWith('.bin'));
  if (bins.length > 0) {
    const trainFiles = bins.filter((f) => /^(data_batch_\d+|train)\.bin$/.test(f));
    const testFiles = bins.filter((f) => /^(test_batch|test)\.bin$/.test(f));
    if (trainFiles.length === 0) return { train: pixelDataset(await readCifarBinary(path, variant), variant, `${variant} binary ${path}`) };
    const read = async (names: string[]) => {
      const parts = await Promise.all(names.sort().map((f) => readCifarBinary(join(path, f), variant)));
      return concatLabelledImages(parts);
    };
    const train = pixelDataset(await read(trainFiles), variant, `${variant} binary ${path} train`);
    return testFiles.length === 0 ? { train } : { train, val: pixelDataset(await read(testFiles), variant, `${variant} binary ${path} test`) };
  }
  const train = pixelDataset(await readCifarPickle(path, variant, 'train'), variant, `${variant} pickle ${path} train`);
  const hasTest = files.some((f) => f === (variant === 'cifar10' ? 'test_batch' : 'test'));
  return hasTest ? { train, val: pixelDataset(await readCifarPickle(path, variant, 'test'), variant, `${variant} pickle ${path} test`) } : { train };
}

async function imageFolderSplits(root: string, valLabels?: string): Promise<DataSplits> {
  const trainDir = join(root, 'train');
  if (!(await exists(trainDir))) return { train: await readImageFolder(root) };
  const train = await readImageFolder(trainDir);
  const valDir = join(root, 'val');
  if (!(await exists(valDir))) return { train };
  const labelFile = valLabels ?? join(root, 'val_labels.txt');
  const hasClassFolders = (await readdir(valDir, { withFileTypes: true })).some((e) => e.isDirectory());
  const val = hasClassFolders ? await readImageFolder(valDir, train.classNames) : await readFlatLabelledFolder(valDir, labelFile, train.classNames);
  return { train, val };
}

/** Reads `--data`; `valLabels` is the label file of a flat ILSVRC-style `val/` folder (default `<root>/val_labels.txt`). */
export async function openDataSpec(spec: string, options: { valLabels?: string } = {}): Promise<DataSplits> {
  const { kind, path } = parseDataSpec(spec);
  switch (kind) {
    case 'cifar10':
    case 'cifar100':
      return cifarSplits(kind, path);
    case 'imagefolder':
      return imageFolderSplits(path, options.valLabels);
    case 'images':
      return { train: await readUnlabelledImages(path) };
  }
}
