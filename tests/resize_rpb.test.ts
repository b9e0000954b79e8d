// SPDX-License-Identifier: MIT
// rpb tables resized to another kernel size. The golden values are PyTorch's
// F.interpolate(mode='bicubic', align_corners=False), produced (float64 inside, stored as float32) by
//
//   /usr/bin/python3 scripts/make_bicubic_golden.py ../shared
//
// resizeBicubic must match them, and `natzoo convert --resize-rpb` must turn the nat_k7_224 fixture's 13x13
// tables into a kernel-9 model's 17x17 ones equal to PyTorch's, while without the flag the conversion is refused.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportStateDict } from '@natzoo/models';
import { resizeBicubic } from '@natzoo/models/advanced';
import { loadModelDir, readNpy } from '@natzoo/train';
import { convertCli } from '../packages/cli/src/commands/convert.js';
import { repoRoot, sharedPath } from './support/shared_dir.js';

const golden = join(repoRoot, 'tests', 'golden', 'bicubic');

async function float32(path: string): Promise<{ shape: number[]; data: Float32Array }> {
  const array = await readNpy(path);
  if (!(array.data instanceof Float32Array)) throw new Error(`${path}: expected float32, got ${array.dtype}`);
  return { shape: array.shape, data: array.data };
}

/** Largest |a - e| relative to the largest |e|. */
function relativeError(actual: ArrayLike<number>, expected: Float32Array): number {
  let worst = 0;
  let scale = 0;
  expected.forEach((e, i) => {
    worst = Math.max(worst, Math.abs(actual[i]! - e));
    scale = Math.max(scale, Math.abs(e));
  });
  return worst / scale;
}

beforeAll(async () => {
  if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend failed to initialise');
});

describe('resizeBicubic against PyTorch F.interpolate(bicubic, align_corners=False)', () => {
  const cases = readdirSync(golden).filter((f) => f.endsWith('_in.npy')).map((f) => f.replace(/_in\.npy$/, ''));

  it('has the golden cases', () => expect(cases.sort()).toEqual(['down_13_to_9', 'odd_4x6_to_9x7', 'up_13_to_21']));

  it.each(cases)('%s', async (name) => {
    const input = await float32(join(golden, `${name}_in.npy`));
    const expected = await float32(join(golden, `${name}_out.npy`));
    const [count, h, w] = input.shape as [number, number, number];
    const [, outH, outW] = expected.shape as [number, number, number];
    const actual = resizeBicubic(input.data, count, [h, w], [outH, outW]);
    expect(actual.length).toBe(expected.data.length);
    const error = relativeError(actual, expected.data);
    console.log(`${name}: max |ours - torch| ${error.toExponential(2)} of max |torch|`);
    expect(error).toBeLessThan(1e-6);
  });
});

describe('natzoo convert --resize-rpb', () => {
  const work = mkdtempSync(join(tmpdir(), 'natzoo-rpb-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  const fixture = sharedPath('fixtures', 'models', 'nat_k7_224');
  const kwargs = (JSON.parse(readFileSync(join(fixture, 'fixture.json'), 'utf8')) as { constructor_kwargs: Record<string, unknown> }).constructor_kwargs;
  const config = join(work, 'k9.json');
  // Kernel 9 needs a 9x9 last level: 288 px inputs.
  writeFileSync(config, JSON.stringify({ ...kwargs, kernel_size: 9 }));
  const args = (out: string) => [join(fixture, 'state_dict.pth'), '--model', 'nat_mini', '--config', config, '--input-size', '288', '--out', out];

  it('refuses 13x13 tables for a kernel-9 model without the flag, writing nothing', async () => {
    const out = join(work, 'refused');
    await expect(convertCli(args(out), () => undefined)).rejects.toThrow(/levels.0.blocks.0.attn.rpb is \[1, 13, 13\][^]*pass --resize-rpb/);
    expect(existsSync(out)).toBe(false);
  });

  it('resizes every rpb table as PyTorch does', async () => {
    const out = join(work, 'k9');
    const lines: string[] = [];
    const report = await convertCli([...args(out), '--resize-rpb'], (l) => lines.push(l));
    expect(lines[0]).toMatch(/0 missing, 0 unused.*5 converted \(rpb resized to 17x17 \(bicubic\)\)/);
    expect(report.converted.map((c) => c.key).sort()).toEqual(readdirSync(golden).filter((f) => f.startsWith('nat_k7_224.')).map((f) => f.slice('nat_k7_224.'.length, -'.k9.npy'.length)).sort());
    const { model } = await loadModelDir(out);
    const weights = exportStateDict(model);
    for (const { key } of report.converted) {
      const expected = await float32(join(golden, `nat_k7_224.${key}.k9.npy`));
      const ours = weights.get(key)!;
      expect(ours.shape, key).toEqual(expected.shape);
      expect(relativeError(ours.data, expected.data), key).toBeLessThan(1e-6);
    }
    model.dispose();
  });
});
