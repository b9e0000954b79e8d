// SPDX-License-Identifier: MIT
// RandAugment as timm configures it with strings like `rand-m9-mstd0.5-inc1` (timm/data/auto_augment.py):
// `n` ops (default 2) drawn uniformly with replacement from the "increasing" op list, each applied with
// probability `p` (0.5) at a magnitude drawn from N(m, mstd) and clipped to [0, 10]. The ops are PIL's, on
// 8-bit RGB; geometric ops fill with the dataset mean, as timm's `img_mean` hparam does.
import type { Rng } from '../train/rng.js';
import type { RgbImage } from './image.js';

export interface RandAugmentConfig {
  magnitude: number;
  magnitudeStd: number;
  numOps: number;
  prob: number;
  /** inc1: the "increasing" variants (stronger with magnitude for posterize, solarize and the enhancers). */
  increasing: boolean;
}

const MAX_MAGNITUDE = 10;

/** Parses timm's `rand-m9-mstd0.5-inc1` (keys m, mstd, n, p, inc). */
export function parseRandAugment(spec: string): RandAugmentConfig {
  const [kind, ...parts] = spec.split('-');
  if (kind !== 'rand') throw new Error(`auto-augment '${spec}': only RandAugment ('rand-...') is supported`);
  const config: RandAugmentConfig = { magnitude: 10, magnitudeStd: 0, numOps: 2, prob: 0.5, increasing: false };
  for (const part of parts) {
    const match = /^(mstd|mmax|inc|m|n|p|w)([\d.]+)$/.exec(part);
    if (match === null) throw new Error(`auto-augment '${spec}': cannot read '${part}'`);
    const value = Number(match[2]);
    if (match[1] === 'm') config.magnitude = value;
    else if (match[1] === 'mstd') config.magnitudeStd = value;
    else if (match[1] === 'n') config.numOps = value;
    else if (match[1] === 'p') config.prob = value;
    else if (match[1] === 'inc') config.increasing = value !== 0;
    else throw new Error(`auto-augment '${spec}': '${part}' (op weights / mmax) is not supported`);
  }
  return config;
}

type Op = (img: RgbImage, level: number, rng: Rng, fill: readonly number[]) => RgbImage;

const clamp8 = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));
const signed = (rng: Rng, v: number) => (rng.bernoulli(0.5) ? -v : v);

function mapPixels(img: RgbImage, f: (v: number, c: number) => number): RgbImage {
  const out = new Uint8Array(img.data.length);
  for (let i = 0; i < out.length; i++) out[i] = f(img.data[i]!, i % 3);
  return { ...img, data: out };
}

/** PIL's ITU-R 601-2 luma, in its integer form. */
function luma(img: RgbImage, i: number): number {
  const d = img.data;
  return (d[i * 3]! * 19595 + d[i * 3 + 1]! * 38470 + d[i * 3 + 2]! * 7471 + 0x8000) >> 16;
}

/** ImageEnhance: out = degenerate + factor * (img - degenerate). */
function blend(img: RgbImage, degenerate: (i: number) => number, factor: number): RgbImage {
  const out = new Uint8Array(img.data.length);
  for (let i = 0; i < out.length; i++) {
    const d = degenerate(i);
    out[i] = clamp8(d + factor * (img.data[i]! - d));
  }
  return { ...img, data: out };
}

/** Inverse-mapped affine warp: output pixel centre (x, y) reads input at (a x + b y + c, d x + e y + f), bilinear. */
function affine(img: RgbImage, m: readonly number[], fill: readonly number[]): RgbImage {
  const { width, height, data } = img;
  const out = new Uint8Array(data.length);
  const [a, b, c, d, e, f] = m as [number, number, number, number, number, number];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const sx = a * (x + 0.5) + b * (y + 0.5) + c - 0.5;
      const sy = d * (x + 0.5) + e * (y + 0.5) + f - 0.5;
      const o = (y * width + x) * 3;
      if (sx < -0.5 || sy < -0.5 || sx > width - 0.5 || sy > height - 0.5) {
        out[o] = fill[0]!;
        out[o + 1] = fill[1]!;
        out[o + 2] = fill[2]!;
        continue;
      }
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      for (let ch = 0; ch < 3; ch++) {
        const at = (xx: number, yy: number) => data[(Math.min(Math.max(yy, 0), height - 1) * width + Math.min(Math.max(xx, 0), width - 1)) * 3 + ch]!;
        const top = at(x0, y0) * (1 - fx) + at(x0 + 1, y0) * fx;
        const bottom = at(x0, y0 + 1) * (1 - fx) + at(x0 + 1, y0 + 1) * fx;
        out[o + ch] = clamp8(top * (1 - fy) + bottom * fy);
      }
    }
  }
  return { width, height, data: out };
}

function autoContrast(img: RgbImage): RgbImage {
  const lo = [255, 255, 255];
  const hi = [0, 0, 0];
  img.data.forEach((v, i) => {
    const c = i % 3;
    if (v < lo[c]!) lo[c] = v;
    if (v > hi[c]!) hi[c] = v;
  });
  return mapPixels(img, (v, c) => (hi[c]! > lo[c]! ? clamp8(((v - lo[c]!) * 255) / (hi[c]! - lo[c]!)) : v));
}

/** PIL ImageOps.equalize, per channel. */
function equalize(img: RgbImage): RgbImage {
  const luts: Uint8Array[] = [];
  for (let c = 0; c < 3; c++) {
    const hist = new Array<number>(256).fill(0);
    for (let i = c; i < img.data.length; i += 3) hist[img.data[i]!]!++;
    const nonzero = hist.filter((h) => h > 0);
    const step = Math.floor((nonzero.reduce((a, b) => a + b, 0) - nonzero[nonzero.length - 1]!) / 255);
    const lut = new Uint8Array(256);
    if (step === 0) lut.forEach((_, i) => (lut[i] = i));
    else {
      let n = Math.floor(step / 2);
      for (let i = 0; i < 256; i++) {
        lut[i] = Math.min(255, Math.floor(n / step));
        n += hist[i]!;
      }
    }
    luts.push(lut);
  }
  return mapPixels(img, (v, c) => luts[c]![v]!);
}

function sharpness(img: RgbImage, factor: number): RgbImage {
  // PIL's SMOOTH filter ([1 1 1; 1 5 1; 1 1 1] / 13) as the degenerate image; the border stays as it is.
  const { width, height, data } = img;
  const smooth = new Float32Array(data.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) {
        const o = (y * width + x) * 3 + c;
        if (x === 0 || y === 0 || x === width - 1 || y === height - 1) {
          smooth[o] = data[o]!;
          continue;
        }
        let s = 4 * data[o]!;
        for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) s += data[((y + dy) * width + x + dx) * 3 + c]!;
        smooth[o] = Math.round(s / 13);
      }
    }
  }
  return blend(img, (i) => smooth[i]!, factor);
}

const enhanceFactor = (level: number, rng: Rng) => 1 + signed(rng, (level / MAX_MAGNITUDE) * 0.9);

/** The "increasing" op list of timm (`_RAND_INCREASING_TRANSFORMS`), with level -> argument as timm maps it. */
const OPS: Record<string, Op> = {
  AutoContrast: (img) => autoContrast(img),
  Equalize: (img) => equalize(img),
  Invert: (img) => mapPixels(img, (v) => 255 - v),
  Rotate: (img, level, rng, fill) => {
    const angle = (-signed(rng, (level / MAX_MAGNITUDE) * 30) * Math.PI) / 180;
    const [cx, cy] = [img.width / 2, img.height / 2];
    const [a, b, d, e] = [Math.cos(angle), Math.sin(angle), -Math.sin(angle), Math.cos(angle)];
    return affine(img, [a, b, cx - a * cx - b * cy, d, e, cy - d * cx - e * cy], fill);
  },
  PosterizeIncreasing: (img, level) => {
    const bits = 4 - Math.trunc((level / MAX_MAGNITUDE) * 4);
    if (bits >= 8) return img;
    const mask = ~(2 ** (8 - bits) - 1) & 0xff;
    return mapPixels(img, (v) => v & mask);
  },
  SolarizeIncreasing: (img, level) => {
    const threshold = 256 - Math.trunc((level / MAX_MAGNITUDE) * 256);
    return mapPixels(img, (v) => (v >= threshold ? 255 - v : v));
  },
  SolarizeAdd: (img, level) => {
    const add = Math.trunc((level / MAX_MAGNITUDE) * 110);
    return mapPixels(img, (v) => (v < 128 ? Math.min(255, v + add) : v));
  },
  ColorIncreasing: (img, level, rng) => {
    const gray = (i: number) => luma(img, Math.floor(i / 3));
    return blend(img, gray, enhanceFactor(level, rng));
  },
  ContrastIncreasing: (img, level, rng) => {
    let sum = 0;
    for (let i = 0; i < img.width * img.height; i++) sum += luma(img, i);
    const mean = Math.floor(sum / (img.width * img.height) + 0.5);
    return blend(img, () => mean, enhanceFactor(level, rng));
  },
  BrightnessIncreasing: (img, level, rng) => blend(img, () => 0, enhanceFactor(level, rng)),
  SharpnessIncreasing: (img, level, rng) => sharpness(img, enhanceFactor(level, rng)),
  ShearX: (img, level, rng, fill) => affine(img, [1, signed(rng, (level / MAX_MAGNITUDE) * 0.3), 0, 0, 1, 0], fill),
  ShearY: (img, level, rng, fill) => affine(img, [1, 0, 0, signed(rng, (level / MAX_MAGNITUDE) * 0.3), 1, 0], fill),
  TranslateXRel: (img, level, rng, fill) => affine(img, [1, 0, signed(rng, (level / MAX_MAGNITUDE) * 0.45) * img.width, 0, 1, 0], fill),
  TranslateYRel: (img, level, rng, fill) => affine(img, [1, 0, 0, 0, 1, signed(rng, (level / MAX_MAGNITUDE) * 0.45) * img.height], fill),
};

export const RAND_AUGMENT_OPS = Object.keys(OPS);

/** Applies RandAugment to `img` with randomness from `rng`; `mean` gives the fill colour of geometric ops. */
export function randAugment(rng: Rng, img: RgbImage, config: RandAugmentConfig, mean: readonly number[]): RgbImage {
  if (!config.increasing) throw new Error('RandAugment: only the increasing op set (inc1) is implemented');
  const fill = mean.map((m) => Math.min(255, Math.round(255 * m)));
  let out = img;
  for (let i = 0; i < config.numOps; i++) {
    const name = rng.choice(RAND_AUGMENT_OPS);
    if (config.prob < 1 && rng.float() > config.prob) continue;
    let level = config.magnitude;
    if (config.magnitudeStd > 0) level = level + config.magnitudeStd * rng.normal();
    level = Math.min(MAX_MAGNITUDE, Math.max(0, level));
    out = OPS[name]!(out, level, rng, fill);
  }
  return out;
}
