// SPDX-License-Identifier: MIT
// Crop geometry. RandomResizedCrop follows torchvision's `RandomResizedCrop.get_params` (as timm's
// RandomResizedCropAndInterpolation uses it): ten tries at a random area fraction in `scale` and a log-uniform
// aspect ratio in `ratio`, falling back to a centre crop at the nearest allowed ratio. The eval crop is timm's:
// shorter side to floor(size / cropPct), centre crop.
import { evalGeometry } from '@natzoo/models';
import type { Rng } from '../train/rng.js';
import type { Box } from './image.js';

export function randomResizedCropBox(rng: Rng, width: number, height: number, scale: readonly [number, number], ratio: readonly [number, number]): Box {
  const area = width * height;
  const logRatio = [Math.log(ratio[0]), Math.log(ratio[1])] as const;
  for (let attempt = 0; attempt < 10; attempt++) {
    const target = area * rng.uniform(scale[0], scale[1]);
    const aspect = Math.exp(rng.uniform(logRatio[0], logRatio[1]));
    const w = Math.round(Math.sqrt(target * aspect));
    const h = Math.round(Math.sqrt(target / aspect));
    if (w > 0 && h > 0 && w <= width && h <= height) {
      return { top: rng.randint(0, height - h), left: rng.randint(0, width - w), width: w, height: h };
    }
  }
  const inRatio = width / height;
  let w = width;
  let h = height;
  if (inRatio < Math.min(ratio[0], ratio[1])) h = Math.round(w / Math.min(ratio[0], ratio[1]));
  else if (inRatio > Math.max(ratio[0], ratio[1])) w = Math.round(h * Math.max(ratio[0], ratio[1]));
  return { top: Math.floor((height - h) / 2), left: Math.floor((width - w) / 2), width: w, height: h };
}

/** timm's eval geometry: the resized size (shorter side floor(min(size) / cropPct)) and the centre box in it. */
export function evalResize(width: number, height: number, size: readonly [number, number], cropPct: number): { width: number; height: number; box: Box } {
  const { resize, crop } = evalGeometry(width, height, size, cropPct);
  return { ...resize, box: crop };
}
