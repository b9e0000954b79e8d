// SPDX-License-Identifier: MIT
// @natzoo/models' pure-TypeScript preprocessing against sharp/libvips on CIFAR-10 test images, in Node:
// the resampler against sharp's resize per kernel, and the whole eval transform (resize, centre crop,
// normalise) against the same steps done with sharp (what the CLI did before it used evalTransform) when the
// model's input size forces a real resize.
import { readCifarBinary } from '@natzoo/train';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { evalGeometry, evalTransform } from '@natzoo/models';
import { resampleRGB } from '@natzoo/models/advanced';
import type { ModelPreprocess } from '@natzoo/models';
import type { ResampleKernel } from '@natzoo/models/advanced';
import { sharedPath } from './support/shared_dir.js';

const RECORDS = [0, 1, 2, 3];
let images: Uint8Array[];

beforeAll(async () => {
  const cifar = await readCifarBinary(sharedPath('data/cifar10/test_batch_first1017.bin'));
  images = RECORDS.map((r) => cifar.pixels.slice(r * 3072, (r + 1) * 3072));
});

/** Largest and mean absolute byte difference between our resize and sharp's, over the test images. */
async function compare(width: number, height: number, kernel: ResampleKernel): Promise<{ max: number; mean: number }> {
  let max = 0;
  let sum = 0;
  let count = 0;
  for (const data of images) {
    const want = await sharp(data, { raw: { width: 32, height: 32, channels: 3 } }).resize(width, height, { fit: 'fill', kernel }).raw().toBuffer();
    const got = resampleRGB({ width: 32, height: 32, data }, width, height, kernel).data;
    want.forEach((w, i) => {
      const d = Math.abs(w - got[i]!);
      max = Math.max(max, d);
      sum += d;
      count++;
    });
  }
  return { max, mean: sum / count };
}

const SHARP_KERNELS: Record<string, ResampleKernel> = { bicubic: 'cubic', bilinear: 'linear', nearest: 'nearest', lanczos: 'lanczos3' };

/** The eval transform with sharp doing the resize and the crop, then the normalisation. */
async function sharpEvalTransform(png: Buffer, pre: ModelPreprocess): Promise<Float32Array> {
  const [, height, width] = pre.inputSize;
  const { resize, crop } = evalGeometry(32, 32, [height, width], pre.cropPct);
  const resized = await sharp(png).resize(resize.width, resize.height, { fit: 'fill', kernel: SHARP_KERNELS[pre.interpolation] }).raw().toBuffer();
  const cropped = await sharp(resized, { raw: { width: resize.width, height: resize.height, channels: 3 } }).extract(crop).raw().toBuffer();
  return Float32Array.from(cropped, (v, i) => (v / 255 - pre.mean[i % 3]!) / pre.std[i % 3]!);
}

describe('the eval transform against sharp', () => {
  // Shrinking (vips_reduce) and enlarging (vips_affine), 2x, fractional and 7x (CIFAR to 224).
  const sizes: [number, number][] = [[20, 20], [17, 13], [45, 45], [64, 64], [224, 224]];
  it.each(['linear', 'cubic', 'lanczos3'] as const)('resampling with %s is within a few grey levels of sharp', async (kernel) => {
    for (const [w, h] of sizes) {
      const { max, mean } = await compare(w, h, kernel);
      console.log(`${kernel.padEnd(8)} 32x32 -> ${w}x${h}: max |diff| ${max}, mean ${mean.toFixed(3)} grey levels`);
      expect(max, `${w}x${h}`).toBeLessThanOrEqual(4);
      expect(mean, `${w}x${h}`).toBeLessThan(0.3);
    }
  });

  it('nearest picks the same pixels as sharp but for some exact ties when shrinking', async () => {
    for (const [w, h] of sizes) {
      const { mean } = await compare(w, h, 'nearest');
      const enlarging = w > 32;
      console.log(`nearest  32x32 -> ${w}x${h}: mean |diff| ${mean.toFixed(3)} grey levels`);
      if (enlarging) expect(mean, `${w}x${h}`).toBe(0);
      else expect(mean, `${w}x${h}`).toBeLessThan(2);
    }
  });

  it.each([
    ['shrink then crop: 24 px at cropPct 0.875 (32 -> 27 -> 24)', [3, 24, 24], 0.875, 'bicubic'],
    ['enlarge: 48 px bilinear', [3, 48, 48], 1, 'bilinear'],
    ['enlarge then crop: 64 px at cropPct 0.9 (32 -> 71 -> 64)', [3, 64, 64], 0.9, 'bicubic'],
  ] as const)('the eval transform matches sharp: %s', async (_name, inputSize, cropPct, interpolation) => {
    const pre: ModelPreprocess = {
      model: 'test',
      inputSize: [...inputSize],
      mean: [0.4914, 0.4822, 0.4465],
      std: [0.247, 0.2435, 0.2616],
      cropPct,
      interpolation,
      labels: [],
    };
    expect(evalGeometry(32, 32, [inputSize[1], inputSize[2]], cropPct).resize.width).not.toBe(32);
    for (const [i, data] of images.entries()) {
      const want = await sharpEvalTransform(await sharp(data, { raw: { width: 32, height: 32, channels: 3 } }).png().toBuffer(), pre);
      const got = evalTransform({ width: 32, height: 32, data }, pre);
      expect(got.length).toBe(want.length);
      // Two grey levels in normalised units (std ~0.25): the byte differences above, nothing from the crop.
      const worst = want.reduce((m, w, j) => Math.max(m, Math.abs(w - got[j]!)), 0);
      expect(worst, `image ${i}`).toBeLessThanOrEqual(2 / 255 / 0.2435 + 1e-6);
    }
  });
});
