// SPDX-License-Identifier: MIT
// Every CCT/CVT/ViT-Lite model fixture (built by the upstream PyTorch code) through the CLI: `natzoo convert
// --config <its kwargs>` with every key accounted for, then `natzoo predict` on its input reproduces its output.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { readNpy } from '@natzoo/train';
import { repoRoot, sharedPath } from './support/shared_dir.js';

const run = promisify(execFile);
const cli = resolve(repoRoot, 'packages/train/dist/cli/main.js');

/** The registered architecture an upstream constructor symbol builds; the kwargs then set every field. */
const BASE_FOR_SYMBOL: Record<string, string> = { _cct: 'cct_7_3x1_32', CCT: 'cct_7_3x1_32', _cvt: 'cvt_7_4_32', _vit_lite: 'vit_7_4_32' };
const FIXTURES = ['cct_2_3x2_32_random', 'cct_3x1_32_tiny', 'cct_3x2_32_sine_tiny', 'cct_7x2_224_tiny', 'cvt_4_32_tiny', 'vit_lite_4_32_tiny'];

describe('natzoo convert --config and natzoo predict on the upstream model fixtures', () => {
  const work = mkdtempSync(join(tmpdir(), 'natzoo-fixtures-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it.each(FIXTURES)('%s', async (name) => {
    const dir = sharedPath('fixtures', 'models', name);
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as {
      upstream: { symbol: string };
      constructor_kwargs: Record<string, unknown>;
    };
    const kwargs = join(work, `${name}.json`);
    writeFileSync(kwargs, JSON.stringify(config.constructor_kwargs));
    const out = join(work, name);
    const base = BASE_FOR_SYMBOL[config.upstream.symbol] ?? config.upstream.symbol;
    const converted = await run(process.execPath, [cli, 'convert', join(dir, 'checkpoint.pth'), '--model', base, '--config', kwargs, '--out', out]);
    expect(converted.stdout).toMatch(/weights loaded, 0 missing, 0 unused/);
    const predicted = join(work, `${name}.npy`);
    await run(process.execPath, [cli, 'predict', '--model', out, '--input', join(dir, 'input.npy'), '--out', predicted]);
    const [ours, upstream] = [await readNpy(predicted), await readNpy(join(dir, 'output.npy'))];
    expect(ours.shape).toEqual(upstream.shape);
    const expected = upstream.data as Float32Array;
    const scale = Math.max(...Array.from(expected, Math.abs));
    const worst = Math.max(...Array.from(ours.data as Float32Array, (v, i) => Math.abs(v - expected[i]!)));
    console.log(`${name}: predict max |diff| ${worst.toExponential(2)} (${(worst / scale).toExponential(2)} of max |logit|)`);
    expect(worst / scale).toBeLessThan(1e-4);
  });
});
