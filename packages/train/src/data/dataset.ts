// SPDX-License-Identifier: MIT
// What the loaders read: an indexed, labelled set of images, each either decoded pixels in memory (CIFAR) or a
// file that a worker decodes (ImageFolder, ImageNet, FFHQ-style folders).
import { ArgumentError } from '@natzoo/core';

export type SampleSource =
  | { kind: 'pixels'; pixels: Uint8Array; width: number; height: number }
  | { kind: 'file'; path: string };

export interface ImageDataset {
  readonly size: number;
  readonly numClasses: number;
  /** Class names in label order (may be index strings when the source has none). */
  readonly classNames: readonly string[];
  /** A one-line description for logs (`cifar10 binary, 900 images`). */
  readonly description: string;
  label(index: number): number;
  source(index: number): SampleSource;
}

/** Images held in memory as `[N, H, W, 3]` uint8 (CIFAR). */
export class PixelDataset implements ImageDataset {
  readonly size: number;
  constructor(
    private readonly pixels: Uint8Array,
    private readonly labels: Int32Array,
    readonly height: number,
    readonly width: number,
    readonly classNames: readonly string[],
    readonly description: string,
  ) {
    this.size = labels.length;
    if (pixels.length !== this.size * height * width * 3) throw new Error(`PixelDataset: ${pixels.length} bytes for ${this.size} images of ${height}x${width}x3`);
  }

  get numClasses(): number {
    return this.classNames.length;
  }

  label(index: number): number {
    return this.labels[index]!;
  }

  source(index: number): SampleSource {
    const n = this.height * this.width * 3;
    return { kind: 'pixels', pixels: this.pixels.subarray(index * n, (index + 1) * n), width: this.width, height: this.height };
  }
}

/** Image files with labels. */
export class FileDataset implements ImageDataset {
  constructor(
    private readonly items: readonly { path: string; label: number }[],
    readonly classNames: readonly string[],
    readonly description: string,
  ) {}

  get size(): number {
    return this.items.length;
  }

  get numClasses(): number {
    return this.classNames.length;
  }

  label(index: number): number {
    return this.items[index]!.label;
  }

  source(index: number): SampleSource {
    return { kind: 'file', path: this.path(index) };
  }

  path(index: number): string {
    return this.items[index]!.path;
  }
}

/** The images `indices` of `base`, in that order. */
export class SubsetDataset implements ImageDataset {
  constructor(
    private readonly base: ImageDataset,
    private readonly indices: readonly number[],
    readonly description: string,
  ) {
    for (const i of indices) if (!(i >= 0 && i < base.size)) throw new Error(`SubsetDataset: index ${i} is outside 0..${base.size - 1}`);
  }

  get size(): number {
    return this.indices.length;
  }

  get numClasses(): number {
    return this.base.numClasses;
  }

  get classNames(): readonly string[] {
    return this.base.classNames;
  }

  label(index: number): number {
    return this.base.label(this.indices[index]!);
  }

  source(index: number): SampleSource {
    return this.base.source(this.indices[index]!);
  }
}

/** A fixed split: the first `size - valCount` images train, the last `valCount` validate (no shuffling, so the split never moves). */
export function holdOut(data: ImageDataset, valCount: number): { train: ImageDataset; val: ImageDataset } {
  if (!(Number.isSafeInteger(valCount) && valCount > 0 && valCount < data.size)) {
    throw new ArgumentError('valCount', valCount, `expected an integer between 1 and ${data.size - 1} (the dataset has ${data.size} images)`);
  }
  const cut = data.size - valCount;
  const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
  return {
    train: new SubsetDataset(data, range(0, cut), `${data.description}, images 0..${cut - 1}`),
    val: new SubsetDataset(data, range(cut, data.size), `${data.description}, images ${cut}..${data.size - 1}`),
  };
}
