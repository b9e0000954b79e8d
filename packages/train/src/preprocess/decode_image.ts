// SPDX-License-Identifier: MIT
// Image files to 8-bit RGB bytes with sharp (alpha dropped, colour converted to sRGB): the only Node-specific
// step of preparing an image; resizing and normalising are @natzoo/models' evalTransform. The header's size is
// checked before anything is decoded: a 467-byte 1x100000 PNG would otherwise cost seconds and half a gigabyte
// once the eval transform scales its short side up.
import sharp from 'sharp';
import type { RGBImage } from '@natzoo/models';
import { BudgetError } from '../checkpoint/errors.js';

export interface DecodeImageOptions {
  /** Width x height allowed, checked from the header and passed to sharp's limitInputPixels. Default 2^26 (67 MP). */
  maxPixels?: number;
  /** Longer side / shorter side allowed (panoramas are ~10). Default 32. */
  maxAspectRatio?: number;
}

/** An image file sharp cannot decode; `image` is its path (or its size, for bytes). */
export class ImageDecodeError extends Error {
  override readonly name = 'ImageDecodeError';
  constructor(
    readonly image: string,
    problem: string,
    options?: ErrorOptions,
  ) {
    super(`cannot decode image ${image}: ${problem}`, options);
  }
}

export const DEFAULT_MAX_PIXELS = 2 ** 26;
export const DEFAULT_MAX_ASPECT_RATIO = 32;

/** Decodes the image file at `path` (or its bytes) to tightly packed RGB. */
export async function decodeImageFile(path: string | Uint8Array, opts: DecodeImageOptions = {}): Promise<RGBImage> {
  const name = typeof path === 'string' ? `'${path}'` : `of ${path.byteLength} bytes`;
  const label = typeof path === 'string' ? path : `image of ${path.byteLength} bytes`;
  const maxPixels = opts.maxPixels ?? DEFAULT_MAX_PIXELS;
  const maxAspect = opts.maxAspectRatio ?? DEFAULT_MAX_ASPECT_RATIO;
  let width: number;
  let height: number;
  try {
    // The header alone (metadata decodes no pixels), so the size is ours to judge and to report.
    ({ width, height } = await sharp(path, { limitInputPixels: false }).metadata());
    if (width === undefined || height === undefined || width < 1 || height < 1) throw new Error('the header gives no size');
  } catch (error) {
    throw new ImageDecodeError(name, (error as Error).message, { cause: error });
  }
  if (width * height > maxPixels) throw new BudgetError(label, 'maxPixels', maxPixels, `image of ${width}x${height} pixels`);
  if (Math.max(width, height) / Math.min(width, height) > maxAspect) {
    throw new BudgetError(label, 'maxAspectRatio', maxAspect, `aspect ratio of a ${width}x${height} image`);
  }
  try {
    const { data, info } = await sharp(path, { limitInputPixels: maxPixels }).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels, expected 3`);
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
  } catch (error) {
    throw new ImageDecodeError(name, (error as Error).message, { cause: error });
  }
}
