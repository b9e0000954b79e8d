// SPDX-License-Identifier: MIT
// An image file as model input: decoded with sharp (decode_image.ts), then timm's eval transform from
// @natzoo/models, the same pure-TypeScript code the browser runs. Output is HWC float32.
import { evalTransform } from '@natzoo/models';
import type { EvalTransform } from '@natzoo/models';
import { decodeImageFile } from './decode_image.js';

/** Decodes and prepares one image; returns `[height * width * 3]` floats in HWC order. */
export async function imageToInput(path: string, pre: EvalTransform): Promise<Float32Array> {
  return evalTransform(await decodeImageFile(path), pre);
}
