// SPDX-License-Identifier: MIT
// timm's eval transform on decoded RGB bytes: shorter side to floor(size / cropPct) with the model's
// interpolation, centre crop, scale to [0, 1], normalise per channel. Pure TypeScript (resample.ts), so the
// browser, the CLI and training's eval path prepare an image the same way.
import { ModelArgumentError } from '../errors.js';
import { resampleRGB } from './resample.js';
import type { ResampleKernel } from './resample.js';

/** The fields of a model's preprocessing (preprocess.json, a pretrained config) that the transform reads. */
export interface EvalTransform {
  /** `[channels, height, width]`. */
  inputSize: readonly [number, number, number];
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
  cropPct: number;
  interpolation: string;
}

/** Tightly packed RGB bytes, row-major (what sharp's `.raw()` and a canvas without alpha give). */
export interface RGBImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** A rectangle in pixels. */
export interface PixelBox {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Where the eval transform takes the model input from: the resized size, and the centred crop in it. */
export interface EvalGeometry {
  resize: { width: number; height: number };
  crop: PixelBox;
}

/** preprocess.json's interpolation names -> the resampler's kernels (timm's names; lanczos as sharp's lanczos3). */
const KERNELS: Readonly<Record<string, ResampleKernel>> = { bicubic: 'cubic', bilinear: 'linear', nearest: 'nearest', lanczos: 'lanczos3' };

/** The interpolation names the transform knows. */
export const INTERPOLATIONS: readonly string[] = Object.keys(KERNELS);

/** Python's round(), which torchvision's CenterCrop uses: halves go to the even neighbour. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * timm's eval geometry for a `width x height` image and a `[height, width]` model input: torchvision's
 * Resize(int) for a square input (shorter side to floor(size / cropPct), longer side truncated in proportion), timm's
 * ResizeKeepRatio for a non-square one, then CenterCrop's origin with Python's rounding.
 */
export function evalGeometry(width: number, height: number, size: readonly [number, number], cropPct: number): EvalGeometry {
  const [outH, outW] = size;
  const [scaleH, scaleW] = [Math.floor(outH / cropPct), Math.floor(outW / cropPct)];
  // A non-square size: timm's ResizeKeepRatio, the smallest scale that covers [scaleH, scaleW], rounded.
  const ratio = Math.min(height / scaleH, width / scaleW);
  const [rw, rh] =
    scaleH !== scaleW
      ? [roundHalfEven(width / ratio), roundHalfEven(height / ratio)]
      : width <= height
        ? [scaleW, Math.floor((scaleW * height) / width)]
        : [Math.floor((scaleH * width) / height), scaleH];
  return {
    resize: { width: rw, height: rh },
    crop: { left: roundHalfEven((rw - outW) / 2), top: roundHalfEven((rh - outH) / 2), width: outW, height: outH },
  };
}

function kernelOf(interpolation: string): ResampleKernel {
  const kernel = KERNELS[interpolation];
  if (kernel === undefined) throw new ModelArgumentError(`evalTransform: interpolation '${interpolation}' is not one of ${INTERPOLATIONS.join(', ')}`);
  return kernel;
}

/** Resize (skipped when the size already matches) and crop: the `[height, width]` window as RGB bytes. */
export function evalCrop(image: RGBImage, size: readonly [number, number], cropPct: number, interpolation: string): RGBImage {
  const [outH, outW] = size;
  if (!(image.width > 0 && image.height > 0 && image.data.length === image.width * image.height * 3)) {
    throw new ModelArgumentError(`evalTransform: image must be ${image.width}x${image.height} RGB bytes (${image.width * image.height * 3}); got ${image.data.length} bytes`);
  }
  const { resize, crop } = evalGeometry(image.width, image.height, size, cropPct);
  const kernel = kernelOf(interpolation);
  const resized = resize.width === image.width && resize.height === image.height ? image : resampleRGB(image, resize.width, resize.height, kernel);
  if (resized.width < outW || resized.height < outH) {
    throw new ModelArgumentError(`evalTransform: resized image ${resized.width}x${resized.height} is smaller than the crop ${outW}x${outH} (cropPct ${cropPct})`);
  }
  if (crop.left === 0 && crop.top === 0 && resized.width === outW && resized.height === outH) return resized;
  const out = new Uint8Array(outH * outW * 3);
  for (let y = 0; y < outH; y++) {
    const from = ((crop.top + y) * resized.width + crop.left) * 3;
    out.set(resized.data.subarray(from, from + outW * 3), y * outW * 3);
  }
  return { width: outW, height: outH, data: out };
}

/** (x / 255 - mean) / std per channel: `[H * W * 3]` HWC floats. */
export function normalizeRGB(image: RGBImage, mean: readonly number[], std: readonly number[]): Float32Array {
  const out = new Float32Array(image.data.length);
  for (let i = 0; i < out.length; i++) {
    const c = i % 3;
    out[i] = (image.data[i]! / 255 - mean[c]!) / std[c]!;
  }
  return out;
}

/** The whole eval transform: `[H * W * 3]` HWC floats for the model input `t.inputSize`. */
export function evalTransform(image: RGBImage, t: EvalTransform): Float32Array {
  const [, outH, outW] = t.inputSize;
  return normalizeRGB(evalCrop(image, [outH, outW], t.cropPct, t.interpolation), t.mean, t.std);
}
