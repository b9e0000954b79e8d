// SPDX-License-Identifier: MIT
// Random erasing (Zhong et al.) as timm's RandomErasing (timm/data/random_erasing.py) applies it after
// normalisation: with probability `prob`, up to ten tries at a rectangle of area fraction in [minArea, maxArea]
// and log-uniform aspect in [0.3, 1/0.3]; the first that fits is filled with per-pixel normal noise ('pixel'),
// per-channel noise ('rand') or zeros ('const').
import type { Rng } from '../train/rng.js';

export type EraseMode = 'pixel' | 'rand' | 'const';

export interface RandomErasingOptions {
  prob: number;
  mode: EraseMode;
  /** How many rectangles (timm `recount`); default 1. */
  count?: number;
  minArea?: number;
  maxArea?: number;
}

/** Erases in place: `x` is HWC float32 of `width` x `height` x 3. */
export function randomErase(rng: Rng, x: Float32Array, width: number, height: number, options: RandomErasingOptions): void {
  if (!rng.bernoulli(options.prob)) return;
  const minArea = options.minArea ?? 0.02;
  const maxArea = options.maxArea ?? 1 / 3;
  const logRatio = [Math.log(0.3), Math.log(1 / 0.3)] as const;
  const area = width * height;
  for (let n = 0; n < (options.count ?? 1); n++) {
    for (let attempt = 0; attempt < 10; attempt++) {
      const target = rng.uniform(minArea, maxArea) * area;
      const aspect = Math.exp(rng.uniform(logRatio[0], logRatio[1]));
      const h = Math.round(Math.sqrt(target * aspect));
      const w = Math.round(Math.sqrt(target / aspect));
      if (!(w < width && h < height)) continue;
      const top = rng.randint(0, height - h);
      const left = rng.randint(0, width - w);
      const channelFill = [rng.normal(), rng.normal(), rng.normal()];
      for (let y = top; y < top + h; y++) {
        for (let xx = left; xx < left + w; xx++) {
          for (let c = 0; c < 3; c++) {
            x[(y * width + xx) * 3 + c] = options.mode === 'pixel' ? rng.normal() : options.mode === 'rand' ? channelFill[c]! : 0;
          }
        }
      }
      break;
    }
  }
}
