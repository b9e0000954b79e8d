// SPDX-License-Identifier: MIT
// The way back: `natzoo export` writes the shipped model as a state_dict whose keys, shapes and values equal the
// original PyTorch checkpoint's, as .safetensors and as a torch.save zip (.pth); converting either file again
// gives identical weights, and PyTorch itself loads the .pth with torch.load(weights_only=True).
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { loadStateDict } from '@natzoo/train';
import { runTorchScript, torchEnv } from './support/python_torch.js';
import { repoRoot, sharedPath } from './support/shared_dir.js';

const run = promisify(execFile);
const cli = resolve(repoRoot, 'packages/cli/dist/main.js');
const shipped = resolve(repoRoot, 'checkpoints/cct_2_3x2_32.cifar10');
const original = sharedPath('fixtures', 'checkpoints', 'cct_2_3x2_32_cifar10', 'model_best.pth.tar');

describe.each(['safetensors', 'pth'])('natzoo export --out *.%s', (extension) => {
  const work = mkdtempSync(join(tmpdir(), 'natzoo-export-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  const exported = join(work, `cct_2_3x2_32.${extension}`);

  it('reproduces the original checkpoint: same keys, shapes and values', async () => {
    await run(process.execPath, [cli, 'export', '--model', shipped, '--out', exported]);
    const ours = await loadStateDict(exported);
    const upstream = await loadStateDict(original);
    expect([...ours.keys()].sort()).toEqual([...upstream.keys()].sort());
    for (const [key, tensor] of upstream) {
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

  if (extension === 'pth') it.skipIf(!torchEnv.available)(`loads in PyTorch with weights_only=True and equals the original (${torchEnv.reason})`, () => {
    const script = [
      'import sys, collections, torch',
      'ours = torch.load(sys.argv[1], weights_only=True)',
      'ref = torch.load(sys.argv[2], map_location="cpu")["state_dict"]',
      'assert type(ours) is collections.OrderedDict, type(ours)',
      'assert list(sorted(ours)) == list(sorted(ref)), (sorted(ours), sorted(ref))',
      'bad = [k for k in ref if ours[k].dtype != ref[k].dtype or ours[k].shape != ref[k].shape or not torch.equal(ours[k], ref[k])]',
      'print(len(ours), "tensors,", len(bad), "differ:", bad)',
    ].join('\n');
    expect(runTorchScript(script, [exported, original]).trim()).toBe(`${31} tensors, 0 differ: []`);
  });

  it('refuses an output name of unknown format, writing nothing', async () => {
    const out = join(work, 'weights.npz');
    await expect(run(process.execPath, [cli, 'export', '--model', shipped, '--out', out])).rejects.toThrow(/--out .*weights\.npz: expected a \.safetensors, \.pth, \.pt or \.bin/);
    expect(existsSync(out)).toBe(false);
  });
});
