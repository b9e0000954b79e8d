// SPDX-License-Identifier: MIT
// `natzoo fid <a> <b>`: the Fréchet distance between two feature sets (e.g. Inception pool3 features).
import { featureStatistics, frechetDistance, readNpy } from '@natzoo/train';
import type { Argv, CommandModule } from 'yargs';
import { jsonOption, printResult } from '../options.js';

const builder = (y: Argv) =>
  y
    .positional('a', { type: 'string', demandOption: true, describe: 'float32 .npy [N, D] features of the first set' })
    .positional('b', { type: 'string', demandOption: true, describe: 'float32 .npy [N, D] features of the second set' })
    .option('json', jsonOption)
    .example('$0 fid real_features.npy fake_features.npy', '');

type FidArgs = ReturnType<typeof builder> extends Argv<infer T> ? T : never;

async function statisticsOf(path: string) {
  const array = await readNpy(path);
  if (array.shape.length !== 2 || !(array.data instanceof Float32Array || array.data instanceof Float64Array)) {
    throw new Error(`${path}: expected float features [N, D]; got ${array.dtype} [${array.shape.join(', ')}]`);
  }
  return featureStatistics(array.data, array.shape[1]!);
}

export const fidCommand: CommandModule<object, FidArgs> = {
  command: 'fid <a> <b>',
  describe: 'Fréchet distance between two sets of features (float32 .npy [N, D], e.g. Inception pool3 features you computed)',
  builder,
  handler: async (argv) => {
    const fid = frechetDistance(await statisticsOf(argv.a), await statisticsOf(argv.b));
    printResult(argv.json, { a: argv.a, b: argv.b, fid }, fid.toFixed(4));
  },
};
