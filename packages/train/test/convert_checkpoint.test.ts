// SPDX-License-Identifier: MIT
// convertCheckpoint in process: the real CCT-2/3x2 checkpoint converted into a temporary directory reproduces
// the upstream logits and top-1 on the 1017 CIFAR-10 images, the directory is a standard tfjs LayersModel that
// tf.loadLayersModel reads over HTTP, preprocess.json follows the architecture, and failures write nothing.
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import '@natzoo/models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, sharedPath } from '../../../tests/support/shared_dir.js';
import { convertCheckpoint, loadModelDir, readNpy } from '../src/index.js';
import { evaluate } from '../../cli/src/evaluate.js';
import type { ModelPreprocess } from '../src/index.js';
import { f32Bytes, PickleWriter, stateDictPickle, torchZip } from './support/torch_files.js';

const fixture = (...parts: string[]) => sharedPath('fixtures', 'checkpoints', 'cct_2_3x2_32_cifar10', ...parts);
const work = mkdtempSync(join(tmpdir(), 'natzoo-convert-'));
const converted = join(work, 'cct_2_3x2_32.cifar10');

beforeAll(async () => {
  await tf.setBackend('wasm');
  const report = await convertCheckpoint({ checkpoint: fixture('model_best.pth.tar'), model: 'cct_2_3x2_32.cifar10', out: converted });
  expect([report.loaded.length, report.missing.length, report.unused.length]).toEqual([31, 0, 0]);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the real CCT-2/3x2 checkpoint, converted', () => {
  it('matches the upstream top-1 and logits on the 1017 CIFAR-10 images', async () => {
    const reference = JSON.parse(readFileSync(fixture('reference.json'), 'utf8')) as { top1: { correct: number; total: number } };
    const saved = join(work, 'logits.npy');
    const result = await evaluate({ model: converted, data: `cifar10:${sharedPath('data', 'cifar10', 'test_batch_first1017.bin')}`, saveLogits: saved, batchSize: 256 });
    const [ours, upstream] = [await readNpy(saved), await readNpy(fixture('logits.npy'))];
    expect(ours.shape).toEqual([1017, 10]);
    const expected = upstream.data as Float32Array;
    const worst = (ours.data as Float32Array).reduce((m, v, i) => Math.max(m, Math.abs(v - expected[i]!)), 0);
    console.log(`converted: top-1 ${result.correct1}/${result.count}, top-5 ${result.correct5}/${result.count}, max |logit diff| ${worst.toExponential(2)}`);
    expect(result.count).toBe(1017);
    expect([result.correct1, result.count]).toEqual([reference.top1.correct, reference.top1.total]);
    expect(result.correct1).toBe(612);
    expect(worst).toBeLessThan(1e-4);
  });

  it('writes preprocess.json with the CIFAR-10 preprocessing, class names and the source hash', () => {
    const pre = JSON.parse(readFileSync(join(converted, 'preprocess.json'), 'utf8')) as ModelPreprocess;
    expect(pre).toMatchObject({ model: 'cct_2_3x2_32.cifar10', inputSize: [3, 32, 32], mean: [0.4914, 0.4822, 0.4465], std: [0.247, 0.2435, 0.2616], cropPct: 1 });
    expect(pre.labels).toEqual(readFileSync(sharedPath('data', 'cifar10', 'batches.meta.txt'), 'utf8').trim().split('\n'));
    expect(pre.source).toEqual({ checkpoint: 'model_best.pth.tar', sha256: '399ae58f526476800ac503a98c1f6d7df823d9377d505ca13fb6c181aec5e798' });
  });

  it('is byte for byte the shipped checkpoints/cct_2_3x2_32.cifar10 (the committed files are this conversion)', () => {
    const shipped = join(repoRoot, 'checkpoints', 'cct_2_3x2_32.cifar10');
    for (const file of ['model.json', 'weights.bin', 'preprocess.json']) {
      expect(readFileSync(join(converted, file)).equals(readFileSync(join(shipped, file))), file).toBe(true);
    }
  });

  it('is a tfjs LayersModel directory that tf.loadLayersModel reads over HTTP', async () => {
    const server = createServer((request, response) => {
      const file = join(converted, (request.url ?? '/').slice(1));
      if (!existsSync(file)) return void response.writeHead(404).end();
      response.writeHead(200).end(readFileSync(file));
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    try {
      const model = await tf.loadLayersModel(`http://127.0.0.1:${(server.address() as AddressInfo).port}/model.json`);
      const { model: reference } = await loadModelDir(converted);
      const x = tf.randomNormal([2, 32, 32, 3], 0, 1, 'float32', 7);
      const [a, b] = [model.predict(x) as tf.Tensor, reference.predict(x) as tf.Tensor];
      expect(Array.from(await a.data())).toEqual(Array.from(await b.data()));
      tf.dispose([x, a, b]);
      model.dispose();
      reference.dispose();
    } finally {
      await new Promise<void>((done) => server.close(() => done()));
    }
  });
});

describe('preprocess.json follows the converted architecture', () => {
  const tiny = (name: string) => sharedPath('fixtures', 'models', name);
  const kwargs = (name: string) => (JSON.parse(readFileSync(join(tiny(name), 'config.json'), 'utf8')) as { constructor_kwargs: Record<string, unknown> }).constructor_kwargs;

  it('a custom size gets its own input size and timm defaults, not the base tag\'s CIFAR preprocessing', async () => {
    const out = join(work, 'cct_224');
    await convertCheckpoint({ checkpoint: join(tiny('cct_7x2_224_tiny'), 'checkpoint.pth'), model: 'cct_7_3x1_32', config: kwargs('cct_7x2_224_tiny'), out });
    const pre = JSON.parse(readFileSync(join(out, 'preprocess.json'), 'utf8')) as ModelPreprocess;
    expect(pre).toMatchObject({ inputSize: [3, 224, 224], mean: [0.485, 0.456, 0.406], cropPct: 0.875 });
    expect(pre.labels).toHaveLength(102);
  });

  it('--config may set mean, std, crop_pct, interpolation and labels (timm pretrained_cfg names)', async () => {
    const out = join(work, 'cct_custom_pre');
    const labels = Array.from({ length: 10 }, (_, i) => `c${i}`);
    const config = { ...kwargs('cct_3x1_32_tiny'), mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25], crop_pct: 0.9, interpolation: 'bilinear', labels };
    await convertCheckpoint({ checkpoint: join(tiny('cct_3x1_32_tiny'), 'checkpoint.pth'), model: 'cct_7_3x1_32', config, out });
    const pre = JSON.parse(readFileSync(join(out, 'preprocess.json'), 'utf8')) as ModelPreprocess;
    expect(pre).toMatchObject({ mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25], cropPct: 0.9, interpolation: 'bilinear', labels });
  });

  it('rejects a malformed preprocessing key, naming it', async () => {
    const out = join(work, 'bad_pre');
    const config = { ...kwargs('cct_3x1_32_tiny'), std: [0.2, 0, 0.2] };
    await expect(convertCheckpoint({ checkpoint: join(tiny('cct_3x1_32_tiny'), 'checkpoint.pth'), model: 'cct_7_3x1_32', config, out })).rejects.toThrow(/config\.std: expected three positive numbers/);
    expect(existsSync(out)).toBe(false);
  });
});

describe('a failed conversion leaves nothing behind', () => {
  // Dot folders beside the outputs, except the versions that converted directories link to.
  const leftovers = () => {
    const names = readdirSync(work);
    const current = new Set(names.flatMap((name) => (lstatSync(join(work, name)).isSymbolicLink() ? [readlinkSync(join(work, name))] : [])));
    return names.filter((name) => name.startsWith('.') && !current.has(name));
  };

  it.each([
    ['a pickle naming builtins.eval', () => torchZip(new PickleWriter().proto(2).global('builtins', 'eval').text("(S'1+1'\ntR.").bytes(), {}), /refusing pickle global 'builtins\.eval'/],
    ['a bogus numClasses', null, /numClasses 2\.5: expected a positive integer/],
    ['an unknown model name', null, /unknown model 'cct_2_3x2_23'.*cct_2_3x2_32/s],
  ] as const)('%s', async (what, bytes, message) => {
    const file = join(work, `${what.replace(/\W+/g, '_')}.pth`);
    writeFileSync(file, bytes === null ? readFileSync(fixture('model_best.pth.tar')) : bytes());
    const out = join(work, `${what.replace(/\W+/g, '_')}_out`);
    const model = what === 'an unknown model name' ? 'cct_2_3x2_23' : 'cct_2_3x2_32.cifar10';
    const numClasses = what === 'a bogus numClasses' ? 2.5 : undefined;
    await expect(convertCheckpoint({ checkpoint: file, model, out, numClasses })).rejects.toThrow(message);
    expect(existsSync(out)).toBe(false);
    expect(leftovers()).toEqual([]);
  });

  it('a failure with --overwrite keeps the old directory intact', async () => {
    const before = readFileSync(join(converted, 'weights.bin'));
    const bogus = join(work, 'bogus_keys.pth');
    const spec = { name: 'bogus.weight', storageClass: 'FloatStorage', key: '0', storageNumel: 4, shape: [4], stride: [1] };
    writeFileSync(bogus, torchZip(stateDictPickle([spec]), { '0': f32Bytes([1, 2, 3, 4]) }));
    await expect(convertCheckpoint({ checkpoint: bogus, model: 'cct_2_3x2_32.cifar10', out: converted, overwrite: true })).rejects.toThrow(/bogus\.weight/);
    expect(readFileSync(join(converted, 'weights.bin')).equals(before)).toBe(true);
    expect(leftovers()).toEqual([]);
  });

  it('refuses an existing --out without --overwrite', async () => {
    await expect(convertCheckpoint({ checkpoint: fixture('model_best.pth.tar'), model: 'cct_2_3x2_32.cifar10', out: converted })).rejects.toThrow(/out .* already exists; pass overwrite: true \(--overwrite\)/);
  });
});
