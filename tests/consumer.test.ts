// SPDX-License-Identifier: MIT
// The packed packages outside the workspace, as a user installs them: `npx natzoo` classifies with the model
// the CLI package ships and reports the CLI's own version. Prints the packed sizes.
import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directoryBytes, installProject, packPackages } from './support/packed_packages.js';
import { repoRoot } from './support/shared_dir.js';

const run = promisify(execFile);
const TFJS = ['@tensorflow/tfjs@^4.22.0'];
const MB = (bytes: number) => `${(bytes / 2 ** 20).toFixed(2)} MB`;

describe('the packed packages in a fresh npm project', () => {
  let packs: Awaited<ReturnType<typeof packPackages>>;
  let project: string;

  beforeAll(async () => {
    packs = await packPackages();
    project = await installProject([...packs.tarballs.keys()].map((file) => join(packs.dir, file)), TFJS);
    console.log(`packed: ${[...packs.tarballs].map(([file, bytes]) => `${file} ${MB(bytes)}`).join(', ')}`);
    console.log(`installed (all four packages, tfjs): ${MB(directoryBytes(join(project, 'node_modules')))}`);
  }, 600_000);

  afterAll(() => {
    for (const dir of [packs?.dir, project]) if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('npx natzoo classify works outside the repository with the shipped model', async () => {
    const image = join(repoRoot, 'checkpoints/samples/4_frog.png');
    const { stdout } = await run('npx', ['--no-install', 'natzoo', 'classify', image, '--json', '--top', '1'], { cwd: project });
    const result = JSON.parse(stdout) as { model: string; backend: string; results: { top: { label: string; prob: number }[] }[] };
    expect(result.model).toBe('cct_2_3x2_32.cifar10');
    expect(result.backend).toBe('wasm');
    expect(result.results[0]!.top[0]!.label).toBe('frog');
    expect(result.results[0]!.top[0]!.prob).toBeCloseTo(0.7168, 3);
  });

  it("npx natzoo --version prints the CLI package's own version", async () => {
    const { version } = JSON.parse(readFileSync(join(repoRoot, 'packages/cli/package.json'), 'utf8')) as { version: string };
    const { stdout } = await run('npx', ['--no-install', 'natzoo', '--version'], { cwd: project });
    expect(stdout.trim()).toBe(version);
  });
});
