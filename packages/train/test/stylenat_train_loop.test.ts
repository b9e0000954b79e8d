// SPDX-License-Identifier: MIT
// `natzoo train-gan` end to end on a tiny configuration (cpu backend, a folder of four generated images):
// iterations with finite losses, sample grids, a checkpoint that `natzoo generate` reads, and a second invocation
// that resumes from it; plus the per-step data order and `natzoo fid` on feature files.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeNpy } from '@natzoo/train';
import { batchIndices } from '@natzoo/train/advanced';
import { repoRoot } from '../../../tests/support/shared_dir.js';

const run = promisify(execFile);
const cli = resolve(repoRoot, 'packages/cli/dist/main.js');
const natzoo = (...args: string[]) => run(process.execPath, [cli, ...args], { maxBuffer: 1 << 24 });

describe('natzoo train-gan', () => {
  const work = mkdtempSync(join(tmpdir(), 'natzoo-train-gan-'));
  const data = join(work, 'images');
  const out = join(work, 'run');
  const config = join(work, 'config.json');

  beforeAll(async () => {
    mkdirSync(join(data, 'nested'), { recursive: true });
    for (let i = 0; i < 4; i++) {
      // 20x24 colour gradients: the reader must resize and centre-crop them to 16x16.
      const pixels = Buffer.alloc(20 * 24 * 3);
      for (let p = 0; p < 20 * 24; p++) pixels.set([(p * (i + 3)) % 256, (p * 7 + 40 * i) % 256, (255 - p) % 256], p * 3);
      await sharp(pixels, { raw: { width: 24, height: 20, channels: 3 } }).png().toFile(join(data, i < 2 ? '' : 'nested', `${i}.png`));
    }
    writeFileSync(config, JSON.stringify({ size: 16, style_dim: 16, n_mlp: 2, in_channels: [16, 16, 16], min_heads: 2, discriminator: { channels: { 4: 8, 8: 8, 16: 8 } } }));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('trains, samples, checkpoints, resumes, and the checkpoint generates', async () => {
    const args = ['--data', data, '--out', out, '--config', config, '--batch', '4', '--reg-every', '2', '--sample-every', '1', '--checkpoint-every', '2'];
    await natzoo('train-gan', ...args, '--steps', '2');
    expect(readdirSync(join(out, 'samples')).sort()).toEqual(['step_0000001.png', 'step_0000002.png']);
    const grid = await sharp(join(out, 'samples', 'step_0000002.png')).metadata();
    expect([grid.width, grid.height]).toEqual([4 * 16 + 3 * 2, 4 * 16 + 3 * 2]);
    const { stdout } = await natzoo('train-gan', ...args, '--steps', '3');
    expect(stdout).toMatch(/trained to step 3/);
    const log = readFileSync(join(out, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { step: number; dLoss: number; gLoss: number; r1: number | null });
    // The second run started at step 2 (resumed), not from scratch.
    expect(log.map((l) => l.step)).toEqual([1, 2, 3]);
    for (const l of log) expect(Number.isFinite(l.dLoss) && Number.isFinite(l.gLoss)).toBe(true);
    expect(log.map((l) => l.r1 !== null)).toEqual([true, false, true]);
    const png = join(work, 'after.png');
    await natzoo('generate', '--model', join(out, 'checkpoint'), '--seeds', '0-3', '--out', png, '--backend', 'cpu');
    expect(existsSync(png)).toBe(true);
  });

  it('visits every image once per epoch, in an order fixed by (seed, step)', () => {
    const epoch = [0, 1, 2].flatMap((step) => batchIndices(6, 2, step, 9));
    expect([...epoch].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(batchIndices(6, 2, 4, 9)).toEqual(batchIndices(6, 2, 4, 9));
    expect(epoch).not.toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('natzoo fid: 0 for identical features, (m1 - m2)^2 for a shifted 1-D set', async () => {
    const a = join(work, 'a.npy');
    const b = join(work, 'b.npy');
    await writeNpy(a, Float32Array.from([1, 2, 3, 4]), [4, 1]);
    await writeNpy(b, Float32Array.from([4, 5, 6, 7]), [4, 1]);
    expect((await natzoo('fid', a, a)).stdout.trim()).toBe('0.0000');
    expect((await natzoo('fid', a, b)).stdout.trim()).toBe('9.0000');
  });
});
