// SPDX-License-Identifier: MIT
// Sampling from a StyleNAT generator: z from seeds, the mean w for the truncation trick
// (`w' = mean + psi (w - mean)`), style mixing (blocks before `crossover` take the first w, the rest the second),
// and images out of the ImageNet-normalised space upstream trains in.
import * as tf from '@tensorflow/tfjs';
import type { StyleNATGenerator } from './generator.js';

/** ImageNet mean / std: upstream normalises training images with them, so generated images come out that way. */
export const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const;
export const IMAGENET_STD = [0.229, 0.224, 0.225] as const;

/** mulberry32: a small, well-mixed 32-bit PRNG, identical on every platform (unlike Math.random). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The z for `seed`: `dim` standard-normal values (Box-Muller over mulberry32). Deterministic across backends and
 * machines. It is not PyTorch's `manual_seed(seed); randn(...)`: to reproduce an upstream sample, pass its z.
 */
export function latentFromSeed(seed: number, dim: number): Float32Array {
  if (!Number.isSafeInteger(seed) || seed < 0 || seed > 0xffffffff) throw new Error(`seed ${seed}: expected an integer in 0..2^32-1`);
  const next = mulberry32(seed);
  const out = new Float32Array(dim);
  for (let i = 0; i < dim; i += 2) {
    const u1 = 1 - next();
    const u2 = next();
    const r = Math.sqrt(-2 * Math.log(u1));
    out[i] = r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < dim) out[i + 1] = r * Math.sin(2 * Math.PI * u2);
  }
  return out;
}

/** z `[seeds.length, styleDim]` for a list of seeds. */
export function latentsFromSeeds(seeds: readonly number[], dim: number): tf.Tensor2D {
  const data = new Float32Array(seeds.length * dim);
  seeds.forEach((s, i) => data.set(latentFromSeed(s, dim), i * dim));
  return tf.tensor2d(data, [seeds.length, dim]);
}

/** The mean w over `samples` z (from seeds `seed, seed+1, ...`), `[1, styleDim]`: the truncation centre. */
export function meanLatent(generator: StyleNATGenerator, samples = 4096, seed = 0x5eed, batch = 512): tf.Tensor2D {
  const dim = generator.config.styleDim;
  let sum = tf.zeros([1, dim]) as tf.Tensor2D;
  for (let done = 0; done < samples; done += batch) {
    const n = Math.min(batch, samples - done);
    const next = tf.tidy(() => {
      const z = latentsFromSeeds(Array.from({ length: n }, (_, i) => seed + done + i), dim);
      return tf.add(sum, tf.sum(generator.mapping(z), 0, true)) as tf.Tensor2D;
    });
    sum.dispose();
    sum = next;
  }
  const mean = tf.div(sum, samples) as tf.Tensor2D;
  sum.dispose();
  return mean;
}

export interface GenerateOptions {
  /** psi of the truncation trick; 1 (default) = none. Needs `meanW` when not 1. */
  truncation?: number;
  /** The truncation centre `[1, styleDim]` (see `meanLatent`). */
  meanW?: tf.Tensor;
  /** Style mixing: a second z `[B, styleDim]`; blocks from `crossover` on use its w. */
  mixZ?: tf.Tensor2D;
  /** First block index that takes the second w (0 .. nLatent); default nLatent / 2. */
  crossover?: number;
}

/** Truncated, optionally mixed w per block `[B, nLatent, styleDim]` for z. */
export function stylesFor(generator: StyleNATGenerator, z: tf.Tensor2D, opts: GenerateOptions = {}): tf.Tensor3D {
  const psi = opts.truncation ?? 1;
  if (!(Number.isFinite(psi) && psi >= 0)) throw new Error(`truncation ${psi}: expected a number >= 0`);
  if (psi !== 1 && opts.meanW === undefined) throw new Error(`truncation ${psi} needs meanW (meanLatent(generator))`);
  const n = generator.nLatent;
  const crossover = opts.crossover ?? Math.floor(n / 2);
  if (opts.mixZ !== undefined && !(Number.isInteger(crossover) && crossover >= 0 && crossover <= n)) {
    throw new Error(`crossover ${crossover}: expected an integer in 0..${n}`);
  }
  if (opts.mixZ !== undefined && opts.mixZ.shape[0] !== z.shape[0]) throw new Error(`mixZ has ${opts.mixZ.shape[0]} rows, z has ${z.shape[0]}`);
  return tf.tidy(() => {
    const truncate = (w: tf.Tensor2D) => (psi === 1 ? w : (tf.add(opts.meanW!, tf.mul(tf.sub(w, opts.meanW!), psi)) as tf.Tensor2D));
    const w1 = generator.broadcastLatent(truncate(generator.mapping(z)));
    if (opts.mixZ === undefined) return w1;
    const w2 = generator.broadcastLatent(truncate(generator.mapping(opts.mixZ)));
    const mask = tf.reshape(tf.tensor1d(Array.from({ length: n }, (_, i) => (i < crossover ? 1 : 0))), [1, n, 1]);
    return tf.add(tf.mul(w1, mask), tf.mul(w2, tf.sub(1, mask))) as tf.Tensor3D;
  });
}

/** Raw images `[B, size, size, 3]` (the model's ImageNet-normalised space) for z. */
export function generateImages(generator: StyleNATGenerator, z: tf.Tensor2D, opts: GenerateOptions = {}): tf.Tensor4D {
  return tf.tidy(() => generator.synthesis(stylesFor(generator, z, opts)));
}

/** Raw NHWC output -> RGB in [0, 1] (upstream `unnormalize`, then clamp). */
export function denormalizeImages(images: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => tf.clipByValue(tf.add(tf.mul(images, tf.tensor1d([...IMAGENET_STD])), tf.tensor1d([...IMAGENET_MEAN])), 0, 1) as tf.Tensor4D);
}

/** [0, 1] RGB images (NHWC) -> ImageNet-normalised, the discriminator's and training data's space. */
export function normalizeImages(images: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => tf.div(tf.sub(images, tf.tensor1d([...IMAGENET_MEAN])), tf.tensor1d([...IMAGENET_STD])) as tf.Tensor4D);
}
