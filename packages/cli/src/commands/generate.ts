// SPDX-License-Identifier: MIT
// `natzoo generate`: images from a converted StyleNAT generator (seeds or latents, truncation, style mixing).
import type { Argv, CommandModule } from 'yargs';
import { checkWorkerCount } from '@natzoo/train';
import { useBackend, workerBackend } from '../backend.js';
import { generate } from '../generate.js';
import { backendOption, jsonOption, printResult } from '../options.js';
import { progressBar } from '../progress.js';

const builder = (y: Argv) =>
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
    .option('batch-size', { type: 'number', default: 4, describe: 'samples per forward pass, and per job with --workers' })
    .option('workers', {
      type: 'number',
      default: 1,
      describe: 'worker threads, each with its own tfjs (wasm or cpu) and generator copy, taking jobs of --batch-size samples; the same images for any count (1: this thread; at most four per core)',
    })
    .option('json', jsonOption)
    .option('backend', backendOption)
    .example('$0 generate --model models/stylenat_ffhq256 --seeds 0-15 --truncation 0.7 --out grid.png', 'a 4x4 grid of faces')
    .example('$0 generate --model models/stylenat_ffhq256 -z z.npy --raw-out images.npy', "upstream's latents, raw output")
    .example('$0 generate --model models/stylenat_ffhq256 --seeds 0-15 --workers 4 --batch-size 1 --per-seed --out faces/', 'one image per job over four worker threads');

type GenerateArgs = ReturnType<typeof builder> extends Argv<infer T> ? T : never;

export const generateCommand: CommandModule<object, GenerateArgs> = {
  command: 'generate',
  describe: 'images from a converted StyleNAT generator: seeds or --z latents, truncation, style mixing; PNG grid and/or raw .npy',
  builder,
  handler: async (argv) => {
    const workers = checkWorkerCount(argv.workers);
    const poolBackend = workerBackend(argv.backend, workers);
    const backend = await useBackend(poolBackend ?? argv.backend);
    const bar = progressBar('generate [{bar}] {value}/{total}');
    const result = await generate({
      model: argv.model, seeds: argv.seeds, z: argv.z, truncation: argv.truncation, truncationSamples: argv['truncation-samples'],
      mixSeeds: argv['mix-seeds'], crossover: argv.crossover, out: argv.out, perSample: argv['per-seed'], cols: argv.cols,
      padding: argv.padding, rawOut: argv['raw-out'], batchSize: argv['batch-size'], workers, backend: poolBackend,
      onProgress: (done, total) => bar.update(done, total),
    });
    bar.stop();
    printResult(argv.json, { model: argv.model, backend, ...result }, `generated ${result.count} images: ${result.files.join(', ')}`);
  },
};
