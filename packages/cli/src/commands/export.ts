// SPDX-License-Identifier: MIT
// `natzoo export`: a converted model's weights back as a PyTorch state_dict (upstream names and layouts).
import { loadModelDir } from '@natzoo/train';
import type { Argv, CommandModule } from 'yargs';
import { useBackend } from '../backend.js';
import { exportFormat, exportWeights } from '../export.js';
import { resolveModelDir } from '../model_ref.js';
import { jsonOption, log, printResult } from '../options.js';

const builder = (y: Argv) =>
  y
    .option('model', { type: 'string', demandOption: true, describe: 'converted model directory or registered name' })
    .option('out', { type: 'string', demandOption: true, describe: 'output .safetensors, or .pth / .pt for torch.load (written atomically)' })
    .option('json', jsonOption)
    .example('$0 export --model nat_mini --out nat_mini.pth', 'loadable with torch.load(weights_only=True)');

type ExportArgs = ReturnType<typeof builder> extends Argv<infer T> ? T : never;

export const exportCommand: CommandModule<object, ExportArgs> = {
  command: 'export',
  describe: 'write a converted model back as a PyTorch state_dict (upstream key names and layouts; .safetensors or .pth)',
  builder,
  handler: async (argv) => {
    exportFormat(argv.out);
    const dir = await resolveModelDir(argv.model, { log });
    const backend = await useBackend();
    const { model, preprocess } = await loadModelDir(dir);
    const count = await exportWeights(model, argv.out, preprocess.model);
    printResult(argv.json, { model: preprocess.model, backend, out: argv.out, tensors: count }, `wrote ${argv.out}: ${count} tensors with upstream names`);
  },
};
