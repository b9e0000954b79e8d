// SPDX-License-Identifier: MIT
// `natzoo generate`: images from a converted StyleNAT generator (g_ema) for seeds or given z, with the truncation
// trick and style mixing; a PNG grid or one PNG per sample, and optionally the raw NCHW float32 output as .npy.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { denormalizeImages, generateImages, latentsFromSeeds, meanLatent, tileImages } from '@natzoo/models';
import type { StyleNATGenerator } from '@natzoo/models';
import { loadStyleNATDir, readNpy, writeNpy } from '@natzoo/train';
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
  batchSize?: number;
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

async function readLatents(path: string, dim: number): Promise<tf.Tensor2D> {
  const array = await readNpy(path);
  if (!(array.data instanceof Float32Array || array.data instanceof Float64Array) || array.shape.length !== 2 || array.shape[1] !== dim) {
    throw new Error(`--z ${path}: expected a float32 array [N, ${dim}]; got ${array.dtype} [${array.shape.join(', ')}]`);
  }
  return tf.tensor2d(Float32Array.from(array.data), [array.shape[0]!, dim]);
}

async function writePng(path: string, data: Uint8Array, width: number, height: number): Promise<void> {
  const png = await sharp(data, { raw: { width, height, channels: 3 } }).png().toBuffer();
  await writeFileAtomic(path, (handle) => writeAll(handle, png));
}

/** Runs the generator over z in batches; returns raw NHWC output values. */
async function runBatches(generator: StyleNATGenerator, z: tf.Tensor2D, mixZ: tf.Tensor2D | undefined, opts: GenerateCliOptions, meanW: tf.Tensor | undefined): Promise<Float32Array> {
  const n = z.shape[0];
  const size = generator.config.size;
  const batch = Math.max(1, opts.batchSize ?? 4);
  const out = new Float32Array(n * size * size * 3);
  for (let at = 0; at < n; at += batch) {
    const count = Math.min(batch, n - at);
    const images = tf.tidy(() => {
      const zb = tf.slice(z, [at, 0], [count, -1]);
      const mb = mixZ === undefined ? undefined : tf.slice(mixZ, [at, 0], [count, -1]);
      return generateImages(generator, zb, { truncation: opts.truncation ?? 1, meanW, mixZ: mb, crossover: opts.crossover });
    });
    // Asynchronous readback: GPU backends cannot read synchronously in Node.
    out.set((await images.data()) as Float32Array, at * size * size * 3);
    images.dispose();
    opts.onProgress?.(at + count, n);
  }
  return out;
}

/** Generates and writes the outputs; returns what was written. */
export async function generate(opts: GenerateCliOptions): Promise<{ count: number; files: string[] }> {
  if (opts.out === undefined && opts.rawOut === undefined) throw new Error('generate: give --out (PNG) and/or --raw-out (.npy)');
  const psi = opts.truncation ?? 1;
  if (!(Number.isFinite(psi) && psi >= 0)) throw new Error(`--truncation ${psi}: expected a number >= 0 (1 = none)`);
  const { modules } = await loadStyleNATDir(opts.model, ['g_ema']);
  const generator = modules.g_ema;
  const dim = generator.config.styleDim;
  const size = generator.config.size;
  let meanW: tf.Tensor | undefined;
  let z: tf.Tensor2D | undefined;
  let mixZ: tf.Tensor2D | undefined;
  try {
    const seeds = opts.z === undefined ? parseSeeds(opts.seeds ?? '0-15') : null;
    z = opts.z === undefined ? latentsFromSeeds(seeds!, dim) : await readLatents(opts.z, dim);
    const n = z.shape[0];
    if (opts.mixSeeds !== undefined) {
      const mix = parseSeeds(opts.mixSeeds, '--mix-seeds');
      if (mix.length !== n) throw new Error(`--mix-seeds gives ${mix.length} seeds; ${n} samples need as many`);
      mixZ = latentsFromSeeds(mix, dim);
    }
    if (psi !== 1) meanW = meanLatent(generator, opts.truncationSamples ?? 4096);
    const raw = await runBatches(generator, z, mixZ, opts, meanW);
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
        const cols = opts.cols ?? Math.ceil(Math.sqrt(n));
        if (!(Number.isInteger(cols) && cols > 0)) throw new Error(`--cols ${cols}: expected a positive integer`);
        const grid = tileImages(pixels, n, size, cols, opts.padding ?? 0);
        await writePng(opts.out, grid.data, grid.width, grid.height);
        files.push(opts.out);
      }
    }
    return { count: n, files };
  } finally {
    tf.dispose([z, mixZ, meanW].filter((t) => t !== undefined));
    generator.dispose();
  }
}
