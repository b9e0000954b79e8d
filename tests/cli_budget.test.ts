// SPDX-License-Identifier: MIT
// `--budget LIMIT=VALUE` on natzoo convert and classify: a file over a reader limit fails with the flag that raises
// it, raising it lets a trusted file through, and a malformed entry is refused naming the entry.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertCli } from '../packages/cli/src/commands/convert.js';
import { repoRoot, sharedPath } from './support/shared_dir.js';

const run = promisify(execFile);
const cli = resolve(repoRoot, 'packages/cli/dist/main.js');
const work = mkdtempSync(join(tmpdir(), 'natzoo-budget-'));
const checkpoint = sharedPath('fixtures', 'checkpoints', 'cct_2_3x2_32_cifar10', 'model_best.pth.tar');
const wide = join(work, 'wide.png');

beforeAll(async () => {
  // 40:1, above the decoder's default aspect-ratio limit of 32.
  await sharp({ create: { width: 320, height: 8, channels: 3, background: { r: 200, g: 120, b: 40 } } }).png().toFile(wide);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('--budget', () => {
  it('convert: a limit below what the checkpoint needs names the flag; a malformed entry names the entry', async () => {
    const out = join(work, 'cct');
    const convert = (...extra: string[]) => convertCli([checkpoint, '--model', 'cct_2_3x2_32.cifar10', '--out', out, ...extra], () => undefined);
    await expect(convert('--budget', 'max-pickle-opcodes=100')).rejects.toThrow(
      `${checkpoint}: pickle of more than 100 opcodes exceeds the limit of 100 (raise it with --budget max-pickle-opcodes=N only for a trusted file)`,
    );
    await expect(convert('--budget', 'max-pickle-opcodes')).rejects.toThrow(/^--budget max-pickle-opcodes: expected LIMIT=VALUE with LIMIT one of max-pickle-bytes, /);
    await expect(convert('--budget', 'max-tensor-bytes=lots')).rejects.toThrow('--budget max-tensor-bytes=lots: expected LIMIT=VALUE with VALUE a positive integer, e.g. 2000000, 2e6 or 64GiB');
    expect(existsSync(out)).toBe(false);
    const report = await convert('--budget', 'max-pickle-opcodes=1e6', '--budget', 'max-tensor-bytes=1GiB');
    expect(report.missing).toEqual([]);
    expect(existsSync(join(out, 'model.json'))).toBe(true);
  });

  it('classify: an image past the aspect-ratio limit is refused with the flag, and taken once it is raised', async () => {
    const refused = await run(process.execPath, [cli, 'classify', wide]).catch((e: { code: number; stderr: string }) => e);
    expect(refused).toMatchObject({ code: 1 });
    expect((refused as { stderr: string }).stderr).toContain(`natzoo: ${wide}: aspect ratio of a 320x8 image exceeds the limit of 32 (raise it with --budget max-aspect-ratio=N only for a trusted file)`);
    const { stdout } = await run(process.execPath, [cli, 'classify', wide, '--budget', 'max-aspect-ratio=64', '--json']);
    expect((JSON.parse(stdout) as { results: { top: unknown[] }[] }).results[0]!.top).toHaveLength(5);
  });
});
