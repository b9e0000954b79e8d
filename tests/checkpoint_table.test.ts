// SPDX-License-Identifier: MIT
// checkpoints/README.md lists every registered pretrained tag with its release URL, size, classes, top-1 and
// convert command; the table is generated from the registry (scripts/checkpoint_table.mjs), and the committed
// copy must equal what the registry gives now.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { getPretrainedConfig, listModels } from '@natzoo/models';
import type { PretrainedTag } from '@natzoo/models';
import { repoRoot } from './support/shared_dir.js';

const run = promisify(execFile);

describe('checkpoints/README.md release table', () => {
  it('is what scripts/checkpoint_table.mjs generates from the registry (run it after `pnpm build` if not)', async () => {
    const { stdout } = await run(process.execPath, [resolve(repoRoot, 'scripts/checkpoint_table.mjs'), '--check']);
    expect(stdout).toMatch(/up to date/);
  });

  it('has one row per pretrained tag, with its URL in the convert command', () => {
    const readme = readFileSync(resolve(repoRoot, 'checkpoints/README.md'), 'utf8');
    const table = readme.slice(readme.indexOf('<!-- checkpoint-table:start'), readme.indexOf('<!-- checkpoint-table:end'));
    const rows = table.split('\n').filter((line) => line.startsWith('| `') && !line.startsWith('| `--model`'));
    const tags = listModels(undefined, { pretrained: true });
    expect(rows.map((r) => /^\| `([^`]+)`/.exec(r)![1]).sort()).toEqual([...tags].sort());
    for (const tag of tags) {
      const { url } = getPretrainedConfig(tag as PretrainedTag);
      const row = rows.find((r) => r.startsWith(`| \`${tag}\` |`))!;
      if (url !== undefined) expect(row).toContain(`natzoo convert ${url} --model ${tag} `);
    }
  });
});
