// SPDX-License-Identifier: MIT
// timm's eval transform with sharp: resize the shorter side to floor(size / cropPct) with the model's
// interpolation, centre crop to size, scale to [0, 1], normalise per channel. Output is NHWC float32.
import sharp from 'sharp';
import type { KernelEnum, OutputInfo } from 'sharp';
import type { ModelPreprocess } from '../convert/model_dir.js';

const KERNELS: Record<string, KernelEnum[keyof KernelEnum]> = {
  bicubic: 'cubic',
  bilinear: 'linear',
  nearest: 'nearest',
  lanczos: 'lanczos3',
};

/** Python's round(), which torchvision's CenterCrop uses: halves go to the even neighbour. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Decodes and prepares one image; returns `[height * width * 3]` floats in HWC order. */
export async function imageToInput(path: string, pre: ModelPreprocess): Promise<Float32Array> {
  const [, height, width] = pre.inputSize;
  let decoded: { data: Buffer; info: OutputInfo };
  try {
    const image = sharp(path).removeAlpha().toColourspace('srgb');
    const { width: w = 0, height: h = 0 } = await image.metadata();
    const shorter = Math.floor(Math.min(height, width) / pre.cropPct);
    // torchvision's Resize(int): shorter side to `shorter`, longer side truncated in proportion.
    const [rw, rh] = w <= h ? [shorter, Math.floor((shorter * h) / w)] : [Math.floor((shorter * w) / h), shorter];
    const kernel = KERNELS[pre.interpolation] ?? 'cubic';
    const resized = rw === w && rh === h ? image : image.resize(rw, rh, { fit: 'fill', kernel });
    const raw = await resized.raw().toBuffer({ resolveWithObject: true });
    if (raw.info.channels !== 3) throw new Error(`decoded to ${raw.info.channels} channels, expected 3`);
    const left = roundHalfEven((raw.info.width - width) / 2);
    const top = roundHalfEven((raw.info.height - height) / 2);
    decoded = await sharp(raw.data, { raw: { width: raw.info.width, height: raw.info.height, channels: 3 } })
      .extract({ left, top, width, height })
      .raw()
      .toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw new Error(`cannot decode image '${path}': ${(error as Error).message}`, { cause: error });
  }
  const out = new Float32Array(height * width * 3);
  for (let i = 0; i < out.length; i++) {
    const c = i % 3;
    out[i] = (decoded.data[i]! / 255 - pre.mean[c]!) / pre.std[c]!;
  }
  return out;
}
