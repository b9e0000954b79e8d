#!/usr/bin/env node
// SPDX-License-Identifier: MIT
// natzoo: convert released PyTorch checkpoints, classify images, evaluate and run converted models.
import { Presets, SingleBar } from 'cli-progress';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { loadModelDir } from '../convert/model_dir.js';
import { BACKENDS, useBackend } from './backend.js';
import { classifyImages, formatClassification } from './classify.js';
import { convertCommand, readConfig } from './convert_command.js';
import { evaluate } from './evaluate.js';
import { exportFormat, exportWeights } from './export.js';
import { generate } from './generate.js';
import { featureStatistics, frechetDistance } from '../gan/fid.js';
import { trainGan } from '../gan/train_gan.js';
import { readNpy } from '../io/npy.js';
import { DEFAULT_MODEL, resolveModelDir } from './model_ref.js';
import { predict } from './predict.js';
import { runTrain, trainBuilder } from './train.js';

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
  .command(
    'generate',
    'images from a converted StyleNAT generator: seeds or --z latents, truncation, style mixing; PNG grid and/or raw .npy',
    (y) =>
      y
        .option('model', { type: 'string', demandOption: true, describe: 'StyleNAT model directory (natzoo convert ... --model stylenat_ffhq256)' })
        .option('seeds', { type: 'string', default: '0-15', describe: 'seeds: 0-15, 1,5,9 or 0-3,10 (ignored with --z)' })
        .option('z', { type: 'string', describe: 'float32 .npy [N, style_dim] latent codes to use instead of seeds' })
        .option('truncation', { type: 'number', default: 1, describe: 'truncation psi toward the mean w (1 = none, 0.7 typical)' })
        .option('truncation-samples', { type: 'number', default: 4096, describe: 'z samples averaged for the mean w' })
        .option('mix-seeds', { type: 'string', describe: 'style mixing: seeds of a second z (one per sample)' })
        .option('crossover', { type: 'number', describe: 'first block taking the mixing w (default n_latent / 2)' })
        .option('out', { type: 'string', describe: 'PNG grid, or with --per-seed a directory of <seed>.png' })
        .option('per-seed', { type: 'boolean', default: false, describe: 'one PNG per sample instead of a grid' })
        .option('cols', { type: 'number', describe: 'grid columns (default ceil(sqrt(N)))' })
        .option('padding', { type: 'number', default: 0, describe: 'pixels between grid cells' })
        .option('raw-out', { type: 'string', describe: 'raw generator output [N, 3, H, W] float32 .npy (ImageNet-normalised)' })
        .option('batch-size', { type: 'number', default: 4 })
        .option('backend', backendOption)
        .example('$0 generate --model stylenat_ffhq256 --seeds 0-15 --truncation 0.7 --out grid.png', ''),
    async (argv) => {
      await useBackend(argv.backend);
      const bar = new SingleBar({ format: 'generate [{bar}] {value}/{total}', clearOnComplete: true }, Presets.shades_classic);
      let started = false;
      const result = await generate({
        model: argv.model, seeds: argv.seeds, z: argv.z, truncation: argv.truncation, truncationSamples: argv['truncation-samples'],
        mixSeeds: argv['mix-seeds'], crossover: argv.crossover, out: argv.out, perSample: argv['per-seed'], cols: argv.cols,
        padding: argv.padding, rawOut: argv['raw-out'], batchSize: argv['batch-size'],
        onProgress: (done, total) => {
          if (!started && process.stderr.isTTY) {
            bar.start(total, 0);
            started = true;
          }
          if (started) bar.update(done);
        },
      });
      if (started) bar.stop();
      console.log(`generated ${result.count} images: ${result.files.join(', ')}`);
    },
  )
  .command(
    'train-gan',
    'train (or fine-tune, or resume) a StyleNAT GAN on a folder of images; cpu backend (tfjs-wasm lacks conv filter gradients)',
    (y) =>
      y
        .option('data', { type: 'string', demandOption: true, describe: 'folder of training images (png, jpg, webp; any depth)' })
        .option('out', { type: 'string', demandOption: true, describe: 'run directory: checkpoint/ (resumed automatically), samples/, log.jsonl' })
        .option('steps', { type: 'number', demandOption: true, describe: 'total iterations' })
        .option('config', { type: 'string', describe: 'JSON: generator options (size, style_dim, in_channels, ...) and "discriminator": {...}' })
        .option('init', { type: 'string', describe: 'start from a converted StyleNAT directory with g, g_ema and d' })
        .option('batch', { type: 'number', default: 8 })
        .option('d-lr', { type: 'number', default: 2e-4, describe: 'discriminator lr; G gets d-lr / 4 (TTUR)' })
        .option('r1', { type: 'number', default: 10, describe: 'R1 gamma (lazy, every --reg-every iterations)' })
        .option('reg-every', { type: 'number', default: 16 })
        .option('xflip', { type: 'boolean', default: true, describe: 'random x-flips of real images (--no-xflip: off)' })
        .option('seed', { type: 'number', default: 0 })
        .option('sample-every', { type: 'number', default: 500 })
        .option('checkpoint-every', { type: 'number', default: 1000 })
        .option('backend', { ...backendOption, default: 'cpu' }),
    async (argv) => {
      await useBackend(argv.backend);
      const config = argv.config === undefined ? {} : await readConfig(argv.config);
      const { discriminator, ...generator } = config;
      const bar = new SingleBar({ format: 'train-gan [{bar}] {value}/{total} | D {d} G {g} R1 {r1}', clearOnComplete: false }, Presets.shades_classic);
      let started = false;
      const result = await trainGan({
        data: argv.data, out: argv.out, steps: argv.steps, generator, discriminator: discriminator as Record<string, unknown> | undefined, init: argv.init,
        train: { batch: argv.batch, dLr: argv['d-lr'], r1: argv.r1, regEvery: argv['reg-every'], xflip: argv.xflip, seed: argv.seed },
        sampleEvery: argv['sample-every'], checkpointEvery: argv['checkpoint-every'],
        onStep: (s, total) => {
          if (!started) {
            bar.start(total, s.step - 1, { d: '-', g: '-', r1: '-' });
            started = true;
          }
          bar.update(s.step, { d: s.dLoss.toFixed(3), g: s.gLoss.toFixed(3), r1: s.r1 === null ? '-' : s.r1.toFixed(3) });
        },
      });
      if (started) bar.stop();
      console.log(`trained to step ${result.step}; checkpoint in ${argv.out}/checkpoint (natzoo generate --model ${argv.out}/checkpoint)`);
    },
  )
  .command(
    'fid <a> <b>',
    'Fréchet distance between two sets of features (float32 .npy [N, D], e.g. Inception pool3 features you computed)',
    (y) => y.positional('a', { type: 'string', demandOption: true }).positional('b', { type: 'string', demandOption: true }),
    async (argv) => {
      const load = async (path: string) => {
        const array = await readNpy(path);
        if (array.shape.length !== 2 || !(array.data instanceof Float32Array || array.data instanceof Float64Array)) {
          throw new Error(`${path}: expected float features [N, D]; got ${array.dtype} [${array.shape.join(', ')}]`);
        }
        return featureStatistics(array.data, array.shape[1]!);
      };
      console.log(frechetDistance(await load(argv.a), await load(argv.b)).toFixed(4));
    },
  )
  .command('train', 'train or fine-tune a model (CIFAR, ImageFolder) with the upstream recipes; resumable', trainBuilder, runTrain)
  .demandCommand(1, 'name a command: classify, convert, predict, eval, export, train, generate, train-gan or fid')
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
