// SPDX-License-Identifier: MIT
// One image from source to model input. Train (timm's transforms_imagenet_train): RandomResizedCrop, horizontal
// flip, RandAugment, normalise, random erasing. Eval: timm's eval transform (resize the shorter side to
// size / cropPct, centre crop), normalise. All randomness comes from the sample's own stream
// (seed, 'sample', epoch, index), so a sample looks the same whichever thread prepares it.
import { evalTransform } from '@natzoo/models';
import { normalizeRGB } from '@natzoo/models/advanced';
import { randomResizedCropBox } from '../augment/crop.js';
import { cropResize, flipHorizontal, type Interpolation, type RgbImage } from '../augment/image.js';
import { parseRandAugment, randAugment } from '../augment/rand_augment.js';
import { randomErase, type EraseMode } from '../augment/random_erasing.js';
import { decodeImageFile } from '../preprocess/decode_image.js';
import { imageToInput } from '../preprocess/image_input.js';
import { rngFor } from '../train/rng.js';
import type { SampleSource } from './dataset.js';

/** Plain data (it is posted to worker threads). */
export interface TransformConfig {
  train: boolean;
  /** `[height, width]` of the model input. */
  size: [number, number];
  mean: [number, number, number];
  std: [number, number, number];
  /** Eval transform's crop fraction. */
  cropPct: number;
  interpolation: Interpolation;
  /** RandomResizedCrop area range and aspect range; null: no random crop (resize to size when needed). */
  scale: [number, number] | null;
  ratio: [number, number];
  hflip: number;
  /** timm auto-augment string (`rand-m9-mstd0.5-inc1`), or null. */
  autoAugment: string | null;
  reprob: number;
  remode: EraseMode;
  recount: number;
}

export interface SampleKey {
  seed: number;
  epoch: number;
  index: number;
}

async function loadSource(source: SampleSource): Promise<RgbImage> {
  if (source.kind === 'pixels') return { data: source.pixels, width: source.width, height: source.height };
  return decodeImageFile(source.path);
}

/** Decodes and transforms one image; returns HWC float32 of `size`. Throws on an unreadable image. */
export async function prepareSample(source: SampleSource, config: TransformConfig, key: SampleKey): Promise<Float32Array> {
  const [height, width] = config.size;
  if (!config.train) {
    // Exactly the eval path of `natzoo eval` / `classify` and of the browser (@natzoo/models' evalTransform).
    const evalPre = { inputSize: [3, height, width] as const, mean: config.mean, std: config.std, cropPct: config.cropPct, interpolation: config.interpolation };
    return source.kind === 'file' ? imageToInput(source.path, evalPre) : evalTransform(await loadSource(source), evalPre);
  }
  const image = await loadSource(source);
  const rng = rngFor(key.seed, 'sample', key.epoch, key.index);
  const box = config.scale === null
    ? { left: 0, top: 0, width: image.width, height: image.height }
    : randomResizedCropBox(rng, image.width, image.height, config.scale, config.ratio);
  let out = await cropResize(image, box, width, height, config.interpolation);
  if (config.hflip > 0 && rng.bernoulli(config.hflip)) out = flipHorizontal(out);
  if (config.autoAugment !== null) out = randAugment(rng, out, parseRandAugment(config.autoAugment), config.mean);
  const x = normalizeRGB(out, config.mean, config.std);
  if (config.reprob > 0) randomErase(rng, x, width, height, { prob: config.reprob, mode: config.remode, count: config.recount });
  return x;
}
