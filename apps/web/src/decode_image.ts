// SPDX-License-Identifier: MIT
// Browser image decoding to the RGB bytes the eval transform takes. No colour-space conversion and no alpha
// premultiplication, so an opaque PNG yields its stored bytes, as sharp's raw output does.
import type { RGBImage } from '@natzoo/models';

export async function decodeImage(blob: Blob, name: string): Promise<{ rgb: RGBImage; bitmap: ImageBitmap }> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(blob, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  } catch (error) {
    throw new Error(`cannot decode image '${name}' (${blob.type || 'unknown type'}, ${blob.size} bytes): ${(error as Error).message}`, { cause: error });
  }
  const { width, height } = bitmap;
  const canvas = new OffscreenCanvas(width, height);
  const context = canvas.getContext('2d', { willReadFrequently: true });
  if (context === null) throw new Error(`cannot decode image '${name}': no 2D canvas context`);
  context.drawImage(bitmap, 0, 0);
  const rgba = context.getImageData(0, 0, width, height).data;
  const data = new Uint8Array(width * height * 3);
  for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) {
    data[j] = rgba[i]!;
    data[j + 1] = rgba[i + 1]!;
    data[j + 2] = rgba[i + 2]!;
  }
  return { rgb: { width, height, data }, bitmap };
}
