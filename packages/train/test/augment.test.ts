// SPDX-License-Identifier: MIT
// Augmentations against their definitions: RandomResizedCrop boxes stay inside the image with area and aspect in
// range (torchvision's get_params), timm's RandAugment string, PIL's point ops (invert, posterize, solarize,
// equalize), Mixup/CutMix targets mixed with the pasted area's lambda, and random erasing's rectangle.
import { describe, expect, it } from 'vitest';
import { randomResizedCropBox, evalResize } from '../src/augment/crop.js';
import { flipHorizontal, type RgbImage } from '../src/augment/image.js';
import { mixBatch, smoothOneHot } from '../src/augment/mixup.js';
import { parseRandAugment, randAugment, RAND_AUGMENT_OPS } from '../src/augment/rand_augment.js';
import { randomErase } from '../src/augment/random_erasing.js';
import { rngFor, Rng } from '../src/train/rng.js';

const gradient = (w: number, h: number): RgbImage => ({
  width: w, height: h, data: Uint8Array.from({ length: w * h * 3 }, (_, i) => (Math.floor(i / 3) * 7 + (i % 3) * 50) % 256),
});

describe('seeded generator', () => {
  it('is sfc32: the same state gives the same stream, the state resumes it', () => {
    const a = rngFor(5, 'x', 1);
    const b = rngFor(5, 'x', 1);
    const first = [a.nextUint32(), a.nextUint32()];
    expect([b.nextUint32(), b.nextUint32()]).toEqual(first);
    const resumed = new Rng(a.state());
    expect(resumed.nextUint32()).toBe(a.nextUint32());
    expect(rngFor(5, 'x', 2).nextUint32()).not.toBe(rngFor(5, 'x', 1).nextUint32());
  });

  it('draws Beta(a, a) with mean 1/2 and uniform floats in [0, 1)', () => {
    const r = rngFor(1, 'beta');
    let sum = 0;
    for (let i = 0; i < 4000; i++) sum += r.beta(0.8, 0.8);
    expect(sum / 4000).toBeGreaterThan(0.47);
    expect(sum / 4000).toBeLessThan(0.53);
    for (let i = 0; i < 1000; i++) {
      const f = r.float();
      expect(f >= 0 && f < 1).toBe(true);
    }
  });
});

describe('crops', () => {
  it('RandomResizedCrop boxes fit and respect scale and ratio', () => {
    const r = rngFor(2, 'rrc');
    for (let i = 0; i < 500; i++) {
      const box = randomResizedCropBox(r, 64, 48, [0.08, 1], [3 / 4, 4 / 3]);
      expect(box.left >= 0 && box.top >= 0 && box.left + box.width <= 64 && box.top + box.height <= 48).toBe(true);
      const area = (box.width * box.height) / (64 * 48);
      expect(area).toBeGreaterThan(0.05);
      expect(box.width / box.height).toBeGreaterThan(0.6);
      expect(box.width / box.height).toBeLessThan(1.6);
    }
  });

  it('eval resize follows timm: shorter side floor(224 / 0.875) = 256, centre 224 crop', () => {
    expect(evalResize(500, 375, [224, 224], 0.875)).toEqual({ width: 341, height: 256, box: { left: 58, top: 16, width: 224, height: 224 } });
  });

  it('flips left-right', () => {
    const img = gradient(3, 1);
    expect([...flipHorizontal(img).data]).toEqual([...img.data.subarray(6, 9), ...img.data.subarray(3, 6), ...img.data.subarray(0, 3)]);
  });
});

describe('RandAugment', () => {
  it("reads timm's rand-m9-mstd0.5-inc1", () => {
    expect(parseRandAugment('rand-m9-mstd0.5-inc1')).toEqual({ magnitude: 9, magnitudeStd: 0.5, numOps: 2, prob: 0.5, increasing: true });
    expect(() => parseRandAugment('augmix-m5')).toThrow(/RandAugment/);
    expect(RAND_AUGMENT_OPS).toHaveLength(15);
  });

  it('applies PIL point ops as defined', () => {
    const img = gradient(8, 8);
    // Force one op with prob 1 by seeding until it is chosen; check the op's definition on every pixel.
    const runOp = (name: string, magnitude: number) => {
      for (let seed = 0; seed < 500; seed++) {
        const probe = rngFor(seed, 'op');
        if (probe.choice(RAND_AUGMENT_OPS) !== name) continue;
        return randAugment(rngFor(seed, 'op'), img, { magnitude, magnitudeStd: 0, numOps: 1, prob: 1, increasing: true }, [0.5, 0.5, 0.5]);
      }
      throw new Error(`no seed picks ${name}`);
    };
    expect([...runOp('Invert', 9).data]).toEqual([...img.data].map((v) => 255 - v));
    expect([...runOp('PosterizeIncreasing', 10).data]).toEqual([...img.data].map(() => 0)); // 0 bits kept
    expect([...runOp('PosterizeIncreasing', 5).data]).toEqual([...img.data].map((v) => v & 0xc0)); // 4 - 2 = 2 bits
    expect([...runOp('SolarizeIncreasing', 5).data]).toEqual([...img.data].map((v) => (v >= 128 ? 255 - v : v)));
    const eq = runOp('Equalize', 0);
    for (let c = 0; c < 3; c++) {
      const channel = [...eq.data].filter((_, i) => i % 3 === c);
      expect(Math.max(...channel)).toBeGreaterThan(200); // stretched towards the full range
    }
  });
});

describe('Mixup / CutMix', () => {
  it('smooths one-hot targets as timm (off = s / k, on = 1 - s + off)', () => {
    expect([...smoothOneHot(Int32Array.from([1]), 4, 0.1)].map((v) => Math.round(v * 1e6) / 1e6)).toEqual([0.025, 0.925, 0.025, 0.025]);
  });

  it('mixes images and targets with one lambda; CutMix lambda is the kept area', () => {
    const [n, h, w, k] = [4, 8, 8, 3];
    const labels = Int32Array.from([0, 1, 2, 0]);
    for (const [mixupAlpha, cutmixAlpha] of [[0.8, 0], [0, 1]] as const) {
      for (let seed = 0; seed < 10; seed++) {
        const x = Float32Array.from({ length: n * h * w * 3 }, (_, i) => Math.floor(i / (h * w * 3)));
        const { targets, lambda, mode } = mixBatch(rngFor(seed, 'mix'), x, labels, h, w, { mixupAlpha, cutmixAlpha, prob: 1, switchProb: 0.5, smoothing: 0, numClasses: k });
        expect(mode).toBe(mixupAlpha > 0 ? 'mixup' : 'cutmix');
        for (let i = 0; i < n; i++) {
          const row = [...targets.subarray(i * k, (i + 1) * k)];
          expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
          expect(row[labels[i]!]! + (labels[i] === labels[n - 1 - i] ? 0 : row[labels[n - 1 - i]!]!)).toBeCloseTo(1, 6);
          // Image i's mean is lambda * i + (1 - lambda) * (n - 1 - i) for both modes.
          const img = x.subarray(i * h * w * 3, (i + 1) * h * w * 3);
          const mean = img.reduce((a, b) => a + b, 0) / img.length;
          expect(mean).toBeCloseTo(lambda * i + (1 - lambda) * (n - 1 - i), 4);
        }
      }
    }
  });
});

describe('random erasing', () => {
  it('fills one rectangle (2% to 1/3 of the image) with noise and leaves the rest', () => {
    const r = rngFor(9, 'erase');
    for (let t = 0; t < 20; t++) {
      const x = new Float32Array(32 * 32 * 3).fill(7);
      randomErase(r, x, 32, 32, { prob: 1, mode: 'const' });
      const erased = x.filter((v) => v === 0).length / 3;
      expect(erased).toBeGreaterThanOrEqual(Math.floor(0.02 * 1024 * 0.8));
      expect(erased).toBeLessThanOrEqual(Math.ceil(1024 / 3) + 40);
      expect(x.filter((v) => v !== 0 && v !== 7).length).toBe(0);
    }
  });
});
