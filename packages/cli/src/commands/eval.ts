// SPDX-License-Identifier: MIT
// `natzoo eval`: top-1 / top-5 of a converted model on CIFAR-10 batches or an ImageFolder tree.
import type { Argv, CommandModule } from 'yargs';
import { checkWorkerCount } from '@natzoo/train';
import { useBackend, workerBackend } from '../backend.js';
import { evaluate } from '../evaluate.js';
import { DEFAULT_MODEL, resolveModelDir } from '../model_ref.js';
import { backendOption, jsonOption, log, printResult, workersOption } from '../options.js';

const builder = (y: Argv) =>
  y
    .option('model', { type: 'string', default: DEFAULT_MODEL, defaultDescription: 'the shipped cct_2_3x2_32.cifar10', describe: 'converted model directory or registered name' })
    .option('data', { type: 'string', demandOption: true, describe: 'cifar10:<batch file or dir> | imagefolder:<dir>' })
    .option('save-logits', { type: 'string', describe: 'write float32 [N, classes] logits as .npy' })
    .option('batch-size', { type: 'number', default: 64 })
    .option('json', jsonOption)
    .option('backend', backendOption)
    .option('workers', { ...workersOption, describe: 'worker threads, each with its own tfjs (wasm or cpu) and model copy, taking whole batches in turn (at most four per core)' })
    .example('$0 eval --data cifar10:test_batch.bin --save-logits logits.npy', 'top-1 / top-5 of the shipped model on CIFAR-10')
    .example('$0 eval --data cifar10:test_batch.bin --workers 2 --batch-size 32', 'the same over two worker threads, 32 images per job');

type EvalArgs = ReturnType<typeof builder> extends Argv<infer T> ? T : never;

export const evalCommand: CommandModule<object, EvalArgs> = {
  command: 'eval',
  describe: 'top-1 / top-5 of a converted model on a dataset',
  builder,
  handler: async (argv) => {
    const workers = checkWorkerCount(argv.workers);
    const poolBackend = workerBackend(argv.backend, workers);
    const dir = await resolveModelDir(argv.model, { log });
    const backend = await useBackend(poolBackend ?? argv.backend);
    const result = await evaluate({ model: dir, data: argv.data, saveLogits: argv['save-logits'], batchSize: argv['batch-size'], workers, backend: poolBackend });
    const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
    printResult(argv.json, { model: dir, backend, ...(workers > 1 ? { workers } : {}), ...result }, `${result.count} images: top-1 ${pct(result.top1)} (${result.correct1}/${result.count}), top-5 ${pct(result.top5)}`);
  },
};
