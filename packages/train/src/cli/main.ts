#!/usr/bin/env node
// SPDX-License-Identifier: MIT
// natzoo: convert released PyTorch checkpoints, classify images, evaluate and run converted models.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { loadModelDir } from '../convert/model_dir.js';
import { BACKENDS, useBackend } from './backend.js';
import { classifyImages, formatClassification } from './classify.js';
import { convertCommand } from './convert_command.js';
import { evaluate } from './evaluate.js';
import { exportFormat, exportWeights } from './export.js';
import { DEFAULT_MODEL, resolveModelDir } from './model_ref.js';
import { predict } from './predict.js';

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
  .command(convertCommand)
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
    'write a converted model back as a PyTorch state_dict (upstream key names and layouts; .safetensors or .pth)',
    (y) =>
      y
        .option('model', { type: 'string', demandOption: true, describe: 'converted model directory or registered name' })
        .option('out', { type: 'string', demandOption: true, describe: 'output .safetensors, or .pth / .pt for torch.load (written atomically)' }),
    async (argv) => {
      exportFormat(argv.out);
      const dir = await resolveModelDir(argv.model, { log });
      await useBackend();
      const { model, preprocess } = await loadModelDir(dir);
      const count = await exportWeights(model, argv.out, preprocess.model);
      console.log(`wrote ${argv.out}: ${count} tensors with upstream names`);
    },
  )
  .demandCommand(1, 'name a command: classify, convert, predict, eval or export')
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
