// SPDX-License-Identifier: MIT
// Data-parallel inference over worker threads with the shipped CCT-2 and the CIFAR samples: two workers give
// the logits of one worker and of the model on this thread, bit for bit (each job runs whole on one worker), in
// input order; a worker's failure is an InferenceWorkerError naming the input. The workers run the built
// worker script (dist/workers/inference_worker.js).
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setBestBackend } from '@natzoo/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageToInput, loadModelDir } from '../src/index.js';
import { checkWorkerCount, InferenceWorkerError, predictInJobs, startInferencePool } from '../src/workers/inference_pool.js';

const REPO = resolve(__dirname, '../../..');
const SHIPPED = join(REPO, 'checkpoints/cct_2_3x2_32.cifar10');
const SAMPLES = join(REPO, 'checkpoints/samples');
const built = existsSync(join(REPO, 'packages/train/dist/workers/inference_worker.js'));
if (!built) console.warn('skipping the worker runs: they need the built package (run pnpm build first)');
const JOB = 3; // 8 samples: jobs of 3, 3 and 2 images

const root = mkdtempSync(join(tmpdir(), 'natzoo-pool-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let inputs: Float32Array;
let count: number;
let files: string[];
let labels: readonly string[];

beforeAll(async () => {
  await setBestBackend(['wasm']);
  const { preprocess } = await loadModelDir(SHIPPED);
  labels = preprocess.labels;
  files = readdirSync(SAMPLES).filter((f) => f.endsWith('.png')).sort();
  const images = await Promise.all(files.map((f) => imageToInput(join(SAMPLES, f), preprocess)));
  count = images.length;
  inputs = new Float32Array(images.reduce((n, x) => n + x.length, 0));
  images.forEach((x, i) => inputs.set(x, i * x.length));
});

/** The logits of every sample on `workers` workers, in jobs of JOB images. */
async function onWorkers(workers: number): Promise<Float32Array> {
  const pool = await startInferencePool(SHIPPED, { workers });
  try {
    expect(pool.outputSize).toBe(10);
    return await predictInJobs(pool, inputs, count, JOB, 'samples');
  } finally {
    await pool.close();
  }
}

describe('inference over worker threads', () => {
  it.runIf(built)('two workers give the logits of one worker and of this thread, bit for bit, in input order', async () => {
    const two = await onWorkers(2);
    const one = await onWorkers(1);
    expect(two).toEqual(one);
    const { model } = await loadModelDir(SHIPPED);
    const here = new Float32Array(count * 10);
    for (let from = 0; from < count; from += JOB) {
      const to = Math.min(from + JOB, count);
      const out = tf.tidy(() => model.predict(tf.tensor4d(inputs.subarray(from * 3072, to * 3072), [to - from, 32, 32, 3])) as tf.Tensor);
      here.set(out.dataSync(), from * 10);
      out.dispose();
    }
    model.dispose();
    expect(two).toEqual(here);
    // In input order: the samples' file names carry their CIFAR-10 class, and the shipped model gets 7 of the 8.
    const top1 = Array.from({ length: count }, (_, n) => {
      const row = Array.from(two.subarray(n * 10, n * 10 + 10));
      return labels[row.indexOf(Math.max(...row))];
    });
    expect(top1.filter((label, n) => files[n]!.includes(`_${label!}.`)).length).toBeGreaterThanOrEqual(7);
  });

  it.runIf(built)('a job that fails in a worker rejects with an InferenceWorkerError naming its images, and the pool stops', async () => {
    // preprocess.json says 16x16, the model takes 32x32: loading works, every forward pass fails in the worker.
    const dir = join(root, 'mismatched');
    cpSync(SHIPPED, dir, { recursive: true });
    const preprocess = JSON.parse(readFileSync(join(SHIPPED, 'preprocess.json'), 'utf8')) as object;
    writeFileSync(join(dir, 'preprocess.json'), JSON.stringify({ ...preprocess, inputSize: [3, 16, 16] }));
    const pool = await startInferencePool(dir, { workers: 2 });
    const small = new Float32Array(4 * 16 * 16 * 3);
    const failure = predictInJobs(pool, small, 4, 2, 'small');
    await expect(failure).rejects.toThrow(InferenceWorkerError);
    await expect(failure).rejects.toThrow(/^small images [02]\.\.[13]: /);
    await expect(pool.predict(small.subarray(0, 768), 1, 'after')).rejects.toThrow(InferenceWorkerError);
    await pool.close();
  });

  it.runIf(built)('a model that does not load names its directory', async () => {
    const dir = join(root, 'empty');
    cpSync(SHIPPED, dir, { recursive: true });
    writeFileSync(join(dir, 'weights.bin'), new Uint8Array(8));
    await expect(startInferencePool(dir, { workers: 2 })).rejects.toThrow(new RegExp(`^${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
  });

  it('takes a whole number of workers from 1 to four per core, naming the argument', () => {
    expect(checkWorkerCount(1)).toBe(1);
    for (const bad of [0, -1, 1.5, Number.NaN, 100_000]) expect(() => checkWorkerCount(bad)).toThrow(/^workers /);
  });
});
