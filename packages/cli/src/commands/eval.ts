// SPDX-License-Identifier: MIT
// `natzoo eval`: top-1 / top-5 of a converted model on CIFAR-10 batches or an ImageFolder tree.
import type { Argv, CommandModule } from 'yargs';
import { useBackend } from '../backend.js';
import { evaluate } from '../evaluate.js';
import { DEFAULT_MODEL, resolveModelDir } from '../model_ref.js';
import { backendOption, jsonOption, log, printResult } from '../options.js';

const builder = (y: Argv) =>
  y
    .option('model', { type: 'string', default: DEFAULT_MODEL, defaultDescription: 'the shipped cct_2_3x2_32.cifar10', describe: 'converted model directory or registered name' })
    .option('data', { type: 'string', demandOption: true, describe: 'cifar10:<batch file or dir> | imagefolder:<dir>' })
    .option('save-logits', { type: 'string', describe: 'write float32 [N, classes] logits as .npy' })
    .option('batch-size', { type: 'number', default: 64 })
    .option('json', jsonOption)
    .option('backend', backendOption)
    .example('$0 eval --data cifar10:test_batch.bin --save-logits logits.npy', 'top-1 / top-5 of the shipped model on CIFAR-10');

type EvalArgs = ReturnType<typeof builder> extends Argv<infer T> ? T : never;

export const evalCommand: CommandModule<object, EvalArgs> = {
  command: 'eval',
  describe: 'top-1 / top-5 of a converted model on a dataset',
  builder,
  handler: async (argv) => {
    const dir = await resolveModelDir(argv.model, { log });
    const backend = await useBackend(argv.backend);
    const result = await evaluate({ model: dir, data: argv.data, saveLogits: argv['save-logits'], batchSize: argv['batch-size'] });
    const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
    printResult(argv.json, { model: dir, backend, ...result }, `${result.count} images: top-1 ${pct(result.top1)} (${result.correct1}/${result.count}), top-5 ${pct(result.top5)}`);
  },
};
