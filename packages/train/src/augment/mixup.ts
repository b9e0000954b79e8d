// SPDX-License-Identifier: MIT
// Mixup and CutMix with label smoothing, batch mode, as timm's Mixup (timm/data/mixup.py): with probability
// `prob` a batch is mixed with its reverse; when both are enabled CutMix is chosen with probability
// `switchProb`; lambda ~ Beta(alpha, alpha); CutMix pastes a box of area (1 - lambda) and lambda is corrected to
// the box actually pasted. Targets are smoothed one-hots mixed with the same lambda.
import type { Rng } from '../train/rng.js';

export interface MixupOptions {
  mixupAlpha: number;
  cutmixAlpha: number;
  prob: number;
  switchProb: number;
  smoothing: number;
  numClasses: number;
}

/** Smoothed one-hot targets: `1 - smoothing + smoothing / classes` on the label, `smoothing / classes` elsewhere. */
export function smoothOneHot(labels: Int32Array, numClasses: number, smoothing: number): Float32Array {
  const off = smoothing / numClasses;
  const out = new Float32Array(labels.length * numClasses).fill(off);
  labels.forEach((label, n) => {
    if (!(label >= 0 && label < numClasses)) throw new Error(`label ${label} of sample ${n} is outside 0..${numClasses - 1}`);
    out[n * numClasses + label] = 1 - smoothing + off;
  });
  return out;
}

/** Mixes a batch in place (`x` NHWC float32) and returns its soft targets `[N, classes]`. */
export function mixBatch(rng: Rng, x: Float32Array, labels: Int32Array, height: number, width: number, options: MixupOptions): { targets: Float32Array; lambda: number; mode: 'none' | 'mixup' | 'cutmix' } {
  const n = labels.length;
  const k = options.numClasses;
  const y = smoothOneHot(labels, k, options.smoothing);
  const enabled = options.mixupAlpha > 0 || options.cutmixAlpha > 0;
  if (!enabled || n < 2 || !rng.bernoulli(options.prob)) return { targets: y, lambda: 1, mode: 'none' };
  const useCutmix = options.mixupAlpha > 0 && options.cutmixAlpha > 0 ? rng.bernoulli(options.switchProb) : options.cutmixAlpha > 0;
  let lambda = useCutmix ? rng.beta(options.cutmixAlpha, options.cutmixAlpha) : rng.beta(options.mixupAlpha, options.mixupAlpha);
  const pixels = height * width * 3;
  const original = x.slice();
  if (useCutmix) {
    // timm rand_bbox: a box of side sqrt(1 - lambda) times the image, centred uniformly and clipped.
    const cut = Math.sqrt(1 - lambda);
    const ch = Math.floor(height * cut);
    const cw = Math.floor(width * cut);
    const cy = rng.int(height);
    const cx = rng.int(width);
    const y0 = Math.min(Math.max(cy - Math.floor(ch / 2), 0), height);
    const y1 = Math.min(Math.max(cy + Math.floor(ch / 2), 0), height);
    const x0 = Math.min(Math.max(cx - Math.floor(cw / 2), 0), width);
    const x1 = Math.min(Math.max(cx + Math.floor(cw / 2), 0), width);
    for (let i = 0; i < n; i++) {
      const from = (n - 1 - i) * pixels;
      for (let r = y0; r < y1; r++) {
        const start = (r * width + x0) * 3;
        x.set(original.subarray(from + start, from + (r * width + x1) * 3), i * pixels + start);
      }
    }
    lambda = 1 - ((y1 - y0) * (x1 - x0)) / (height * width);
  } else {
    for (let i = 0; i < n; i++) {
      const a = i * pixels;
      const b = (n - 1 - i) * pixels;
      for (let j = 0; j < pixels; j++) x[a + j] = original[a + j]! * lambda + original[b + j]! * (1 - lambda);
    }
  }
  const targets = new Float32Array(n * k);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < k; c++) targets[i * k + c] = y[i * k + c]! * lambda + y[(n - 1 - i) * k + c]! * (1 - lambda);
  }
  return { targets, lambda, mode: useCutmix ? 'cutmix' : 'mixup' };
}
