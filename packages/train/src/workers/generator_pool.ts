// SPDX-License-Identifier: MIT
// StyleNAT generation over worker threads: the inference pool with each worker holding its own copy of the
// generator (g_ema) and, for the truncation trick, its own mean w from the same seeds. A job is a run of samples
// (their z, and their mixing z), so with the same jobs the images are the same bits for any worker count.
import { ArgumentError } from '@natzoo/core';
import { latentCount, resolveStyleNATConfig, type StyleNATConfig } from '@natzoo/models/advanced';
import { requireStyleNATModelJson } from '../gan/stylenat_dir.js';
import { predictInJobs, startWorkerPool, type InferencePool, type WorkerPoolOptions } from './inference_pool.js';

export interface GeneratorPoolOptions extends WorkerPoolOptions {
  /** psi of the truncation trick, >= 0 (default 1: none). */
  truncation?: number;
  /** z samples averaged for the truncation centre (default 4096). */
  truncationSamples?: number;
  /** Whether jobs carry a second z per sample for style mixing (default false). */
  mixing?: boolean;
  /** With mixing, the first block taking the second w, 0 .. nLatent (default nLatent / 2). */
  crossover?: number | undefined;
}

export interface GeneratorPool extends InferencePool {
  /** The generator's configuration (model.json): `size` and `styleDim` among others. */
  readonly config: StyleNATConfig;
  readonly mixing: boolean;
}

/** Starts `options.workers` workers, each loading the StyleNAT generator (g_ema) in `modelDir`. */
export async function startGeneratorPool(modelDir: string, options: GeneratorPoolOptions = {}): Promise<GeneratorPool> {
  const truncation = options.truncation ?? 1;
  if (!(Number.isFinite(truncation) && truncation >= 0)) throw new ArgumentError('truncation', truncation, 'expected a number >= 0 (1: none)');
  const truncationSamples = options.truncationSamples ?? 4096;
  if (!(Number.isSafeInteger(truncationSamples) && truncationSamples > 0)) {
    throw new ArgumentError('truncationSamples', truncationSamples, 'expected a positive integer (z samples averaged for the truncation centre)');
  }
  const modelJson = await requireStyleNATModelJson(modelDir);
  const config = resolveStyleNATConfig(`${modelDir} model.json generator`, modelJson.generator);
  const mixing = options.mixing ?? false;
  const { crossover } = options;
  const blocks = latentCount(config);
  if (mixing && crossover !== undefined && !(Number.isSafeInteger(crossover) && crossover >= 0 && crossover <= blocks)) {
    throw new ArgumentError('crossover', crossover, `expected an integer from 0 to ${blocks} (the generator's w count)`);
  }
  const pool = await startWorkerPool({ kind: 'stylenat', modelDir, truncation, truncationSamples, mixing, crossover }, options);
  return { ...pool, config, mixing };
}

/**
 * Raw images `[count, size, size, 3]` (the generator's ImageNet-normalised space) of the latents `z`
 * `[count, styleDim]` (and, on a mixing pool, `mixZ` alike), in jobs of `jobSize` samples over the pool's
 * workers, in order; `input` names the samples in errors. The same jobs give the same images on any pool size.
 */
export function generateInJobs(
  pool: GeneratorPool,
  z: Float32Array,
  options: { mixZ?: Float32Array | undefined; jobSize: number; input: string; onProgress?: (done: number, total: number) => void },
): Promise<Float32Array> {
  const dim = pool.config.styleDim;
  const count = z.length / dim;
  if (!Number.isSafeInteger(count)) throw new ArgumentError('z', `${z.length} floats`, `expected [count, ${dim}] latents`);
  const { mixZ } = options;
  if (pool.mixing !== (mixZ !== undefined)) throw new ArgumentError('mixZ', mixZ === undefined ? undefined : `${mixZ.length} floats`, pool.mixing ? 'the pool mixes styles: give a second z per sample' : 'the pool was started without mixing');
  if (mixZ !== undefined && mixZ.length !== z.length) throw new ArgumentError('mixZ', `${mixZ.length} floats`, `expected as many as z (${z.length})`);
  // Each sample's z, then its mixing z: the worker's item layout.
  let inputs = z;
  if (mixZ !== undefined) {
    inputs = new Float32Array(2 * z.length);
    for (let i = 0; i < count; i++) {
      inputs.set(z.subarray(i * dim, (i + 1) * dim), 2 * i * dim);
      inputs.set(mixZ.subarray(i * dim, (i + 1) * dim), (2 * i + 1) * dim);
    }
  }
  return predictInJobs(pool, inputs, count, options.jobSize, options.input, options.onProgress);
}
