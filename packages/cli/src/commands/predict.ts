// SPDX-License-Identifier: MIT
// `natzoo predict`: the raw model output for preprocessed float32 tensors, .npy in and out.
import type { Argv, CommandModule } from 'yargs';
import { useBackend } from '../backend.js';
import { resolveModelDir } from '../model_ref.js';
import { backendOption, jsonOption, log, printResult } from '../options.js';
import { predict } from '../predict.js';

const builder = (y: Argv) =>
  y
    .option('model', { type: 'string', demandOption: true, describe: 'converted model directory or registered name' })
    .option('input', { type: 'string', demandOption: true, describe: 'float32 .npy, [N, 3, H, W] (nchw) or [N, H, W, 3] (nhwc)' })
    .option('layout', { type: 'string', choices: ['nchw', 'nhwc'] as const, default: 'nchw' as const })
    .option('out', { type: 'string', demandOption: true, describe: 'output .npy (written atomically)' })
    .option('json', jsonOption)
    .option('backend', backendOption)
    .example('$0 predict --model my_cvt --input x.npy --out y.npy', 'raw logits of a PyTorch-layout batch');

type PredictArgs = ReturnType<typeof builder> extends Argv<infer T> ? T : never;

export const predictCommand: CommandModule<object, PredictArgs> = {
  command: 'predict',
  describe: 'run a converted model on a preprocessed float32 .npy tensor and write its raw output as .npy',
  builder,
  handler: async (argv) => {
    const dir = await resolveModelDir(argv.model, { log });
    const backend = await useBackend(argv.backend);
    const shape = await predict({ model: dir, input: argv.input, out: argv.out, layout: argv.layout });
    printResult(argv.json, { model: dir, backend, out: argv.out, shape }, `wrote ${argv.out} [${shape.join(', ')}]`);
  },
};
