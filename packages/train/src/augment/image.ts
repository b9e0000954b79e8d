// SPDX-License-Identifier: MIT
// The image type the augmentations work on (8-bit RGB, HWC, like a PIL image in mode RGB) and sharp-backed
// crop/resize, which resamples with an antialiasing filter as PIL does when it shrinks.
import sharp from 'sharp';
import type { KernelEnum } from 'sharp';
import type { RGBImage } from '@natzoo/models';
import type { PixelBox } from '@natzoo/models/advanced';

export type RgbImage = RGBImage;

export type Interpolation = 'bicubic' | 'bilinear' | 'nearest' | 'lanczos';

const KERNELS: Record<Interpolation, KernelEnum[keyof KernelEnum]> = { bicubic: 'cubic', bilinear: 'linear', nearest: 'nearest', lanczos: 'lanczos3' };

export function interpolationOf(name: string): Interpolation {
  if (name === 'random') return 'bicubic';
  if (!(name in KERNELS)) throw new Error(`interpolation '${name}': expected one of ${Object.keys(KERNELS).join(', ')}`);
  return name as Interpolation;
}

export type Box = PixelBox;

/** Crops `box` out of `image` and resizes it to `width` x `height`. */
export async function cropResize(image: RgbImage, box: Box, width: number, height: number, interpolation: Interpolation): Promise<RgbImage> {
  if (box.left === 0 && box.top === 0 && box.width === image.width && box.height === image.height && width === image.width && height === image.height) {
    return image;
  }
  let pipeline = sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } });
  if (!(box.left === 0 && box.top === 0 && box.width === image.width && box.height === image.height)) pipeline = pipeline.extract(box);
  if (box.width !== width || box.height !== height) pipeline = pipeline.resize(width, height, { fit: 'fill', kernel: KERNELS[interpolation] });
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
}

/** Mirrors left-right. */
export function flipHorizontal(image: RgbImage): RgbImage {
  const { width, height } = image;
  const out = new Uint8Array(image.data.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const from = (y * width + x) * 3;
      const to = (y * width + (width - 1 - x)) * 3;
      out[to] = image.data[from]!;
      out[to + 1] = image.data[from + 1]!;
      out[to + 2] = image.data[from + 2]!;
    }
  }
  return { data: out, width, height };
}
