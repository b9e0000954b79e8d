#!/usr/bin/env node
// SPDX-License-Identifier: MIT
// natzoo: convert released PyTorch checkpoints, classify images, evaluate and run converted models.
import { readFile } from 'node:fs/promises';
import { exportStateDict } from '@natzoo/models';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { writeSafetensors } from '../checkpoint/safetensors.js';
import { convertCheckpoint } from '../convert/convert_checkpoint.js';
import { loadModelDir } from '../convert/model_dir.js';
import { fetchCheckpoint, isUrl } from '../convert/fetch_checkpoint.js';
import { readLabelFile } from '../preprocess/labels.js';
import { BACKENDS, useBackend } from './backend.js';
import { classifyImages, formatClassification } from './classify.js';
import { evaluate } from './evaluate.js';
import { DEFAULT_MODEL, resolveModelDir } from './model_ref.js';
import { predict } from './predict.js';
import { runTrain, trainBuilder } from './train.js';

async function readConfig(path: string): Promise<Record<string, unknown>> {
  const text = await readFile(path, 'utf8').catch((error: Error) => {
    throw new Error(`--config ${path}: cannot read the file (${error.message})`);
  });
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`--config ${path}: not valid JSON (${(error as Error).message})`, { cause: error });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error(`--config ${path}: expected a JSON object of architecture arguments`);
  }
  return parsed as Record<string, unknown>;
}

const log = (line: string) => console.error(line);
const backendOption = { type: 'string', choices: BACKENDS, describe: 'default: tfjs-node when installed, else wasm' } as const;

await yargs(hideBin(process.argv))
  .scriptName('natzoo')
  .usage('$0 <command> [options]')
  .command(
    'classify <images..>',
    'classify images with a converted model (default: the shipped CCT-2/3x2 CIFAR-10 model)',
    (y) =>
      y
        .positional('images', { type: 'string', array: true, demandOption: true, describe: 'image files (PNG, JPEG, WebP, ...)' })
        .option('model', { type: 'string', default: DEFAULT_MODEL, defaultDescription: 'checkpoints/cct_2_3x2_32.cifar10', describe: 'converted model directory, or a registered name such as cct_7_3x1_32.cifar10' })
        .option('top', { type: 'number', default: 5, describe: 'how many labels to show per image' })
        .option('json', { type: 'boolean', default: false, describe: 'print JSON, logits included' })
        .option('backend', backendOption)
        .example('$0 classify checkpoints/samples/0_cat.png', 'top-5 CIFAR-10 labels of a sample image'),
    async (argv) => {
      const dir = await resolveModelDir(argv.model, { log });
      await useBackend(argv.backend);
      const result = await classifyImages(dir, argv.images, argv.top);
      console.log(argv.json ? JSON.stringify(result.results, null, 2) : formatClassification(result));
    },
  )
  .command(
    'convert <checkpoint>',
    'convert a PyTorch checkpoint into a tfjs model directory (model.json, weights.bin, preprocess.json)',
    (y) =>
      y
        .positional('checkpoint', { type: 'string', demandOption: true, describe: '.pth / .pth.tar / .pt / .safetensors file, or an http(s) URL' })
        .option('model', { type: 'string', demandOption: true, describe: 'registered name or arch.tag, e.g. cct_2_3x2_32.cifar10' })
        .option('out', { type: 'string', demandOption: true, describe: 'output directory (written atomically)' })
        .option('num-classes', { type: 'number', describe: 'head size, when it differs from the tag\'s' })
        .option('config', { type: 'string', describe: 'JSON of architecture arguments with upstream names (embedding_dim, num_layers, ...)' })
        .option('labels', { type: 'string', describe: 'class names, one per line in label order (e.g. CIFAR-10 batches.meta.txt)' })
        .option('overwrite', { type: 'boolean', default: false, describe: 'replace an existing --out' })
        .example('$0 convert model_best.pth.tar --model cct_2_3x2_32.cifar10 --out checkpoints/cct_2_3x2_32.cifar10', ''),
    async (argv) => {
      const config = argv.config === undefined ? undefined : await readConfig(argv.config);
      const labels = argv.labels === undefined ? undefined : await readLabelFile(argv.labels);
      // A URL is downloaded into the cache first (hash-checked when its name carries one).
      const url = isUrl(argv.checkpoint) ? argv.checkpoint : undefined;
      const checkpoint = await fetchCheckpoint(argv.checkpoint);
      await useBackend();
      const report = await convertCheckpoint({
        checkpoint,
        model: argv.model,
        out: argv.out,
        numClasses: argv['num-classes'],
        config,
        labels,
        sourceUrl: url,
        overwrite: argv.overwrite,
      });
      console.log(
        `converted ${argv.checkpoint} -> ${argv.out}: ${report.loaded.length} weights loaded, ` +
          `${report.missing.length} missing, ${report.unused.length} unused`,
      );
    },
  )
  .command(
    'predict',
    'run a converted model on a preprocessed float32 .npy tensor and write its raw output as .npy',
    (y) =>
      y
        .option('model', { type: 'string', demandOption: true, describe: 'converted model directory or registered name' })
        .option('input', { type: 'string', demandOption: true, describe: 'float32 .npy, [N, 3, H, W] (nchw) or [N, H, W, 3] (nhwc)' })
        .option('layout', { type: 'string', choices: ['nchw', 'nhwc'] as const, default: 'nchw' as const })
        .option('out', { type: 'string', demandOption: true, describe: 'output .npy (written atomically)' })
        .option('backend', backendOption),
    async (argv) => {
      const dir = await resolveModelDir(argv.model, { log });
      await useBackend(argv.backend);
      const shape = await predict({ model: dir, input: argv.input, out: argv.out, layout: argv.layout });
      console.log(`wrote ${argv.out} [${shape.join(', ')}]`);
    },
  )
  .command(
    'eval',
    'top-1 / top-5 of a converted model on a dataset',
    (y) =>
      y
        .option('model', { type: 'string', default: DEFAULT_MODEL, defaultDescription: 'checkpoints/cct_2_3x2_32.cifar10', describe: 'converted model directory or registered name' })
        .option('data', { type: 'string', demandOption: true, describe: 'cifar10:<batch file or dir> | imagefolder:<dir>' })
        .option('save-logits', { type: 'string', describe: 'write float32 [N, classes] logits as .npy' })
        .option('batch-size', { type: 'number', default: 64 })
        .option('backend', backendOption),
    async (argv) => {
      const dir = await resolveModelDir(argv.model, { log });
      await useBackend(argv.backend);
      const result = await evaluate({ model: dir, data: argv.data, saveLogits: argv['save-logits'], batchSize: argv['batch-size'] });
      const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
      console.log(`${result.count} images: top-1 ${pct(result.top1)} (${result.correct1}/${result.count}), top-5 ${pct(result.top5)}`);
    },
  )
  .command(
    'export',
    'write a converted model back as a PyTorch state_dict (.safetensors, upstream key names and layouts)',
    (y) =>
      y
        .option('model', { type: 'string', demandOption: true, describe: 'converted model directory or registered name' })
        .option('out', { type: 'string', demandOption: true, describe: 'output .safetensors (written atomically)' }),
    async (argv) => {
      const dir = await resolveModelDir(argv.model, { log });
      await useBackend();
      const { model, preprocess } = await loadModelDir(dir);
      const tensors = exportStateDict(model);
      await writeSafetensors(argv.out, tensors, { format: 'pt', model: preprocess.model });
      console.log(`wrote ${argv.out}: ${tensors.size} tensors with upstream names`);
    },
  )
  .command('train', 'train or fine-tune a model (CIFAR, ImageFolder) with the upstream recipes; resumable', trainBuilder, runTrain)
  .demandCommand(1, 'name a command: classify, convert, predict, eval, export or train')
  .strict()
  .help()
  .fail((message, error, y) => {
    if (error) console.error(`natzoo: ${error.message}`);
    else {
      y.showHelp((text) => console.error(text));
      console.error(`\n${message}`);
    }
    process.exit(1);
  })
  .parseAsync();
