#!/usr/bin/env node
// SPDX-License-Identifier: MIT
// natzoo: classify images, convert released PyTorch checkpoints, evaluate, export, generate and train.
import { readFileSync } from 'node:fs';
import { hideBin } from 'yargs/helpers';
import { natzooParser } from './cli.js';
import { describeError } from './errors.js';

// The version of this package, not of whatever project runs it.
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

const cli = natzooParser(hideBin(process.argv));
await cli
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
