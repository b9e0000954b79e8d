// SPDX-License-Identifier: MIT
// The way back: `natzoo export` writes the shipped model as a safetensors state_dict whose keys, shapes and
// values equal the original PyTorch checkpoint's, and converting that file again gives identical weights.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { loadStateDict } from '@natzoo/train';
import { repoRoot, sharedPath } from './support/shared_dir.js';

const run = promisify(execFile);
const cli = resolve(repoRoot, 'packages/train/dist/cli/main.js');
const shipped = resolve(repoRoot, 'checkpoints/cct_2_3x2_32.cifar10');

describe('natzoo export', () => {
  const work = mkdtempSync(join(tmpdir(), 'natzoo-export-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  const exported = join(work, 'cct_2_3x2_32.safetensors');

  it('reproduces the original checkpoint: same keys, shapes and values', async () => {
    await run(process.execPath, [cli, 'export', '--model', shipped, '--out', exported]);
    const ours = await loadStateDict(exported);
    const original = await loadStateDict(sharedPath('fixtures', 'checkpoints', 'cct_2_3x2_32_cifar10', 'model_best.pth.tar'));
    expect([...ours.keys()].sort()).toEqual([...original.keys()].sort());
    for (const [key, tensor] of original) {
      const mine = ours.get(key)!;
      expect(mine.shape, key).toEqual(tensor.shape);
      expect(Buffer.from((await mine.toFloat32()).buffer).equals(Buffer.from((await tensor.toFloat32()).buffer)), key).toBe(true);
    }
  });

  it('converts back into identical weights', async () => {
    const out = join(work, 'again');
    await run(process.execPath, [cli, 'convert', exported, '--model', 'cct_2_3x2_32.cifar10', '--out', out]);
    expect(readFileSync(join(out, 'weights.bin')).equals(readFileSync(join(shipped, 'weights.bin')))).toBe(true);
  });
});
