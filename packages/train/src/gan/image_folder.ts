// SPDX-License-Identifier: MIT
// A minimal image-folder source for GAN training: every image under a directory (listed by data/image_folder.ts),
// resized so the shorter side is `size` and centre-cropped (upstream's `Resize(size)`, `CenterCrop(size)`), as
// [0, 1] RGB. The training loop only needs `count` and `read(indices)`.
import sharp from 'sharp';
import { ArgumentError } from '@natzoo/core';
import type { FileDataset } from '../data/dataset.js';
import { readUnlabelledImages } from '../data/image_folder.js';

export interface ImageSource {
  readonly count: number;
  readonly size: number;
  /** NHWC float32 in [0, 1] for the given indices. */
  read(indices: readonly number[]): Promise<Float32Array>;
}

/** Every image file under `dir` (recursively, sorted), decoded on demand; decoded images are cached up to `cacheImages`. */
export async function imageFolder(dir: string, size: number, cacheImages = 4096): Promise<ImageSource> {
  let listed: FileDataset;
  try {
    listed = await readUnlabelledImages(dir);
  } catch (error) {
    throw new ArgumentError('data', dir, (error as Error).message, { cause: error });
  }
  const files = Array.from({ length: listed.size }, (_, i) => listed.path(i));
  const cache = new Map<number, Uint8Array>();
  const decode = async (i: number): Promise<Uint8Array> => {
    const hit = cache.get(i);
    if (hit !== undefined) return hit;
    let pixels: Buffer;
    try {
      pixels = await sharp(files[i]!).removeAlpha().toColorspace('srgb').resize(size, size, { fit: 'cover', position: 'centre', kernel: 'linear' }).raw().toBuffer();
    } catch (error) {
      throw new Error(`${files[i]}: cannot decode (${(error as Error).message})`, { cause: error });
    }
    const bytes = new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength);
    if (cache.size < cacheImages) cache.set(i, bytes);
    return bytes;
  };
  return {
    count: files.length,
    size,
    async read(indices) {
      const out = new Float32Array(indices.length * size * size * 3);
      const decoded = await Promise.all(indices.map(decode));
      decoded.forEach((bytes, n) => {
        for (let j = 0; j < bytes.length; j++) out[n * bytes.length + j] = bytes[j]! / 255;
      });
      return out;
    },
  };
}
