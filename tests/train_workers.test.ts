// SPDX-License-Identifier: MIT
// Data-parallel training steps (`natzoo train --workers N`): with the same global batch, N threads give the
// one-thread run's losses and weights to float rounding (a tiny CCT with dropout, attention dropout and drop path
// on, so every mask must follow its sample, not its shard), BatchNorm's running means combine to the whole
// batch's (the first BatchNorm's; later ones see shard-normalised inputs), a run stopped mid-epoch and resumed with workers repeats the uninterrupted one exactly, and a bad
// count is refused naming the flag. The workers load the built package (pnpm build).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArgumentError, withRandomSource } from '@natzoo/core';
import { registerTrainingKernels } from '@natzoo/core/training-kernels';
import { createModel, type ModelName } from '@natzoo/models';
import { computeGradients, GradientWorkers, planRecompute, rngFor, SGD, shardSizes, trainableParams, type RecomputePlan } from '@natzoo/train';
import { train } from '../packages/train/src/train/trainer.js';
import { repoRoot, sharedPath } from './support/shared_dir.js';
import { syntheticBatch } from './support/synthetic_batch.js';
import { TINY_MODELS } from './support/tiny_models.js';

const workerScript = resolve(repoRoot, 'packages/train/dist/train/gradient_worker.js');
const cli = resolve(repoRoot, 'packages/cli/dist/main.js');
const CCT: [ModelName, Record<string, unknown>] = ['cct_2_3x2_32', { embedDim: 32, numHeads: 2, numConvLayers: 1, dropRate: 0.1, attnDropRate: 0.1, dropPathRate: 0.2, numClasses: 10 }];

beforeAll(async () => {
  expect(existsSync(workerScript), `${workerScript} is missing: build with pnpm build`).toBe(true);
  await tf.setBackend('wasm');
  registerTrainingKernels();
});

/** `steps` SGD steps on one batch from seed-3 weights with `workers` threads: the losses and every weight after. */
async function sgdSteps([name, overrides]: [ModelName, Record<string, unknown>], size: number, workers: number, steps: number, recompute = false) {
  const model = withRandomSource(rngFor(3, 'init'), () => createModel(name, overrides as never));
  const params = trainableParams(model.weights);
  // SGD, not AdamW: Adam scales rounding noise in a gradient that is zero in exact arithmetic (the sequence
  // pool's attention bias) up to a full learning-rate step.
  const optimizer = new SGD(params, { momentum: 0.9, weightDecay: 0.05, nesterov: true });
  const options = recompute ? { recompute: planRecompute(model) as RecomputePlan } : {};
  const pool = workers === 1 ? null : await GradientWorkers.start(model, { workers, model: name, overrides, seed: 3, recompute });
  const { x, y } = syntheticBatch(size, 5, 10);
  const losses: number[] = [];
  try {
    for (let s = 0; s < steps; s++) {
      const rng = rngFor(3, 'step', s);
      const step = pool === null ? computeGradients(model, params, x, y, rng, options) : await pool.computeGradients(params, x, y, rng, options);
      losses.push(step.loss);
      optimizer.apply(step.grads, 0.1);
      tf.dispose([...step.grads.values()]);
    }
  } finally {
    await pool?.close();
  }
  const weights = new Map(model.weights.map((w) => [w.originalName, w.read().dataSync().slice() as Float32Array]));
  tf.dispose([x, y]);
  optimizer.dispose();
  model.dispose();
  return { losses, weights };
}

/** Every weight within `rel` of the reference, relative to the largest |value| of the same weight (and 1e-8
 *  absolute, for weights that stay at rounding-noise size). */
function expectClose(actual: Map<string, Float32Array>, expected: Map<string, Float32Array>, rel: number): void {
  expect([...actual.keys()]).toEqual([...expected.keys()]);
  for (const [name, e] of expected) {
    const a = actual.get(name)!;
    let diff = 0;
    let scale = 0;
    e.forEach((v, i) => {
      diff = Math.max(diff, Math.abs(v - a[i]!));
      scale = Math.max(scale, Math.abs(v));
    });
    expect(diff, name).toBeLessThanOrEqual(rel * scale + 1e-8);
  }
}

describe('training steps over worker threads', () => {
  it('splits a batch into near-equal contiguous shards', () => {
    expect(shardSizes(5, 2)).toEqual([3, 2]);
    expect(shardSizes(8, 3)).toEqual([3, 3, 2]);
    expect(shardSizes(2, 4)).toEqual([1, 1]);
  });

  it('gives the one-thread losses and weights after 3 steps, at 2 and 3 workers', { timeout: 120_000 }, async () => {
    const one = await sgdSteps(CCT, 32, 1, 3);
    const two = await sgdSteps(CCT, 32, 2, 3);
    const three = await sgdSteps(CCT, 32, 3, 3, true);
    for (const other of [two, three]) {
      other.losses.forEach((l, i) => expect(Math.abs(l - one.losses[i]!)).toBeLessThanOrEqual(1e-6 * one.losses[i]!));
      expectClose(other.weights, one.weights, 1e-5);
    }
    // The masks matter: without dropout and drop path the same steps give other losses.
    const plain = await sgdSteps([CCT[0], { ...CCT[1], dropRate: 0, attnDropRate: 0, dropPathRate: 0 }], 32, 1, 1);
    expect(Math.abs(plain.losses[0]! - one.losses[0]!)).toBeGreaterThan(1e-4);
  });

  it('moves BatchNorm\'s running means by the whole batch\'s mean', { timeout: 60_000 }, async () => {
    const [name, overrides, size] = TINY_MODELS.find(([n]) => n === 'convmlp_s')!;
    const convmlp: [ModelName, Record<string, unknown>] = [name, { ...overrides, numClasses: 10 }];
    const [one, two] = [await sgdSteps(convmlp, size, 1, 1), await sgdSteps(convmlp, size, 2, 1)];
    // Only the first BatchNorm's input is the same either way: later ones see activations normalised with
    // each shard's own statistics.
    const first = [...one.weights.keys()].find((n) => n.endsWith('moving_mean'))!;
    const means = (m: Map<string, Float32Array>) => new Map([[first, m.get(first)!]]);
    expect(Math.max(...one.weights.get(first)!.map(Math.abs))).toBeGreaterThan(1e-3);
    expectClose(means(two.weights), means(one.weights), 1e-5);
  });

  it('refuses a count that is not a positive integer, naming the argument and the flag', async () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      await expect(train({ workers: bad, out: '', resume: false, recipe: {}, decodeWorkers: 0, checkpointEvery: 0, exportPt: false })).rejects.toThrow(ArgumentError);
    }
    const run = spawnSync(process.execPath, [cli, 'train', '--model', 'cct_2_3x2_32', '--out', tmpdir(), '--backend', 'cpu', '--workers', '0'], { encoding: 'utf8' });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/--workers 0: expected a positive integer/);
  });
});

describe('train() with workers, stopped and resumed', () => {
  let dir = '';
  afterAll(async () => {
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('repeats the uninterrupted run exactly', { timeout: 180_000 }, async () => {
    dir = await mkdtemp(join(tmpdir(), 'natzoo-workers-'));
    const data = join(dir, 'small.bin');
    await writeFile(data, (await readFile(sharedPath('data/cifar10/test_batch_first1017.bin'))).subarray(0, 40 * 3073));
    const options = (out: string) => ({
      model: 'cct_2_3x2_32', arch: { embedDim: 32, numHeads: 2, numConvLayers: 1 }, data: `cifar10:${data}`, valCount: 8, out, resume: false,
      decodeWorkers: 0, workers: 2, checkpointEvery: 2, exportPt: false, log: () => undefined,
      recipe: { epochs: 1, cooldownEpochs: 0, warmupEpochs: 0, batchSize: 8, seed: 5, mixup: 0.8, cutmix: 1, reprob: 0.25, aa: 'rand-m9-mstd0.5-inc1', dropPath: 0.1, drop: 0.1, modelEma: true, modelEmaDecay: 0.9 },
    });
    const steps = (log: string) => log.split('\n').filter((l) => l.includes('"type":"step"')).map((l) => JSON.parse(l) as { globalStep: number; loss: number });
    const whole = join(dir, 'whole');
    await train(options(whole));
    const stopped = join(dir, 'stopped');
    // A crash after step 3: the checkpoint after step 2 is the last one.
    await expect(train({ ...options(stopped), onStep: (p) => {
      if (p.step === 3) throw new Error('stop');
    } })).rejects.toThrow('stop');
    await train({ ...options(stopped), model: undefined, recipe: {}, resume: true });
    const [a, b] = [await readFile(join(whole, 'log.jsonl'), 'utf8'), await readFile(join(stopped, 'log.jsonl'), 'utf8')];
    expect(steps(a)).toHaveLength(4);
    expect(steps(b).map((s) => [s.globalStep, s.loss])).toEqual(steps(a).map((s) => [s.globalStep, s.loss]));
    expect(b).toMatch(/"type":"start","globalStep":2,.*"resumed":true.*"workers":2/);
    expect(Buffer.compare(await readFile(join(stopped, 'model', 'weights.bin')), await readFile(join(whole, 'model', 'weights.bin')))).toBe(0);
  });
});
