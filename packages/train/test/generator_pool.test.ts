// SPDX-License-Identifier: MIT
// StyleNAT generation over worker threads with a small random generator (16 px): one and two workers give the
// images of the generator on this thread (wasm, the same jobs), bit for bit, with truncation and style mixing;
// bad arguments are ArgumentErrors naming them and a directory that is not a StyleNAT model a ModelDirError. The
// workers run the built worker script (dist/workers/inference_worker.js).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ArgumentError, setBestBackend } from '@natzoo/core';
import { createStyleNATGenerator, generateImages, latentsFromSeeds, meanLatent } from '@natzoo/models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveStyleNATDir } from '../src/gan/stylenat_dir.js';
import { ModelDirError } from '../src/convert/model_topology.js';
import { generateInJobs, startGeneratorPool, type GeneratorPoolOptions } from '../src/workers/generator_pool.js';

const REPO = resolve(__dirname, '../../..');
const built = existsSync(join(REPO, 'packages/train/dist/workers/inference_worker.js'));
if (!built) console.warn('skipping the worker runs: they need the built package (run pnpm build first)');

const DIM = 16;
const SAMPLES = 5;
const JOB = 2; // jobs of 2, 2 and 1 samples
const OPTIONS = { truncation: 0.7, truncationSamples: 64, mixing: true, crossover: 2 } satisfies GeneratorPoolOptions;

const root = mkdtempSync(join(tmpdir(), 'natzoo-generator-pool-'));
const modelDir = join(root, 'stylenat16');
let z: Float32Array;
let mixZ: Float32Array;
let here: Float32Array;

beforeAll(async () => {
  await setBestBackend(['wasm']);
  const generator = createStyleNATGenerator('ffhq256', { size: 16, style_dim: DIM, n_mlp: 2, in_channels: [16, 16, 16], min_heads: 2 });
  await saveStyleNATDir(modelDir, { g_ema: generator });
  const seeds = (from: number) => tf.tidy(() => latentsFromSeeds(Array.from({ length: SAMPLES }, (_, i) => from + i), DIM).dataSync() as Float32Array);
  z = seeds(0);
  mixZ = seeds(100);
  // The reference: the generator on this thread, job by job.
  const meanW = meanLatent(generator, OPTIONS.truncationSamples);
  here = new Float32Array(SAMPLES * 16 * 16 * 3);
  for (let from = 0; from < SAMPLES; from += JOB) {
    const count = Math.min(JOB, SAMPLES - from);
    const rows = (x: Float32Array) => tf.tensor2d(x.subarray(from * DIM, (from + count) * DIM), [count, DIM]);
    const images = tf.tidy(() => generateImages(generator, rows(z), { truncation: OPTIONS.truncation, meanW, mixZ: rows(mixZ), crossover: OPTIONS.crossover }));
    here.set(images.dataSync(), from * 16 * 16 * 3);
    images.dispose();
  }
  meanW.dispose();
  generator.dispose();
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The images of every sample on `workers` workers, in jobs of JOB samples. */
async function onWorkers(workers: number): Promise<Float32Array> {
  const pool = await startGeneratorPool(modelDir, { workers, ...OPTIONS });
  try {
    expect([pool.inputSize, pool.outputSize, pool.config.size]).toEqual([2 * DIM, 16 * 16 * 3, 16]);
    const done: number[] = [];
    const images = await generateInJobs(pool, z, { mixZ, jobSize: JOB, input: 'seeds 0-4', onProgress: (n) => done.push(n) });
    expect(done).toHaveLength(3);
    expect(done.at(-1)).toBe(SAMPLES);
    return images;
  } finally {
    await pool.close();
  }
}

describe('StyleNAT generation over worker threads', () => {
  it.runIf(built)('one and two workers give the images of this thread, bit for bit, in sample order', async () => {
    const two = await onWorkers(2);
    const one = await onWorkers(1);
    expect(two).toEqual(one);
    expect(two).toEqual(here);
    // Not a degenerate output: the first two samples differ by a good part of the output's scale (small with
    // random weights).
    const first = two.subarray(0, 16 * 16 * 3);
    const second = two.subarray(16 * 16 * 3, 2 * 16 * 16 * 3);
    const scale = first.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    const apart = first.reduce((m, v, i) => Math.max(m, Math.abs(v - second[i]!)), 0);
    expect(scale).toBeGreaterThan(0);
    expect(apart).toBeGreaterThan(0.05 * scale);
  });

  it.runIf(built)('refuses latents that do not fit the pool, naming the argument', async () => {
    const pool = await startGeneratorPool(modelDir, { workers: 1 });
    try {
      expect(() => generateInJobs(pool, z, { mixZ, jobSize: 1, input: 'x' })).toThrow(/^mixZ 80 floats: the pool was started without mixing/);
      expect(() => generateInJobs(pool, z.subarray(1), { jobSize: 1, input: 'x' })).toThrow(/^z 79 floats: expected \[count, 16\]/);
    } finally {
      await pool.close();
    }
  });

  it('names a bad argument or a directory that is not a StyleNAT model before starting any worker', async () => {
    const bad: [GeneratorPoolOptions, RegExp][] = [
      [{ truncation: -1 }, /^truncation -1: /],
      [{ truncationSamples: 0 }, /^truncationSamples 0: /],
      [{ mixing: true, crossover: 9 }, /^crossover 9: expected an integer from 0 to 6 /],
      [{ workers: 0 }, /^workers 0: /],
      [{ backend: 'webgpu' as 'wasm' }, /^backend webgpu: /],
    ];
    for (const [options, message] of bad) {
      const failure = startGeneratorPool(modelDir, options);
      await expect(failure).rejects.toThrow(ArgumentError);
      await expect(failure).rejects.toThrow(message);
    }
    await expect(startGeneratorPool(root)).rejects.toThrow(ModelDirError);
  });
});
