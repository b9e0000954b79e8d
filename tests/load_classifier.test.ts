// SPDX-License-Identifier: MIT
// loadClassifier in Node on the shipped CCT-2 (CIFAR-10): loaded through a tfjs IOHandler built from its files
// and over loopback HTTP, classifying the shipped samples decoded to raw RGB pixels. The reference is the
// upstream logits of those CIFAR-10 test records. (The CLI classifies through loadClassifier itself, so it is
// no independent reference; tests/cli_classify.test.ts checks its output against upstream too.)
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadClassifier, ModelArgumentError, PreprocessError } from '@natzoo/models';
import type { Classifier } from '@natzoo/models';
import { decodeImageFile, readNpy } from '@natzoo/train';
import { repoRoot, sharedPath } from './support/shared_dir.js';

const MODEL_DIR = resolve(repoRoot, 'checkpoints/cct_2_3x2_32.cifar10');
const SAMPLES = ['0_cat', '1_ship', '2_ship', '3_airplane', '4_frog', '5_frog', '6_automobile', '7_frog'].map((name) => resolve(repoRoot, 'checkpoints/samples', `${name}.png`));
const preprocessJson = () => JSON.parse(readFileSync(join(MODEL_DIR, 'preprocess.json'), 'utf8')) as object;

/** A tfjs IOHandler over the directory's model.json and weight shards. */
function dirHandler(dir: string): tf.io.IOHandler {
  const modelJson = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as { modelTopology: object; weightsManifest: tf.io.WeightsManifestConfig };
  const shards = modelJson.weightsManifest.flatMap((group) => group.paths).map((path) => readFileSync(join(dir, path)));
  const weightData = shards.map((b) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
  return tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs: modelJson.weightsManifest.flatMap((group) => group.weights), weightData });
}

/** Softmax of upstream's logits for CIFAR-10 test record n (= sample n). */
let upstream: Float32Array;
const upstreamProbs = (n: number) => {
  const row = Array.from(upstream.subarray(n * 10, n * 10 + 10));
  const max = Math.max(...row);
  const exps = row.map((v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
};

let server: Server;
let baseUrl: string;

beforeAll(async () => {
  await tf.setBackend('wasm');
  upstream = (await readNpy(sharedPath('fixtures', 'checkpoints', 'cct_2_3x2_32_cifar10', 'logits.npy'))).data as Float32Array;
  server = createServer((request, response) => {
    try {
      const body = readFileSync(join(repoRoot, 'checkpoints', decodeURIComponent(new URL(request.url!, 'http://x').pathname)));
      response.writeHead(200).end(body);
    } catch {
      response.writeHead(404, 'Not Found').end();
    }
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((done) => server.close(() => done())));

describe('loadClassifier', () => {
  let classifier: Classifier;
  beforeAll(async () => {
    classifier = await loadClassifier(dirHandler(MODEL_DIR), { preprocess: preprocessJson() });
  });
  afterAll(() => classifier.dispose());

  it('classifies the shipped samples like upstream (IOHandler source, raw RGB pixels)', async () => {
    expect(classifier.labels).toEqual(readFileSync(sharedPath('data/cifar10/batches.meta.txt'), 'utf8').trim().split('\n'));
    for (const [n, path] of SAMPLES.entries()) {
      const top = await classifier.classify(await decodeImageFile(path), { topk: 10 });
      const want = upstreamProbs(n);
      expect(top[0]!.index, path).toBe(want.indexOf(Math.max(...want)));
      for (const { index, probability, className } of top) {
        expect(className).toBe(classifier.labels[index]);
        expect(Math.abs(probability - want[index]!), `${path} class ${index}`).toBeLessThan(1e-4);
      }
      top.slice(1).forEach((t, i) => expect(t.probability).toBeLessThanOrEqual(top[i]!.probability));
    }
    expect((await classifier.classify(await decodeImageFile(SAMPLES[0]!))).length).toBe(5);
    expect((await classifier.classify(await decodeImageFile(SAMPLES[0]!), { topk: 3 })).map((t) => t.className)[0]).toBe('cat');
  });

  it('takes a tf.Tensor3D of RGB bytes and RGBA PixelData, and predict gives the logits of a batch', async () => {
    const rgb = await decodeImageFile(SAMPLES[4]!);
    const fromRaw = await classifier.classify(rgb, { topk: 3 });
    const tensor = tf.tensor3d(rgb.data, [32, 32, 3], 'int32');
    expect(await classifier.classify(tensor, { topk: 3 })).toEqual(fromRaw);
    tensor.dispose();
    const rgba = new Uint8Array(32 * 32 * 4).map((_, i) => (i % 4 === 3 ? 255 : rgb.data[Math.floor(i / 4) * 3 + (i % 4)]!));
    expect(await classifier.classify({ data: rgba, width: 32, height: 32 }, { topk: 3 })).toEqual(fromRaw);

    const inputs = await Promise.all(SAMPLES.slice(0, 3).map(async (path) => classifier.preprocessImage(await decodeImageFile(path))));
    const batch = tf.concat(inputs) as tf.Tensor4D;
    const logits = classifier.predict(batch);
    expect(logits.shape).toEqual([3, 10]);
    Array.from(await logits.data()).forEach((v, i) => expect(Math.abs(v - upstream[i]!)).toBeLessThan(1e-4));
    tf.dispose([batch, logits, ...inputs]);
  });

  it('loads over HTTP from the directory URL or the model.json URL, reading preprocess.json beside it', async () => {
    const rgb = await decodeImageFile(SAMPLES[3]!);
    for (const url of [`${baseUrl}/cct_2_3x2_32.cifar10`, `${baseUrl}/cct_2_3x2_32.cifar10/model.json`]) {
      const overHttp = await loadClassifier(url);
      expect(overHttp.preprocess.model).toBe('cct_2_3x2_32.cifar10');
      expect(await overHttp.classify(rgb)).toEqual(await classifier.classify(rgb));
      overHttp.dispose();
    }
    await expect(loadClassifier(`${baseUrl}/nothing/`)).rejects.toThrow(`cannot fetch ${baseUrl}/nothing/preprocess.json: HTTP 404 Not Found`);
  });

  it('says what is missing or wrong', async () => {
    await expect(loadClassifier(dirHandler(MODEL_DIR))).rejects.toThrow('loadClassifier: an IOHandler needs options.preprocess');
    await expect(loadClassifier(dirHandler(MODEL_DIR), { preprocess: { ...preprocessJson(), cropPct: 0 } })).rejects.toThrow(PreprocessError);
    await expect(loadClassifier(dirHandler(MODEL_DIR), { preprocess: { ...preprocessJson(), labels: ['a', 'b'] } })).rejects.toThrow(
      'preprocess.json names 2 classes but the IOHandler has 10 outputs',
    );
    const tag = loadClassifier('cct_2_3x2_32.cifar10');
    await expect(tag).rejects.toThrow(ModelArgumentError);
    await expect(tag).rejects.toThrow(/'cct_2_3x2_32\.cifar10' is a pretrained tag; pass options\.modelUrl/);
    await expect(classifier.classify(await decodeImageFile(SAMPLES[0]!), { topk: 0 })).rejects.toThrow('classify: topk must be a positive integer; got 0');
    await expect(classifier.classify(tf.zeros([32, 32]) as unknown as tf.Tensor3D)).rejects.toThrow('classify: an image tensor must be [height, width, 3] RGB; got shape [32, 32]');
  });

  it('a pretrained tag with options.modelUrl gets the published preprocessing', async () => {
    const fromTag = await loadClassifier('cct_2_3x2_32.cifar10', { modelUrl: `${baseUrl}/cct_2_3x2_32.cifar10/` });
    const { model: _name, source: _source, ...published } = preprocessJson() as Record<string, unknown>;
    expect(fromTag.preprocess).toMatchObject(published);
    expect(fromTag.preprocess.model).toBe('cct_2_3x2_32.cifar10');
    fromTag.dispose();
  });
});
