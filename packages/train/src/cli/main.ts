#!/usr/bin/env node
// SPDX-License-Identifier: MIT
// natzoo: convert released PyTorch checkpoints and classify images with converted models.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { setBestBackend } from '@natzoo/core';
import type { NodeBackendName } from '@natzoo/core';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { convertCheckpoint } from '../convert/convert_checkpoint.js';
import { loadModelDir } from '../convert/model_dir.js';
import { imageToInput } from '../preprocess/image_input.js';
import { downloadToCache } from '../io/download.js';
import { writeSafetensors } from '../checkpoint/safetensors.js';
import { exportStateDict } from '@natzoo/models';
import { evaluate } from './evaluate.js';
import { predict } from './predict.js';

/** The shipped model: the real CCT-2/3x2 CIFAR-10 checkpoint, converted (see checkpoints/README.md). */
const DEFAULT_MODEL = fileURLToPath(new URL('../../../../checkpoints/cct_2_3x2_32.cifar10', import.meta.url));

async function useBackend(name: string | undefined): Promise<string> {
  if (name === undefined) return setBestBackend();
  if (name === 'webgpu') {
    await import('@natzoo/core/webgpu');
    if (!(await tf.setBackend('webgpu'))) throw new Error('--backend webgpu: no WebGPU adapter in this process');
    return 'webgpu';
  }
  return setBestBackend([name as NodeBackendName]);
}

async function readConfig(path: string): Promise<Record<string, unknown>> {
  const text = await readFile(path, 'utf8').catch(() => {
    throw new Error(`--config ${path}: cannot read the file`);
  });
  const parsed: unknown = JSON.parse(text);
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error(`--config ${path}: expected a JSON object of architecture arguments`);
  }
  return parsed as Record<string, unknown>;
}

async function classify(argv: { images: string[]; model: string; top: number; json: boolean; backend?: string }) {
  await useBackend(argv.backend);
  const { model, preprocess } = await loadModelDir(argv.model);
  const [, height, width] = preprocess.inputSize;
  const results = [];
  for (const image of argv.images) {
    const input = await imageToInput(image, preprocess);
    const logits = tf.tidy(() => model.predict(tf.tensor4d(input, [1, height, width, 3])) as tf.Tensor);
    const values = Array.from(await logits.data());
    const probs = Array.from(await tf.tidy(() => tf.softmax(logits)).data());
    logits.dispose();
    const top = probs
      .map((prob, index) => ({ label: preprocess.labels[index] ?? `class_${index}`, prob }))
      .sort((a, b) => b.prob - a.prob)
      .slice(0, argv.top);
    results.push({ image, top, logits: values });
  }
  if (argv.json) {
    console.log(JSON.stringify(results, null, 2));
    return;
  }
  console.log(`model ${preprocess.model} on '${tf.getBackend()}'`);
  for (const { image, top } of results) {
    console.log(image);
    for (const { label, prob } of top) console.log(`  ${(prob * 100).toFixed(2).padStart(6)}%  ${label}`);
  }
}

await yargs(hideBin(process.argv))
  .scriptName('natzoo')
  .command(
    'classify <images..>',
    'classify images with a converted model',
    (y) =>
      y
        .positional('images', { type: 'string', array: true, demandOption: true, describe: 'image files (PNG, JPEG, WebP, ...)' })
        .option('model', { type: 'string', default: DEFAULT_MODEL, describe: 'converted model directory' })
        .option('top', { type: 'number', default: 5, describe: 'how many labels to show' })
        .option('json', { type: 'boolean', default: false, describe: 'print JSON with the logits' })
        .option('backend', { type: 'string', choices: ['cpu', 'wasm', 'webgpu', 'tensorflow'] }),
    (argv) => classify(argv as never),
  )
  .command(
    'convert <checkpoint>',
    'convert a PyTorch checkpoint into a tfjs model directory',
    (y) =>
      y
        .positional('checkpoint', { type: 'string', demandOption: true, describe: '.pth / .pth.tar / .safetensors, or an http(s) URL' })
        .option('model', { type: 'string', demandOption: true, describe: 'registered model name, e.g. cct_2_3x2_32.cifar10' })
        .option('out', { type: 'string', demandOption: true, describe: 'output directory (written atomically)' })
        .option('num-classes', { type: 'number' })
        .option('config', { type: 'string', describe: 'JSON file of architecture arguments (upstream names, e.g. embedding_dim)' })
        .option('overwrite', { type: 'boolean', default: false }),
    async (argv) => {
      // A URL is downloaded into the cache first (hash-checked when its name carries one).
      const checkpoint = /^https?:\/\//.test(argv.checkpoint) ? await downloadToCache(argv.checkpoint) : argv.checkpoint;
      const report = await convertCheckpoint({
        checkpoint,
        model: argv.model,
        out: argv.out,
        numClasses: argv['num-classes'],
        config: argv.config === undefined ? undefined : await readConfig(argv.config),
        overwrite: argv.overwrite,
      });
      console.log(`converted ${argv.checkpoint} -> ${argv.out}: ${report.loaded.length} weights loaded, ` +
        `${report.missing.length} missing, ${report.unused.length} unused`);
    },
  )
  .command(
    'predict',
    'run a converted model on a preprocessed float32 .npy tensor and write its raw output as .npy',
    (y) =>
      y
        .option('model', { type: 'string', demandOption: true, describe: 'converted model directory' })
        .option('input', { type: 'string', demandOption: true, describe: 'float32 .npy, [N, 3, H, W] or [N, H, W, 3]' })
        .option('layout', { type: 'string', choices: ['nchw', 'nhwc'], default: 'nchw' })
        .option('out', { type: 'string', demandOption: true, describe: 'output .npy (written atomically)' })
        .option('backend', { type: 'string', choices: ['cpu', 'wasm', 'webgpu', 'tensorflow'] }),
    async (argv) => {
      await useBackend(argv.backend);
      const shape = await predict({ model: argv.model, input: argv.input, out: argv.out, layout: argv.layout as 'nchw' | 'nhwc' });
      console.log(`wrote ${argv.out} [${shape.join(', ')}]`);
    },
  )
  .command(
    'eval',
    'top-1 / top-5 of a converted model on a dataset',
    (y) =>
      y
        .option('model', { type: 'string', default: DEFAULT_MODEL, describe: 'converted model directory' })
        .option('data', { type: 'string', demandOption: true, describe: 'cifar10:<batch file or dir> | imagefolder:<dir>' })
        .option('save-logits', { type: 'string', describe: 'write float32 [N, classes] logits as .npy' })
        .option('batch-size', { type: 'number', default: 64 })
        .option('backend', { type: 'string', choices: ['cpu', 'wasm', 'webgpu', 'tensorflow'] }),
    async (argv) => {
      await useBackend(argv.backend);
      const result = await evaluate({ model: argv.model, data: argv.data, saveLogits: argv['save-logits'], batchSize: argv['batch-size'] });
      const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
      console.log(`${result.count} images: top-1 ${pct(result.top1)}, top-5 ${pct(result.top5)}`);
    },
  )
  .command(
    'export',
    'write a converted model back as a PyTorch state_dict (.safetensors, upstream key names and layouts)',
    (y) =>
      y
        .option('model', { type: 'string', demandOption: true, describe: 'converted model directory' })
        .option('out', { type: 'string', demandOption: true, describe: 'output .safetensors (written atomically)' }),
    async (argv) => {
      const { model, preprocess } = await loadModelDir(argv.model);
      const tensors = exportStateDict(model);
      await writeSafetensors(argv.out, tensors, { format: 'pt', model: preprocess.model });
      console.log(`wrote ${argv.out}: ${tensors.size} tensors with upstream names`);
    },
  )
  .demandCommand(1)
  .strict()
  .fail((message, error, y) => {
    if (error) console.error(`natzoo: ${error.message}`);
    else console.error(`${y.help()}\n\n${message}`);
    process.exit(1);
  })
  .parseAsync();
