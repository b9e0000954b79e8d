// SPDX-License-Identifier: MIT
// Image files to 8-bit RGB bytes with sharp (alpha dropped, colour converted to sRGB): the only Node-specific
// step of preparing an image; resizing and normalising are @natzoo/models' evalTransform.
import sharp from 'sharp';
import type { RGBImage } from '@natzoo/models';

/** Decodes the image file at `path` (or its bytes) to tightly packed RGB. */
export async function decodeImageFile(path: string | Uint8Array): Promise<RGBImage> {
  try {
    const { data, info } = await sharp(path).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels, expected 3`);
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
  } catch (error) {
    const name = typeof path === 'string' ? `'${path}'` : `of ${path.byteLength} bytes`;
    throw new Error(`cannot decode image ${name}: ${(error as Error).message}`, { cause: error });
  }
}
