// SPDX-License-Identifier: MIT
// Fine-tuning from the shipped converted checkpoint with a new head (`--init` + `--num-classes`): every weight
// but the head is copied, the head is fresh, one step trains, and the exports load back: the tfjs directory with
// the new head and the PyTorch state_dict under upstream names.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { registerTrainingKernels } from '@natzoo/core/training-kernels';
import { readSafetensors } from '../packages/train/src/checkpoint/safetensors.js';
import { loadModelDir } from '../packages/train/src/convert/model_dir.js';
import { train } from '../packages/train/src/train/trainer.js';
import { repoRoot, sharedPath } from './support/shared_dir.js';

let dir = '';
afterAll(async () => {
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

describe('natzoo train --init --num-classes', () => {
  it('copies the trunk, starts a fresh 12-class head, trains and exports', { timeout: 120_000 }, async () => {
    await tf.setBackend('wasm');
    // train() changes no kernels; wasm has no conv weight gradient of its own.
    registerTrainingKernels();
    dir = await mkdtemp(join(tmpdir(), 'natzoo-ft-'));
    const data = join(dir, 'small.bin');
    await writeFile(data, (await readFile(sharedPath('data/cifar10/test_batch_first1017.bin'))).subarray(0, 16 * 3073));
    const lines: string[] = [];
    const shipped = resolve(repoRoot, 'checkpoints/cct_2_3x2_32.cifar10');
    const out = join(dir, 'run');
    const result = await train({
      init: shipped, numClasses: 12, data: `cifar10:${data}`, valCount: 8, out, resume: false, decodeWorkers: 0, checkpointEvery: 0,
      exportPt: true, recipe: { epochs: 1, cooldownEpochs: 0, warmupEpochs: 0, batchSize: 8, lr: 1e-4 }, log: (l) => lines.push(l),
    });
    expect(result.position).toEqual({ epoch: 1, stepInEpoch: 0, globalStep: 1 });
    const report = lines.find((l) => l.startsWith('initial weights'))!;
    expect(report).toMatch(/29 weights copied, 2 newly initialised \(classifier\.fc\/kernel \[128x12\] was \[128x10\], classifier\.fc\/bias \[12\] was \[10\]\)/);

    const { model: before } = await loadModelDir(shipped);
    const { model: after, preprocess } = await loadModelDir(join(out, 'model'));
    expect(after.outputs[0]!.shape).toEqual([null, 12]);
    expect(preprocess.model).toBe('cct_2_3x2_32');
    const tokenizer = (m: tf.LayersModel) => m.weights.find((w) => w.originalName === 'tokenizer.conv_layers.0.0/kernel')!.read();
    const moved = tf.max(tf.abs(tf.sub(tokenizer(after), tokenizer(before)))).dataSync()[0]!;
    expect(moved).toBeGreaterThan(0); // trained...
    expect(moved).toBeLessThan(1e-3); // ...one small step away from the shipped weights

    const exported = await readSafetensors(join(out, 'model.safetensors'));
    expect(exported.tensors.get('classifier.fc.weight')!.shape).toEqual([12, 128]);
    expect(exported.tensors.has('tokenizer.conv_layers.0.0.weight')).toBe(true);
    before.dispose();
    after.dispose();
  });
});
