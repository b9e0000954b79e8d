// SPDX-License-Identifier: MIT
// `natzoo list [pattern]`: registered architectures, or with --pretrained the tags that have released weights.
import { getPretrainedConfig, listModels } from '@natzoo/models';
import type { PretrainedTag } from '@natzoo/models';
import type { Argv, CommandModule } from 'yargs';
import { jsonOption, printResult } from '../options.js';

const builder = (y: Argv) =>
  y
    .positional('pattern', { type: 'string', describe: "shell-style filter, e.g. 'dinat_*' or '*cifar*'" })
    .option('pretrained', { type: 'boolean', default: false, describe: 'list weight tags (arch.tag) with their published top-1 instead of architectures' })
    .option('json', jsonOption)
    .example("$0 list 'nat_*' --pretrained", 'NAT weights with their dataset and top-1');

type ListArgs = ReturnType<typeof builder> extends Argv<infer T> ? T : never;

function describeTag(tag: string): { name: string; numClasses: number; inputSize: number; top1?: number; url?: string } {
  const cfg = getPretrainedConfig(tag as PretrainedTag);
  return { name: tag, numClasses: cfg.numClasses, inputSize: cfg.inputSize[1], top1: cfg.top1, url: cfg.url };
}

export const listCommand: CommandModule<object, ListArgs> = {
  command: 'list [pattern]',
  describe: 'list registered models, or with --pretrained the weight tags natzoo can convert',
  builder,
  handler: (argv) => {
    const names = listModels(argv.pattern, { pretrained: argv.pretrained });
    if (!argv.pretrained) {
      printResult(argv.json, { models: names }, names.join('\n'));
      return;
    }
    const rows = names.map(describeTag);
    const text = rows.map((r) => `${r.name.padEnd(36)} ${String(r.inputSize).padStart(4)} px  ${String(r.numClasses).padStart(5)} classes  ${r.top1 === undefined ? '' : `top-1 ${r.top1}%`}`);
    printResult(argv.json, { models: rows }, text.join('\n'));
  },
};
