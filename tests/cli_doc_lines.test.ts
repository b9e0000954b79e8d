// SPDX-License-Identifier: MIT
// Help text and documentation say the same thing: every `natzoo` line in the READMEs and docs/ parses with the
// CLI's own strict parser (no handler runs), and so does every example the commands show in their --help.
import { describe, expect, it } from 'vitest';
import { COMMANDS, natzooParser } from '../packages/cli/src/cli.js';
import { docBlocks, docFiles, isShell, natzooLines } from './support/doc_blocks.js';

/** Parses `args` without running anything; resolves to the error message, or null when they parse. */
async function parseError(args: readonly string[]): Promise<string | null> {
  let failure: string | null = null;
  await natzooParser(args, { dryRun: true })
    .exitProcess(false)
    .fail((message, error) => {
      failure = error?.message ?? message;
    })
    .parseAsync();
  return failure;
}

/** The `natzoo ...` example lines a command's --help prints. */
async function helpExamples(command: string): Promise<string[]> {
  let text = '';
  await natzooParser([command, '--help'], { dryRun: true }).exitProcess(false).help().wrap(null).parseAsync([command, '--help'], {}, (_e, _a, output) => {
    text = output;
  });
  const examples = text.split('\nExamples:\n')[1] ?? '';
  return examples.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('natzoo ')).map((l) => l.split(/\s{2,}/)[0]!);
}

const lines = docFiles().flatMap((file) => docBlocks(file).filter(isShell).flatMap(natzooLines));

describe('the documentation\'s natzoo lines parse with the CLI\'s parser', () => {
  it('finds the lines', () => {
    console.log(`${lines.length} natzoo lines in ${docFiles().length} documents`);
    expect(lines.length).toBeGreaterThan(20);
  });

  it.each(lines.map((l) => [`${l.where} ${l.text}`, l] as const))('%s', async (_name, line) => {
    expect(await parseError(line.args)).toBeNull();
  });

  it('every command\'s own --help examples parse', async () => {
    let count = 0;
    for (const command of COMMANDS) {
      const name = String(command.command).split(' ')[0]!;
      for (const example of await helpExamples(name)) {
        count++;
        expect(await parseError(example.split(/\s+/).slice(1)), example).toBeNull();
      }
    }
    console.log(`${count} --help examples parse`);
    expect(count).toBeGreaterThan(5);
  });

  it('refuses a misspelt option (the parser is strict)', async () => {
    expect(await parseError(['generate', '--model', 'm', '--seedz', '0-3'])).toMatch(/Unknown argument: seedz/);
  });
});
