// SPDX-License-Identifier: MIT
// Whatever a caller classifies, as the RGB bytes the eval transform takes: raw RGB pixels (Node: sharp's
// `.raw()` output), a `tf.Tensor3D` of RGB bytes, or anything `tf.browser.fromPixels` reads (image, canvas,
// video, ImageData, ImageBitmap).
import * as tf from '@tensorflow/tfjs';
import { ModelArgumentError } from '../errors.js';
import type { RGBImage } from './eval_transform.js';

/** An image `classify` accepts. */
export type ClassifierImage =
  | RGBImage
  | tf.Tensor3D
  | tf.PixelData
  | ImageData
  | HTMLImageElement
  | HTMLCanvasElement
  | HTMLVideoElement
  | ImageBitmap;

function isRGBImage(image: object): image is RGBImage {
  const { data, width, height } = image as Partial<RGBImage>;
  return data instanceof Uint8Array && typeof width === 'number' && typeof height === 'number' && data.length === width * height * 3;
}

/** `image` as tightly packed RGB bytes. */
export async function imagePixels(image: ClassifierImage): Promise<RGBImage> {
  if (image === null || typeof image !== 'object') throw new ModelArgumentError(`classify: image must be an image, canvas, ImageData, tensor or RGB pixels; got ${String(image)}`);
  if (image instanceof tf.Tensor) {
    const [height, width, channels] = image.shape;
    if (image.rank !== 3 || channels !== 3) throw new ModelArgumentError(`classify: an image tensor must be [height, width, 3] RGB; got shape [${image.shape.join(', ')}]`);
    const values = await image.data();
    return { width: width!, height: height!, data: Uint8Array.from(values, (v) => Math.min(255, Math.max(0, Math.round(v)))) };
  }
  if (isRGBImage(image)) return image;
  // RGBA (ImageData, PixelData) and DOM images: fromPixels drops the alpha channel.
  const pixels = tf.browser.fromPixels(image as Exclude<ClassifierImage, RGBImage | tf.Tensor3D>, 3);
  try {
    const [height, width] = pixels.shape;
    return { width, height, data: Uint8Array.from(await pixels.data()) };
  } finally {
    pixels.dispose();
  }
}
