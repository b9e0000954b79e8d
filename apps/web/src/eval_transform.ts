// SPDX-License-Identifier: MIT
// timm's eval transform on decoded RGB bytes, the same steps and integer arithmetic as the CLI
// (packages/train/src/preprocess/image_input.ts): shorter side to floor(size / cropPct) with the model's
// interpolation, centre crop, scale to [0, 1], normalise per channel. Pure, so Node tests can run it.
import { resampleRGB } from './resample.js';
import type { ResampleKernel } from './resample.js';

/** The fields of a converted model's preprocess.json that the transform reads. */
export interface EvalTransform {
  /** `[channels, height, width]`. */
  inputSize: readonly [number, number, number];
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
  cropPct: number;
  interpolation: string;
}

/** Tightly packed RGB bytes, row-major. */
export interface RGBImage {
  width: number;
  height: number;
  data: Uint8Array;
}

const KERNELS: Record<string, ResampleKernel> = { bicubic: 'cubic', bilinear: 'linear', nearest: 'nearest', lanczos: 'lanczos3' };

/** Python's round(), which torchvision's CenterCrop uses: halves go to the even neighbour. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** torchvision's Resize(int): shorter side to floor(min(size) / cropPct), longer side truncated in proportion. */
export function resizeTarget(width: number, height: number, t: EvalTransform): [number, number] {
  const [, outH, outW] = t.inputSize;
  const shorter = Math.floor(Math.min(outH, outW) / t.cropPct);
  return width <= height ? [shorter, Math.floor((shorter * height) / width)] : [Math.floor((shorter * width) / height), shorter];
}

/** Top-left corner of the centred `outW x outH` window. */
export function centreCropOrigin(width: number, height: number, outW: number, outH: number): [number, number] {
  return [roundHalfEven((width - outW) / 2), roundHalfEven((height - outH) / 2)];
}

/** Resize (skipped when the size already matches, as the CLI does), crop, normalise: `[H * W * 3]` HWC floats. */
export function evalTransform(image: RGBImage, t: EvalTransform): Float32Array {
  const [, outH, outW] = t.inputSize;
  if (!(image.width > 0 && image.height > 0)) throw new Error(`evalTransform: empty image ${image.width}x${image.height}`);
  const [rw, rh] = resizeTarget(image.width, image.height, t);
  const kernel = KERNELS[t.interpolation] ?? 'cubic';
  const resized = rw === image.width && rh === image.height ? image : resampleRGB(image, rw, rh, kernel);
  if (resized.width < outW || resized.height < outH) {
    throw new Error(`evalTransform: resized image ${resized.width}x${resized.height} is smaller than the crop ${outW}x${outH} (cropPct ${t.cropPct})`);
  }
  const [left, top] = centreCropOrigin(resized.width, resized.height, outW, outH);
  const out = new Float32Array(outH * outW * 3);
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      const from = ((top + y) * resized.width + left + x) * 3;
      const to = (y * outW + x) * 3;
      for (let c = 0; c < 3; c++) out[to + c] = (resized.data[from + c]! / 255 - t.mean[c]!) / t.std[c]!;
    }
  }
  return out;
}
