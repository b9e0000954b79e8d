// SPDX-License-Identifier: MIT
// `natzoo classify <images..>`: top-k labels per image with a converted model (default: the shipped CCT-2).
import type { Argv, CommandModule } from 'yargs';
import { checkWorkerCount } from '@natzoo/train';
import { useBackend, workerBackend } from '../backend.js';
import { budgetOption, parseBudgets } from '../budget_option.js';
import { classifyImages, formatClassification, parseInputSize } from '../classify.js';
import { expandImageArguments } from '../image_arguments.js';
import { DEFAULT_MODEL, resolveModelDir } from '../model_ref.js';
import { backendOption, jsonOption, log, printResult, workersOption } from '../options.js';
import { downloadBar } from '../download_bar.js';
import { progressBar } from '../progress.js';

const builder = (y: Argv) =>
  y
    .positional('images', { type: 'string', array: true, demandOption: true, describe: 'image files (PNG, JPEG, WebP, ...), folders or quoted globs' })
    .option('model', { type: 'string', default: DEFAULT_MODEL, defaultDescription: 'the shipped cct_2_3x2_32.cifar10', describe: 'converted model directory, a registered name such as nat_mini.in1k, or a hub id such as shi-labs/dinat-mini-in1k-224 (hub address: HF_ENDPOINT)' })
    .option('revision', { type: 'string', describe: 'branch, tag or commit of a hub id (default main)' })
    .option('input-size', { type: 'string', describe: "model input size, a side (256) or HEIGHTxWIDTH (224x320); NAT/DiNAT/ConvMLP take any size from a minimum up, CCT only its own (default: the model's preprocess.json)" })
    .option('budget', budgetOption)
    .option('top', { type: 'number', default: 5, describe: 'how many labels to show per image' })
    .option('json', { ...jsonOption, describe: 'print JSON: model, backend and per image the top labels and the logits' })
    .option('backend', backendOption)
    .option('workers', workersOption)
    .example('$0 classify checkpoints/samples/0_cat.png', 'top-5 CIFAR-10 labels of a sample image')
    .example("$0 classify photos/ 'more/*.jpg' --json", 'every image of a folder and a glob, as JSON')
    .example('$0 classify photos/ --workers 4', 'a folder spread over four worker threads (one wasm core each)')
    .example('$0 classify bagel.jpg --model shi-labs/dinat-mini-in1k-224', 'an ImageNet DiNAT from the Hugging Face hub, converted once into the cache')
    .example('$0 classify wide.jpg --model nat_mini.in1k --input-size 224x320', 'a NAT at a non-square input size');

type ClassifyArgs = ReturnType<typeof builder> extends Argv<infer T> ? T : never;

export const classifyCommand: CommandModule<object, ClassifyArgs> = {
  command: 'classify <images..>',
  describe: 'classify images with a converted model (default: the shipped CCT-2/3x2 CIFAR-10 model)',
  builder,
  handler: async (argv) => {
    const workers = checkWorkerCount(argv.workers);
    const poolBackend = workerBackend(argv.backend, workers);
    const images = await expandImageArguments(argv.images);
    const download = downloadBar(argv.model);
    const dir = await resolveModelDir(argv.model, { log, onProgress: download.onProgress, ...(argv.revision !== undefined ? { revision: argv.revision } : {}) }).finally(download.stop);
    await useBackend(poolBackend ?? argv.backend);
    const bar = progressBar('classify [{bar}] {value}/{total} images');
    const inputSize = argv['input-size'] === undefined ? undefined : parseInputSize(argv['input-size']);
    const { image } = parseBudgets(argv.budget);
    const result = await classifyImages(dir, images, { top: argv.top, inputSize, image, workers, backend: poolBackend }, (done, total) => images.length > 1 && bar.update(done, total));
    bar.stop();
    printResult(argv.json, result, formatClassification(result));
  },
};
