// SPDX-License-Identifier: MIT
// `natzoo train-gan`: train, fine-tune or resume a StyleNAT GAN on a folder of images.
import { trainGan } from '@natzoo/train';
import type { Argv, CommandModule } from 'yargs';
import { useBackend } from '../backend.js';
import { readConfig } from '../config_file.js';
import { backendOption, jsonOption, printResult } from '../options.js';
import { progressBar } from '../progress.js';

const builder = (y: Argv) =>
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
    .option('json', jsonOption)
    .option('backend', { ...backendOption, default: 'cpu' })
    .example('$0 train-gan --data faces/ --out runs/tiny --steps 20000 --config tiny.json', 'resumes from runs/tiny/checkpoint');

type TrainGanArgs = ReturnType<typeof builder> extends Argv<infer T> ? T : never;

export const trainGanCommand: CommandModule<object, TrainGanArgs> = {
  command: 'train-gan',
  describe: 'train (or fine-tune, or resume) a StyleNAT GAN on a folder of images; cpu backend (tfjs-wasm lacks conv filter gradients)',
  builder,
  handler: async (argv) => {
    const backend = await useBackend(argv.backend);
    const config = argv.config === undefined ? {} : await readConfig(argv.config);
    const { discriminator, ...generator } = config;
    const bar = progressBar('train-gan [{bar}] {value}/{total} | D {d} G {g} R1 {r1}', { keep: true });
    const result = await trainGan({
      data: argv.data, out: argv.out, steps: argv.steps, generator, discriminator: discriminator as Record<string, unknown> | undefined, init: argv.init,
      train: { batch: argv.batch, dLr: argv['d-lr'], r1: argv.r1, regEvery: argv['reg-every'], xflip: argv.xflip, seed: argv.seed },
      sampleEvery: argv['sample-every'], checkpointEvery: argv['checkpoint-every'],
      onStep: (s, total) => bar.update(s.step, total, { d: s.dLoss.toFixed(3), g: s.gLoss.toFixed(3), r1: s.r1 === null ? '-' : s.r1.toFixed(3) }),
    });
    bar.stop();
    printResult(argv.json, { backend, out: argv.out, step: result.step }, `trained to step ${result.step}; checkpoint in ${argv.out}/checkpoint (natzoo generate --model ${argv.out}/checkpoint)`);
  },
};
