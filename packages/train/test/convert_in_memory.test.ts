// SPDX-License-Identifier: MIT
// Conversion through the browser entry, without the file system: the real CCT-2/3x2 checkpoint handed over as an
// ArrayBuffer and as a Blob gives the upstream logits on CIFAR-10 images and the very model the Node path writes;
// the StyleNAT fixture converts from memory to the same generator weights as `convertCheckpoint` on the file.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedPath } from '../../../tests/support/shared_dir.js';
import { blobSource, bufferSource, convertModel, disposeConverted, loadStateDict, type ConvertedModel } from '../src/convert_entry.js';
import { encodeStyleNAT } from '@natzoo/models/advanced';
import { convertCheckpoint, loadModelDir, readCifarBinary, readNpy } from '../src/index.js';

const cct = sharedPath('fixtures', 'checkpoints', 'cct_2_3x2_32_cifar10', 'model_best.pth.tar');
const work = mkdtempSync(join(tmpdir(), 'natzoo-in-memory-'));
const IMAGES = 64;

beforeAll(async () => {
  await tf.setBackend('wasm');
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The first CIFAR-10 test images, normalised with the model's preprocessing, NHWC. */
async function cifarBatch(mean: readonly number[], std: readonly number[]): Promise<tf.Tensor4D> {
  const { pixels } = await readCifarBinary(sharedPath('data', 'cifar10', 'test_batch_first1017.bin'));
  const x = Float32Array.from(pixels.subarray(0, IMAGES * 32 * 32 * 3), (v, i) => (v / 255 - mean[i % 3]!) / std[i % 3]!);
  return tf.tensor4d(x, [IMAGES, 32, 32, 3]);
}

function classifier(converted: ConvertedModel) {
  if (converted.kind !== 'classifier') throw new Error(`expected a classifier, got ${converted.kind}`);
  return converted;
}

describe('convertModel from memory (the browser entry)', () => {
  const bytes = readFileSync(cct);
  const arrayBuffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);

  it.each([
    ['an ArrayBuffer', () => bufferSource(arrayBuffer, 'model_best.pth.tar')],
    ['a Blob', () => blobSource(new Blob([arrayBuffer]), 'model_best.pth.tar')],
  ])('CCT-2/3x2 from %s reproduces the upstream logits and the Node conversion', async (_what, source) => {
    const converted = classifier(await convertModel(source(), { model: 'cct_2_3x2_32.cifar10' }));
    const nodeDir = join(work, 'cct_node');
    try {
      expect([converted.report.loaded.length, converted.report.missing.length, converted.report.unused.length]).toEqual([31, 0, 0]);
      expect(converted.preprocess.source).toEqual({ checkpoint: 'model_best.pth.tar', sha256: '399ae58f526476800ac503a98c1f6d7df823d9377d505ca13fb6c181aec5e798' });
      const x = await cifarBatch(converted.preprocess.mean, converted.preprocess.std);
      const logits = converted.model.predict(x) as tf.Tensor;
      const ours = (await logits.data()) as Float32Array;
      const upstream = (await readNpy(sharedPath('fixtures', 'checkpoints', 'cct_2_3x2_32_cifar10', 'logits.npy'))).data as Float32Array;
      const worst = ours.reduce((m, v, i) => Math.max(m, Math.abs(v - upstream[i]!)), 0);
      expect(worst).toBeLessThan(1e-4);
      // The Node path (file in, directory out) gives the same model, bit for bit.
      await convertCheckpoint({ checkpoint: cct, model: 'cct_2_3x2_32.cifar10', out: nodeDir, overwrite: true });
      const { model: reference, preprocess } = await loadModelDir(nodeDir);
      expect(preprocess).toEqual(converted.preprocess);
      const expected = reference.predict(x) as tf.Tensor;
      expect(Array.from(ours)).toEqual(Array.from(await expected.data()));
      tf.dispose([x, logits, expected]);
      reference.dispose();
    } finally {
      disposeConverted(converted);
    }
  }, 120_000);

  it('takes a state_dict already in memory (no provenance then)', async () => {
    const stateDict = await loadStateDict(bufferSource(arrayBuffer));
    const converted = classifier(await convertModel(stateDict, { model: 'cct_2_3x2_32.cifar10' }));
    try {
      expect(converted.report.loaded).toHaveLength(31);
      expect(converted.source).toBeUndefined();
      expect(converted.preprocess.source).toBeUndefined();
    } finally {
      disposeConverted(converted);
    }
  }, 60_000);

  it('StyleNAT: g_ema, g and d from a buffer are the ones convertCheckpoint writes from the file', async () => {
    const dir = sharedPath('fixtures', 'models', 'stylenat_legacy_64');
    const fixture = JSON.parse(readFileSync(join(dir, 'fixture.json'), 'utf8')) as {
      generator: { constructor: { args: Record<string, unknown>; size: number }; channel_override: { in_channels: number } };
      discriminator: { constructor: { args: Record<string, unknown>; size: number }; channel_override: { channels: unknown } };
    };
    const config = {
      ...fixture.generator.constructor.args,
      size: fixture.generator.constructor.size,
      in_channels: fixture.generator.channel_override.in_channels,
      discriminator: { ...fixture.discriminator.constructor.args, size: fixture.discriminator.constructor.size, channels: fixture.discriminator.channel_override.channels },
    };
    const out = join(work, 'stylenat_node');
    const nodeReport = await convertCheckpoint({ checkpoint: join(dir, 'checkpoint.pt'), model: 'stylenat', config, out });
    const converted = await convertModel(blobSource(new Blob([readFileSync(join(dir, 'checkpoint.pt'))]), 'checkpoint.pt'), { model: 'stylenat', config });
    try {
      if (converted.kind !== 'stylenat') throw new Error(`expected StyleNAT, got ${converted.kind}`);
      expect(converted.report).toEqual(nodeReport);
      expect(nodeReport.missing).toEqual([]);
      expect(Object.keys(converted.modules).sort()).toEqual(['d', 'g', 'g_ema']);
      const { weightData } = await encodeStyleNAT(converted.modules, 'weights.bin');
      expect(Buffer.from(weightData).equals(readFileSync(join(out, 'weights.bin')))).toBe(true);
    } finally {
      disposeConverted(converted);
    }
  }, 180_000);
});
