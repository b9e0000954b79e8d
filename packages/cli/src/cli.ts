// SPDX-License-Identifier: MIT
// The natzoo command line as one yargs parser: every command module (its description, options and examples
// are the one source of the help text, and the README's CLI lines are tested against this parser).
import yargs from 'yargs';
import type { Argv, CommandModule } from 'yargs';
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

/** Every command, in the order `natzoo --help` lists them. */
export const COMMANDS: readonly CommandModule<object, never>[] = [
  classifyCommand, convertCommand, predictCommand, evalCommand, exportCommand, listCommand, generateCommand, trainCommand, trainGanCommand, fidCommand,
] as CommandModule<object, never>[];

export interface ParserOptions {
  /** Replace every handler by one that does nothing (parse and validate only). */
  dryRun?: boolean;
}

/** The strict natzoo parser over `args` (without the node and script paths). */
export function natzooParser(args: readonly string[], options: ParserOptions = {}): Argv {
  const commands = options.dryRun ? COMMANDS.map((c) => ({ ...c, handler: () => undefined })) : COMMANDS;
  let cli = yargs([...args]).scriptName('natzoo').usage('$0 <command> [options]');
  for (const command of commands) cli = cli.command(command);
  return cli
    .demandCommand(1, 'name a command: classify, convert, predict, eval, export, list, train, generate, train-gan or fid')
    .strict();
}
