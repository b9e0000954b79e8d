// SPDX-License-Identifier: MIT
// The built CLI's classify, eval and predict around the shipped model: from any working directory, --model as a
// registered name, the backends' errors, ImageFolder and CIFAR-10 directories, inputs that do not fit, and the
// same logits over worker threads (--workers).
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNpy, writeNpy } from '@natzoo/train';
import { repoRoot, sharedPath } from './support/shared_dir.js';

const exec = promisify(execFile);
const cli = resolve(repoRoot, 'packages/cli/dist/main.js');
const LABELS = readFileSync(sharedPath('data', 'cifar10', 'batches.meta.txt'), 'utf8').trim().split('\n');
const SAMPLES = ['0_cat', '1_ship', '2_ship', '3_airplane', '4_frog', '5_frog', '6_automobile', '7_frog'].map((name) => resolve(repoRoot, 'checkpoints/samples', `${name}.png`));

interface Failure {
  code: number;
  stderr: string;
}
const run = (args: string[], cwd?: string) => exec(process.execPath, [cli, ...args], { cwd });
const fail = (args: string[], cwd?: string) =>
  run(args, cwd).then(
    () => ({ code: 0, stderr: '' }) as Failure,
    (e: Failure) => e,
  );

describe('natzoo classify, eval and predict', () => {
  const work = mkdtempSync(join(tmpdir(), 'natzoo-classify-'));
  let upstream: Float32Array;
  /** Upstream's top-1 label for CIFAR-10 test image n. */
  const argmax = (n: number) => {
    const row = Array.from(upstream.subarray(n * 10, n * 10 + 10));
    return LABELS[row.indexOf(Math.max(...row))]!;
  };
  beforeAll(async () => {
    upstream = (await readNpy(sharedPath('fixtures', 'checkpoints', 'cct_2_3x2_32_cifar10', 'logits.npy'))).data as Float32Array;
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('the shipped samples are the CIFAR-10 test records 0-7, decoded losslessly', async () => {
    const records = readFileSync(sharedPath('data', 'cifar10', 'test_batch_first1017.bin'));
    for (const [n, sample] of SAMPLES.entries()) {
      const { data, info } = await sharp(sample).raw().toBuffer({ resolveWithObject: true });
      expect([info.width, info.height, info.channels]).toEqual([32, 32, 3]);
      const record = records.subarray(n * 3073, (n + 1) * 3073);
      expect(sample.endsWith(`${n}_${LABELS[record[0]!]}.png`)).toBe(true);
      const chw = Buffer.alloc(3072);
      for (let i = 0; i < 1024; i++) for (let c = 0; c < 3; c++) chw[c * 1024 + i] = data[i * 3 + c]!;
      expect(chw.equals(record.subarray(1)), sample).toBe(true);
    }
  });

  it('classify prints the expected labels with the shipped model, from any working directory', async () => {
    const { stdout } = await run(['classify', SAMPLES[0]!, SAMPLES[4]!, '--top', '2'], work);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^model cct_2_3x2_32\.cifar10 on '(tensorflow|wasm)'$/);
    expect(lines[1]).toBe(SAMPLES[0]);
    expect(lines[2]).toMatch(new RegExp(`^\\s*\\d+\\.\\d\\d%\\s+${argmax(0)}$`));
    expect(lines[4]).toBe(SAMPLES[4]);
    expect(lines[5]).toMatch(new RegExp(`%\\s+${argmax(4)}$`));
    expect(argmax(0)).toBe('cat');
  });

  it('--model takes a registered name and finds the shipped copy', async () => {
    const { stdout } = await run(['classify', SAMPLES[3]!, '--model', 'cct_2_3x2_32.cifar10', '--json', '--top', '3'], work);
    const parsed = JSON.parse(stdout) as { model: string; backend: string; results: { top: { label: string; prob: number }[]; logits: number[] }[] };
    expect(parsed.model).toBe('cct_2_3x2_32.cifar10');
    expect(parsed.backend).toBe('wasm');
    const [result] = parsed.results;
    expect(result!.top.map((t) => t.label)[0]).toBe(argmax(3));
    expect(result!.logits).toHaveLength(10);
    result!.logits.forEach((v, c) => expect(Math.abs(v - upstream[3 * 10 + c]!)).toBeLessThan(1e-4));
    expect(result!.top[0]!.prob).toBeGreaterThan(result!.top[1]!.prob);
  });

  it('names what is wrong with --model, --backend and --top', async () => {
    const unknown = await fail(['classify', SAMPLES[0]!, '--model', 'cct_2_3x3_32']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/--model cct_2_3x3_32: not a model directory; unknown model 'cct_2_3x3_32'\. Did you mean: cct_2_3x2_32/);
    expect((await fail(['classify', SAMPLES[0]!, '--model', './no/such/dir'])).stderr).toContain('--model ./no/such/dir: no such model directory');
    const noUrl = await fail(['classify', SAMPLES[0]!, '--model', 'cct_2_3x2_32_sine']);
    expect(noUrl.stderr).toMatch(/--model cct_2_3x2_32_sine: .*no pretrained weights|--model cct_2_3x2_32_sine: no converted copy/);
    expect((await fail(['classify', SAMPLES[0]!, '--backend', 'tensorflow'])).stderr).toMatch(/--backend tensorflow: neither @tensorflow\/tfjs-node-gpu nor @tensorflow\/tfjs-node is installed/);
    expect((await fail(['classify', SAMPLES[0]!, '--top', '0'])).stderr).toContain('--top 0: expected a positive integer');
  });

  it('--backend webgpu classifies like wasm, or says why it cannot start', async () => {
    const result = await run(['classify', SAMPLES[1]!, '--backend', 'webgpu', '--json']).catch((e: Failure) => e);
    if ('code' in result && result.code !== 0) {
      expect(result.stderr).toMatch(/natzoo: --backend webgpu: /);
      return;
    }
    const [parsed] = (JSON.parse((result as { stdout: string }).stdout) as { results: { logits: number[] }[] }).results;
    parsed!.logits.forEach((v, c) => expect(Math.abs(v - upstream[10 + c]!)).toBeLessThan(1e-3));
  });

  it('eval on an ImageFolder of the samples (folders named by class) and on a CIFAR-10 directory', async () => {
    const folder = join(work, 'imagefolder');
    for (const sample of SAMPLES) {
      const label = /\d+_(\w+)\.png$/.exec(sample)![1]!;
      mkdirSync(join(folder, label), { recursive: true });
      copyFileSync(sample, join(folder, label, sample.split('/').pop()!));
    }
    writeFileSync(join(folder, 'cat', 'notes.txt'), 'not an image: skipped as torchvision does');
    const right = SAMPLES.filter((sample, n) => sample.endsWith(`_${argmax(n)}.png`)).length;
    const folderRun = await run(['eval', '--data', `imagefolder:${folder}`, '--backend', 'wasm']);
    expect(folderRun.stdout).toContain(`8 images: top-1 ${((100 * right) / 8).toFixed(2)}% (${right}/8)`);

    const batches = join(work, 'cifar');
    mkdirSync(batches);
    const records = readFileSync(sharedPath('data', 'cifar10', 'test_batch_first1017.bin'));
    writeFileSync(join(batches, 'test_batch.bin'), records.subarray(0, 40 * 3073));
    const logits = join(work, 'logits.npy');
    await run(['eval', '--data', `cifar10:${batches}`, '--save-logits', logits, '--batch-size', '16']);
    const saved = await readNpy(logits);
    expect(saved.shape).toEqual([40, 10]);
    (saved.data as Float32Array).forEach((v, i) => expect(Math.abs(v - upstream[i]!)).toBeLessThan(1e-4));

    writeFileSync(join(batches, 'broken.bin'), records.subarray(0, 3073 + 5));
    expect((await fail(['eval', '--data', `cifar10:${batches}`])).stderr).toMatch(/broken\.bin: 3078 bytes is not a whole number of 3073-byte CIFAR-10 records/);
    expect((await fail(['eval', '--data', `mnist:${batches}`])).stderr).toContain(`--data mnist:${batches}: expected cifar10:<file-or-dir> or imagefolder:<dir>`);
  });

  it('--workers 2 gives the logits of one worker for classify and eval, in input order, and --workers is checked', async () => {
    const classify = async (workers: string) =>
      (JSON.parse((await run(['classify', ...SAMPLES, '--json', '--backend', 'wasm', '--workers', workers])).stdout) as { workers?: number; results: unknown[] });
    const [one, two] = [await classify('1'), await classify('2')];
    expect(two.workers).toBe(2);
    expect(two.results).toEqual(one.results);
    const records = readFileSync(sharedPath('data', 'cifar10', 'test_batch_first1017.bin'));
    const data = join(work, 'workers_batch.bin');
    writeFileSync(data, records.subarray(0, 40 * 3073));
    const logits = (workers: string) => join(work, `workers_${workers}.npy`);
    for (const workers of ['1', '2']) await run(['eval', '--data', `cifar10:${data}`, '--save-logits', logits(workers), '--batch-size', '16', '--workers', workers]);
    expect(readFileSync(logits('2'))).toEqual(readFileSync(logits('1')));
    ((await readNpy(logits('2'))).data as Float32Array).forEach((v, i) => expect(Math.abs(v - upstream[i]!)).toBeLessThan(1e-4));
    expect((await fail(['classify', SAMPLES[0]!, '--workers', '0'])).stderr).toMatch(/natzoo: --workers 0: expected a whole number from 1 to \d+/);
    expect((await fail(['eval', '--data', `cifar10:${data}`, '--workers', '1.5'])).stderr).toMatch(/natzoo: --workers 1\.5: expected a whole number/);
    expect((await fail(['classify', SAMPLES[0]!, '--workers', '2', '--backend', 'webgpu'])).stderr).toContain('--backend webgpu: with --workers 2 each worker runs its own tfjs on wasm or cpu');
  });

  it('predict refuses an input that does not fit the model, and writes nothing', async () => {
    const input = join(work, 'x.npy');
    await writeNpy(input, new Float32Array(2 * 3 * 16 * 16), [2, 3, 16, 16]);
    const out = join(work, 'y.npy');
    const failure = await fail(['predict', '--model', 'cct_2_3x2_32.cifar10', '--input', input, '--out', out]);
    expect(failure.stderr).toContain('shape [2, 3, 16, 16] does not fit the model, which takes [N, 3, 32, 32] (--layout nchw)');
    await expect(readNpy(out)).rejects.toThrow();
  });
});
