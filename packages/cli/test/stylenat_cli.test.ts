// SPDX-License-Identifier: MIT
// The StyleNAT fixture through the built CLI: `natzoo convert` (g_ema, g and d, legacy layout detected) then
// `natzoo generate --z <upstream z> --raw-out` reproduces upstream's image; seeds give grids and per-seed PNGs;
// truncation 0 collapses every sample onto the mean-w image; style mixing with the crossover at the end is no mix;
// worker threads give the images of this thread.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { readNpy } from '@natzoo/train';
import { readStyleNATModelJson } from '@natzoo/train/advanced';
import { generate, parseSeeds } from '../src/generate.js';
import { repoRoot, sharedPath } from '../../../tests/support/shared_dir.js';

const run = promisify(execFile);
const cli = resolve(repoRoot, 'packages/cli/dist/main.js');
const DIR = sharedPath('fixtures', 'models', 'stylenat_legacy_64');

const fixture = JSON.parse(readFileSync(join(DIR, 'fixture.json'), 'utf8')) as {
  generator: { constructor: { size: number; args: Record<string, unknown> }; channel_override: { in_channels: number[] } };
  discriminator: { constructor: { size: number; args: Record<string, unknown> }; channel_override: { channels: Record<string, number> } };
};

async function floats(path: string): Promise<{ shape: number[]; data: Float32Array }> {
  const a = await readNpy(path);
  if (!(a.data instanceof Float32Array)) throw new Error(`${path}: expected float32`);
  return { shape: a.shape, data: a.data };
}

describe('natzoo convert / generate with StyleNAT', () => {
  const work = mkdtempSync(join(tmpdir(), 'natzoo-stylenat-'));
  const model = join(work, 'stylenat64');
  const natzoo = (...args: string[]) => run(process.execPath, [cli, ...args], { maxBuffer: 1 << 24 });

  beforeAll(async () => {
    await tf.setBackend('wasm');
    const config = join(work, 'config.json');
    writeFileSync(config, JSON.stringify({
      ...fixture.generator.constructor.args,
      size: fixture.generator.constructor.size,
      in_channels: fixture.generator.channel_override.in_channels,
      discriminator: { ...fixture.discriminator.constructor.args, size: fixture.discriminator.constructor.size, channels: fixture.discriminator.channel_override.channels },
    }));
    const { stdout } = await natzoo('convert', join(DIR, 'checkpoint.pt'), '--model', 'stylenat', '--config', config, '--out', model);
    expect(stdout).toMatch(/weights loaded, 0 missing, 0 unused/);
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('keeps g_ema, g and d with the detected legacy layout', async () => {
    const json = await readStyleNATModelJson(model);
    expect(json?.modules).toEqual(['g_ema', 'g', 'd']);
    expect(json?.generator.legacy).toBe(true);
    expect(json?.meta?.source).toMatchObject({ checkpoint: 'checkpoint.pt', sha256: '551bc8daf52f17873e507280f52cf5f81772cffd5e48866d16d1f8b3a4bd0191' });
  });

  it('--z with --raw-out reproduces upstream\'s image', async () => {
    const raw = join(work, 'raw.npy');
    await natzoo('generate', '--model', model, '--z', join(DIR, 'z.npy'), '--raw-out', raw, '--backend', 'wasm');
    const [ours, upstream] = [await floats(raw), await floats(join(DIR, 'image.npy'))];
    expect(ours.shape).toEqual(upstream.shape);
    let maxAbs = 0;
    let scale = 0;
    upstream.data.forEach((e, i) => ((maxAbs = Math.max(maxAbs, Math.abs(e - ours.data[i]!))), (scale = Math.max(scale, Math.abs(e)))));
    console.log(`natzoo generate --z: max |diff| ${maxAbs.toExponential(2)}, relative ${(maxAbs / scale).toExponential(2)}`);
    expect(maxAbs / scale).toBeLessThan(1e-4);
  });

  it('writes a grid and per-seed PNGs', async () => {
    const grid = join(work, 'grid.png');
    await natzoo('generate', '--model', model, '--seeds', '0-2', '--cols', '2', '--padding', '2', '--out', grid, '--backend', 'wasm');
    const meta = await sharp(grid).metadata();
    expect([meta.width, meta.height, meta.channels]).toEqual([2 * 64 + 2, 2 * 64 + 2, 3]);
    // In-process from here (each CLI start costs seconds): the grid's first cell is the per-seed image of seed 0.
    const dir = join(work, 'per-seed');
    await generate({ model, seeds: '0,7', perSample: true, out: dir });
    expect(existsSync(join(dir, '7.png'))).toBe(true);
    const cell = await sharp(grid).extract({ left: 0, top: 0, width: 64, height: 64 }).raw().toBuffer();
    const single = await sharp(join(dir, '0.png')).raw().toBuffer();
    expect(Buffer.compare(cell, single)).toBe(0);
  });

  it('truncation 0 gives every seed the mean-w image; truncation 1 does not', async () => {
    const raw = (name: string) => join(work, name);
    await generate({ model, seeds: '0-1', truncation: 0, truncationSamples: 64, rawOut: raw('t0.npy') });
    await generate({ model, seeds: '0-1', rawOut: raw('t1.npy') });
    const spread = (a: Float32Array) => {
      const n = a.length / 2;
      let worst = 0;
      for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(a[i]! - a[n + i]!));
      return worst;
    };
    expect(spread((await floats(raw('t0.npy'))).data)).toBeLessThan(1e-5);
    expect(spread((await floats(raw('t1.npy'))).data)).toBeGreaterThan(0.1);
  });

  it('style mixing: crossover at n_latent is the first z alone, crossover 0 the second alone', async () => {
    const path = (name: string) => join(work, name);
    await generate({ model, seeds: '1', rawOut: path('a.npy') });
    await generate({ model, seeds: '5', rawOut: path('b.npy') });
    for (const c of [0, 4, 10]) await generate({ model, seeds: '1', mixSeeds: '5', crossover: c, rawOut: path(`m${c}.npy`) });
    const [a, b, m10, m0, m4] = await Promise.all(['a', 'b', 'm10', 'm0', 'm4'].map((n) => floats(path(`${n}.npy`))));
    const diff = (x: Float32Array, y: Float32Array) => x.reduce((m, v, i) => Math.max(m, Math.abs(v - y[i]!)), 0);
    expect(diff(m10!.data, a!.data)).toBeLessThan(1e-5);
    expect(diff(m0!.data, b!.data)).toBeLessThan(1e-5);
    expect(Math.min(diff(m4!.data, a!.data), diff(m4!.data, b!.data))).toBeGreaterThan(1e-2);
  });

  it('--workers 2 gives the images of this thread (wasm, the same batches), with truncation and mixing', async () => {
    const path = (name: string) => join(work, name);
    const options = { model, seeds: '0-2', truncation: 0.7, truncationSamples: 64, mixSeeds: '5-7', crossover: 4, batchSize: 2 };
    await generate({ ...options, rawOut: path('thread.npy') });
    const result = await generate({ ...options, workers: 2, rawOut: path('workers.npy') });
    expect(result.workers).toBe(2);
    const [thread, workers] = await Promise.all([floats(path('thread.npy')), floats(path('workers.npy'))]);
    expect(workers.shape).toEqual([3, 3, 64, 64]);
    expect(workers.data).toEqual(thread.data);
    await expect(generate({ ...options, workers: 0, rawOut: path('none.npy') })).rejects.toThrow(/^workers 0: /);
  });

  it('parses seed lists and refuses bad ones', () => {
    expect(parseSeeds('0-3,10')).toEqual([0, 1, 2, 3, 10]);
    expect(() => parseSeeds('5-2')).toThrow(/runs backwards/);
    expect(() => parseSeeds('a')).toThrow(/--seeds a/);
  });
});
