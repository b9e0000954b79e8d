// SPDX-License-Identifier: MIT
// The shipped model (checkpoints/cct_2_3x2_32.cifar10) against the upstream PyTorch logits of the real checkpoint,
// the CLI's classify on the shipped samples, and conversion failures that leave nothing at --out.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModelDir, readNpy } from '@natzoo/train';
import { f32Bytes, stateDictPickle, torchZip } from '../packages/train/test/support/torch_files.js';
import type { TensorSpec } from '../packages/train/test/support/torch_files.js';
import { repoRoot, sharedPath } from './support/shared_dir.js';

/** One hand-built float32 tensor named `bogus.weight` (shape and stride overridable). */
const tensor = (spec: Partial<TensorSpec>): TensorSpec[] => [
  { name: 'bogus.weight', storageClass: 'FloatStorage', key: '0', storageNumel: 4, shape: [4], stride: [1], ...spec },
];

const run = promisify(execFile);
const cli = resolve(repoRoot, 'packages/cli/dist/main.js');
const shipped = resolve(repoRoot, 'checkpoints/cct_2_3x2_32.cifar10');
const fixture = (...parts: string[]) => sharedPath('fixtures', 'checkpoints', 'cct_2_3x2_32_cifar10', ...parts);

/** CIFAR-10 binary records (label byte + 32x32 R, G, B planes) as normalised NHWC, the upstream eval input. */
function cifarBatch(mean: number[], std: number[]): { images: Float32Array; labels: number[] } {
  const bytes = readFileSync(sharedPath('data', 'cifar10', 'test_batch_first1017.bin'));
  const count = bytes.length / 3073;
  const images = new Float32Array(count * 3072);
  const labels: number[] = [];
  for (let n = 0; n < count; n++) {
    labels.push(bytes[n * 3073]!);
    for (let i = 0; i < 1024; i++) {
      for (let c = 0; c < 3; c++) images[n * 3072 + i * 3 + c] = (bytes[n * 3073 + 1 + c * 1024 + i]! / 255 - mean[c]!) / std[c]!;
    }
  }
  return { images, labels };
}

describe('the shipped CCT-2/3x2 CIFAR-10 model', () => {
  let expected: Float32Array;
  beforeAll(async () => {
    await tf.setBackend('wasm');
    const logits = await readNpy(fixture('logits.npy'));
    expect(logits.shape).toEqual([1017, 10]);
    expected = logits.data as Float32Array;
  });

  it('reproduces the upstream logits and top-1 on the 1017 CIFAR-10 images', async () => {
    const { model, preprocess } = await loadModelDir(shipped);
    const { images, labels } = cifarBatch(preprocess.mean, preprocess.std);
    const logits = tf.tidy(() => model.predict(tf.tensor4d(images, [labels.length, 32, 32, 3]), { batchSize: 128 }) as tf.Tensor);
    const actual = (await logits.data()) as Float32Array;
    logits.dispose();
    let worst = 0;
    let correct = 0;
    for (let n = 0; n < labels.length; n++) {
      const row = actual.subarray(n * 10, n * 10 + 10);
      row.forEach((v, c) => (worst = Math.max(worst, Math.abs(v - expected[n * 10 + c]!))));
      if (row.indexOf(Math.max(...row)) === labels[n]) correct++;
    }
    const reference = JSON.parse(readFileSync(fixture('reference.json'), 'utf8')) as { top1: { correct: number; total: number } };
    console.log(`shipped model: top-1 ${correct}/${labels.length}, largest |logit - upstream| ${worst.toExponential(2)}`);
    expect(labels.length).toBe(reference.top1.total);
    expect(correct).toBe(reference.top1.correct);
    expect(worst).toBeLessThan(1e-4);
  });

  it('natzoo classify on the shipped samples gives the upstream logits of those images', async () => {
    const samples = [0, 1, 2, 3, 4, 5, 6, 7].map((n) => `checkpoints/samples/${n}_${['cat', 'ship', 'ship', 'airplane', 'frog', 'frog', 'automobile', 'frog'][n]}.png`);
    const { stdout } = await run(process.execPath, [cli, 'classify', ...samples, '--json', '--top', '1'], { cwd: repoRoot });
    const { results } = JSON.parse(stdout) as { results: { image: string; top: { label: string; prob: number }[]; logits: number[] }[] };
    expect(results).toHaveLength(8);
    results.forEach((r, n) => {
      r.logits.forEach((v, c) => expect(Math.abs(v - expected[n * 10 + c]!), `${r.image} logit ${c}`).toBeLessThan(1e-4));
      const row = Array.from(expected.subarray(n * 10, n * 10 + 10));
      const labels = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
      expect(r.top[0]!.label).toBe(labels[row.indexOf(Math.max(...row))]);
    });
  });

  it('natzoo eval on the CIFAR-10 batch: the upstream top-1, and --save-logits writes the same logits', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'natzoo-eval-'));
    const saved = join(dir, 'logits.npy');
    const { stdout } = await run(process.execPath, [
      cli, 'eval', '--data', `cifar10:${sharedPath('data', 'cifar10', 'test_batch_first1017.bin')}`, '--save-logits', saved,
    ]);
    const logits = await readNpy(saved);
    rmSync(dir, { recursive: true, force: true });
    expect(stdout).toContain('1017 images: top-1 60.18%');
    expect(logits.shape).toEqual([1017, 10]);
    const worst = Math.max(...Array.from(logits.data as Float32Array, (v, i) => Math.abs(v - expected[i]!)));
    expect(worst).toBeLessThan(1e-4);
  });

  it('natzoo classify reports an undecodable image by name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'natzoo-'));
    const bogus = join(dir, 'not_an_image.png');
    writeFileSync(bogus, 'this is not a PNG');
    const failure = await run(process.execPath, [cli, 'classify', bogus]).catch((e: { stderr: string; code: number }) => e);
    rmSync(dir, { recursive: true, force: true });
    expect((failure as { code: number }).code).toBe(1);
    expect((failure as { stderr: string }).stderr).toContain(`cannot decode image '${bogus}'`);
  });
});

describe('natzoo convert leaves nothing at --out when it fails', () => {
  const dir = mkdtempSync(join(tmpdir(), 'natzoo-convert-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const convert = (checkpoint: string, model: string, out: string) =>
    run(process.execPath, [cli, 'convert', checkpoint, '--model', model, '--out', out]).catch((e: { stderr: string; code: number }) => e);

  it('an unknown model name, with close matches', async () => {
    const out = join(dir, 'unknown');
    const failure = (await convert(fixture('model_best.pth.tar'), 'cct_2_3x3_32', out)) as { stderr: string; code: number };
    expect(failure.code).toBe(1);
    expect(failure.stderr).toMatch(/cct_2_3x3_32.*cct_2_3x2_32/s);
    expect(existsSync(out)).toBe(false);
  });

  it('a truncated checkpoint', async () => {
    const truncated = join(dir, 'truncated.pth');
    writeFileSync(truncated, readFileSync(fixture('model_best.pth.tar')).subarray(0, 100_000));
    const out = join(dir, 'truncated');
    const failure = (await convert(truncated, 'cct_2_3x2_32.cifar10', out)) as { stderr: string; code: number };
    expect(failure.code).toBe(1);
    expect(failure.stderr).toContain('truncated.pth');
    expect(existsSync(out)).toBe(false);
    expect(readFileSync(join(dir, 'truncated.pth')).length).toBe(100_000);
  });

  it.each([
    ['a wrong magic number', () => Buffer.from('this is not a checkpoint at all'), /not a PyTorch checkpoint: neither a zip container \(PK\) nor a legacy pickle/],
    ['a pickle naming os.system', () => torchZip(Buffer.from("cos\nsystem\n(S'echo pwned'\ntR.", 'latin1'), {}), /refusing pickle global 'os\.system'/],
    ['a storage shorter than its shape', () => torchZip(stateDictPickle(tensor({ shape: [8], stride: [1] })), { '0': f32Bytes([1, 2, 3, 4]) }), /needs 8 elements but the storage holds 4/],
    ['a declared shape of 2^40 elements', () => torchZip(stateDictPickle(tensor({ shape: [2 ** 40], stride: [1] })), { '0': f32Bytes([1, 2, 3, 4]) }), /1099511627776/],
    ['keys the model does not have', () => torchZip(stateDictPickle(tensor({})), { '0': f32Bytes([1, 2, 3, 4]) }), /bogus\.weight/],
  ] as const)('%s', async (what, bytes, message) => {
    const file = join(dir, `${what.replace(/\W+/g, '_')}.pth`);
    writeFileSync(file, bytes());
    const out = join(dir, `${what.replace(/\W+/g, '_')}_out`);
    const failure = (await convert(file, 'cct_2_3x2_32.cifar10', out)) as { stderr: string; code: number };
    expect(failure.code, failure.stderr).toBe(1);
    expect(failure.stderr).toMatch(message);
    expect(existsSync(out)).toBe(false);
  });

  it('converts the real checkpoint into a loadable directory', async () => {
    const out = join(dir, 'ok');
    const result = await run(process.execPath, [cli, 'convert', fixture('model_best.pth.tar'), '--model', 'cct_2_3x2_32.cifar10', '--out', out]);
    expect(result.stdout).toContain('31 weights loaded, 0 missing, 0 unused');
    expect(readFileSync(join(out, 'weights.bin')).equals(readFileSync(join(shipped, 'weights.bin')))).toBe(true);
  });
});
