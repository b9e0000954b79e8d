// SPDX-License-Identifier: MIT
// `natzoo generate`: images from a converted StyleNAT generator (g_ema) for seeds or given z, with the truncation
// trick and style mixing; a PNG grid or one PNG per sample, and optionally the raw NCHW float32 output as .npy.
// On this thread, or over worker threads taking jobs of `batchSize` samples (the same images for any count).
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { ArgumentError } from '@natzoo/core';
import { denormalizeImages, generateImages, latentsFromSeeds, meanLatent, tileImages } from '@natzoo/models';
import { checkWorkerCount, generateInJobs, loadStyleNATDir, readNpy, startGeneratorPool, writeNpy } from '@natzoo/train';
import type { InferenceBackend } from '@natzoo/train';
import { writeAll, writeFileAtomic } from '@natzoo/train/advanced';

export interface GenerateCliOptions {
  /** A StyleNAT model directory (natzoo convert / natzoo train-gan). */
  model: string;
  /** Seeds (`0-15`, `1,5,9`, `0-3,10`); ignored when `z` is given. Default `0-15`. */
  seeds?: string;
  /** A float32 .npy `[N, styleDim]` of latent codes, used instead of seeds. */
  z?: string;
  truncation?: number;
  /** z samples averaged for the truncation centre. */
  truncationSamples?: number;
  /** Seeds of the second z for style mixing (as many as the first). */
  mixSeeds?: string;
  /** First block that takes the mixing w. */
  crossover?: number;
  /** PNG path: a grid, or with `perSample` a directory receiving `<seed>.png` (or `<index>.png` for --z). */
  out?: string;
  perSample?: boolean;
  /** Grid columns; default ceil(sqrt(N)). */
  cols?: number;
  /** Pixels between grid cells. */
  padding?: number;
  /** Raw output `[N, 3, size, size]` float32 .npy (ImageNet-normalised, as upstream returns it). */
  rawOut?: string;
  /** Samples per forward pass (and per worker job); default 4. */
  batchSize?: number;
  /** Worker threads, each with its own tfjs and generator copy (default 1: this thread). */
  workers?: number | undefined;
  /** The workers' backend (wasm or cpu). */
  backend?: InferenceBackend | undefined;
  onProgress?: (done: number, total: number) => void;
}

/** `0-15`, `3`, `1,4,7`, `0-3,10-11` -> the list of integers. */
export function parseSeeds(spec: string, option = '--seeds'): number[] {
  const out: number[] = [];
  for (const part of spec.split(',').map((s) => s.trim()).filter((s) => s.length > 0)) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (m === null) throw new Error(`${option} ${spec}: '${part}' is not a seed or a range like 0-15`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a) throw new Error(`${option} ${spec}: range ${part} runs backwards`);
    if (b - a > 100_000) throw new Error(`${option} ${spec}: range ${part} is too long`);
    for (let s = a; s <= b; s++) out.push(s);
  }
  if (out.length === 0) throw new Error(`${option} ${spec}: no seeds`);
  return out;
}

/** z `[n, dim]` from a float32 .npy. */
async function readLatents(path: string, dim: number): Promise<Float32Array> {
  const array = await readNpy(path);
  if (!(array.data instanceof Float32Array || array.data instanceof Float64Array) || array.shape.length !== 2 || array.shape[1] !== dim) {
    throw new ArgumentError('z', path, `expected a float32 array [N, ${dim}]; got ${array.dtype} [${array.shape.join(', ')}]`);
  }
  return Float32Array.from(array.data);
}

/** z `[seeds.length, dim]` for a list of seeds, as floats. */
async function seedLatents(seeds: readonly number[], dim: number): Promise<Float32Array> {
  const z = latentsFromSeeds(seeds, dim);
  try {
    return (await z.data()) as Float32Array;
  } finally {
    z.dispose();
  }
}

async function writePng(path: string, data: Uint8Array, width: number, height: number): Promise<void> {
  const png = await sharp(data, { raw: { width, height, channels: 3 } }).png().toBuffer();
  await writeFileAtomic(path, (handle) => writeAll(handle, png));
}

/** Raw NHWC images of latents z (and the mixing z), on this thread or over worker threads. */
interface Sampler {
  styleDim: number;
  size: number;
  sample(z: Float32Array, mixZ: Float32Array | undefined): Promise<Float32Array>;
  close(): Promise<void>;
}

/** The generator on this thread: batches of `batch` samples, one after the other. */
async function threadSampler(opts: GenerateCliOptions, batch: number, psi: number): Promise<Sampler> {
  const generator = (await loadStyleNATDir(opts.model, ['g_ema'])).modules.g_ema;
  const { styleDim: dim, size } = generator.config;
  const meanW = psi === 1 ? undefined : meanLatent(generator, opts.truncationSamples ?? 4096);
  const sample = async (z: Float32Array, mixZ: Float32Array | undefined) => {
    const n = z.length / dim;
    const out = new Float32Array(n * size * size * 3);
    for (let at = 0; at < n; at += batch) {
      const count = Math.min(batch, n - at);
      const rows = (x: Float32Array) => tf.tensor2d(x.subarray(at * dim, (at + count) * dim), [count, dim]);
      const images = tf.tidy(() => generateImages(generator, rows(z), { truncation: psi, meanW, mixZ: mixZ === undefined ? undefined : rows(mixZ), crossover: opts.crossover }));
      // Asynchronous readback: GPU backends cannot read synchronously in Node.
      out.set((await images.data()) as Float32Array, at * size * size * 3);
      images.dispose();
      opts.onProgress?.(at + count, n);
    }
    return out;
  };
  const close = async () => {
    meanW?.dispose();
    generator.dispose();
  };
  return { styleDim: dim, size, sample, close };
}

/** The generator on `workers` worker threads, each taking jobs of `batch` samples. */
async function poolSampler(opts: GenerateCliOptions, batch: number, psi: number, workers: number): Promise<Sampler> {
  const pool = await startGeneratorPool(opts.model, {
    workers, ...(opts.backend ? { backend: opts.backend } : {}), truncation: psi, truncationSamples: opts.truncationSamples ?? 4096,
    mixing: opts.mixSeeds !== undefined, crossover: opts.crossover,
  });
  const input = opts.z === undefined ? `seeds ${opts.seeds ?? '0-15'}` : opts.z;
  return {
    styleDim: pool.config.styleDim,
    size: pool.config.size,
    sample: (z, mixZ) => generateInJobs(pool, z, { mixZ, jobSize: batch, input, ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) }),
    close: () => pool.close(),
  };
}

/** Generates and writes the outputs; returns what was written (and the worker count when above 1). */
export async function generate(opts: GenerateCliOptions): Promise<{ count: number; files: string[]; workers?: number }> {
  if (opts.out === undefined && opts.rawOut === undefined) throw new Error('generate: give --out (PNG) and/or --raw-out (.npy)');
  const psi = opts.truncation ?? 1;
  if (!(Number.isFinite(psi) && psi >= 0)) throw new ArgumentError('truncation', psi, 'expected a number >= 0 (1 = none)');
  const batch = opts.batchSize ?? 4;
  if (!(Number.isSafeInteger(batch) && batch > 0)) throw new ArgumentError('batchSize', batch, 'expected a positive integer');
  const cols = opts.cols;
  if (cols !== undefined && !(Number.isSafeInteger(cols) && cols > 0)) throw new ArgumentError('cols', cols, 'expected a positive integer');
  const workers = checkWorkerCount(opts.workers ?? 1);
  const seeds = opts.z === undefined ? parseSeeds(opts.seeds ?? '0-15') : null;
  const mix = opts.mixSeeds === undefined ? undefined : parseSeeds(opts.mixSeeds, '--mix-seeds');
  const sampler = workers > 1 ? await poolSampler(opts, batch, psi, workers) : await threadSampler(opts, batch, psi);
  try {
    const { styleDim: dim, size } = sampler;
    const z = seeds === null ? await readLatents(opts.z!, dim) : await seedLatents(seeds, dim);
    const n = z.length / dim;
    if (mix !== undefined && mix.length !== n) throw new ArgumentError('mixSeeds', opts.mixSeeds, `gives ${mix.length} seeds; ${n} samples need as many`);
    const raw = await sampler.sample(z, mix === undefined ? undefined : await seedLatents(mix, dim));
    const files: string[] = [];
    if (opts.rawOut !== undefined) {
      const nchwT = tf.tidy(() => tf.transpose(tf.tensor4d(raw, [n, size, size, 3]), [0, 3, 1, 2]));
      const nchw = (await nchwT.data()) as Float32Array;
      nchwT.dispose();
      await writeNpy(opts.rawOut, nchw, [n, 3, size, size]);
      files.push(opts.rawOut);
    }
    if (opts.out !== undefined) {
      const scaled = tf.tidy(() => tf.round(tf.mul(denormalizeImages(tf.tensor4d(raw, [n, size, size, 3])), 255)));
      const pixels = Uint8Array.from(await scaled.data());
      scaled.dispose();
      if (opts.perSample) {
        await mkdir(opts.out, { recursive: true });
        for (let i = 0; i < n; i++) {
          const path = join(opts.out, `${seeds === null ? i : seeds[i]}.png`);
          await writePng(path, pixels.subarray(i * size * size * 3, (i + 1) * size * size * 3), size, size);
          files.push(path);
        }
      } else {
        const grid = tileImages(pixels, n, size, cols ?? Math.ceil(Math.sqrt(n)), opts.padding ?? 0);
        await writePng(opts.out, grid.data, grid.width, grid.height);
        files.push(opts.out);
      }
    }
    return { count: n, files, ...(workers > 1 ? { workers } : {}) };
  } finally {
    await sampler.close();
  }
}
