#!/usr/bin/env node
// SPDX-License-Identifier: MIT
// natzoo: classify images, convert released PyTorch checkpoints, evaluate, export, generate and train.
import { readFileSync } from 'node:fs';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { classifyCommand } from './commands/classify.js';
import { convertCommand } from './commands/convert.js';
import { evalCommand } from './commands/eval.js';
import { exportCommand } from './commands/export.js';
import { fidCommand } from './commands/fid.js';
import { generateCommand } from './commands/generate.js';
import { listCommand } from './commands/list.js';
import { predictCommand } from './commands/predict.js';
import { trainCommand } from './commands/train.js';
import { trainGanCommand } from './commands/train_gan.js';
import { describeError } from './errors.js';

// The version of this package, not of whatever project runs it.
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

const cli = yargs(hideBin(process.argv));
await cli
  .scriptName('natzoo')
  .usage('$0 <command> [options]')
  .command(classifyCommand)
  .command(convertCommand)
  .command(predictCommand)
  .command(evalCommand)
  .command(exportCommand)
  .command(listCommand)
  .command(generateCommand)
  .command(trainCommand)
  .command(trainGanCommand)
  .command(fidCommand)
  .demandCommand(1, 'name a command: classify, convert, predict, eval, export, list, train, generate, train-gan or fid')
  .strict()
  .version(version)
  .help()
  .wrap(cli.terminalWidth())
  .fail((message, error, y) => {
    if (error) console.error(`natzoo: ${describeError(error)}`);
    else {
      y.showHelp((text) => console.error(text));
      console.error(`\n${message}`);
    }
    process.exit(1);
  })
  .parseAsync();
