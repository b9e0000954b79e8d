// SPDX-License-Identifier: MIT
// Model directories as 4 MB weight shards (tfjs converter naming) and float16 / uint8 quantization on save: the
// DiNAT fixture (18 blocks, about 4.6 MB of float32 weights) is converted with each option, loaded back with
// plain tf.loadLayersModel, and its logits compared with the fixture's upstream logits.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertCheckpoint, loadModelDir, readNpy } from '../src/index.js';
import { SHARD_BYTES } from '../src/advanced.js';
import { sharedPath } from '../../../tests/support/shared_dir.js';

const fixture = sharedPath('fixtures', 'models', 'dinat_mini_pattern_224');
const config = (JSON.parse(readFileSync(join(fixture, 'fixture.json'), 'utf8')) as { constructor_kwargs: Record<string, unknown> }).constructor_kwargs;

describe('weight shards and quantization on save', () => {
  const work = mkdtempSync(join(tmpdir(), 'natzoo-shards-'));
  let expected: Float32Array;
  let input: tf.Tensor4D;
  beforeAll(async () => {
    if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend failed to initialise');
    expected = (await readNpy(join(fixture, 'logits.npy'))).data as Float32Array;
    const x = await readNpy(join(fixture, 'input.npy'));
    input = tf.tidy(() => tf.tensor4d(x.data as Float32Array, x.shape as [number, number, number, number]).transpose([0, 2, 3, 1]));
  });
  afterAll(() => {
    input?.dispose();
    rmSync(work, { recursive: true, force: true });
  });

  const bytesOf = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.bin')).reduce((n, f) => n + statSync(join(dir, f)).size, 0);

  it.each([
    ['float32', undefined, 1e-4],
    ['float16', 'float16', 5e-3],
    ['uint8', 'uint8', 1e-1],
  ] as const)('%s: 4 MB shards (quantize: %s) that load back to the fixture logits within %s of max |logit|', async (name, quantize, tolerance) => {
    const out = join(work, name);
    await convertCheckpoint({ checkpoint: join(fixture, 'state_dict.pth'), model: 'dinat_mini', config, out, ...(quantize ? { quantize } : {}) });
    const manifest = (JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')) as { weightsManifest: { paths: string[]; weights: { quantization?: { dtype: string } }[] }[] }).weightsManifest[0]!;
    const total = bytesOf(out);
    const count = Math.ceil(total / SHARD_BYTES);
    expect(manifest.paths).toEqual(count === 1 ? ['weights.bin'] : Array.from({ length: count }, (_, i) => `group1-shard${i + 1}of${count}.bin`));
    for (const [i, path] of manifest.paths.entries()) expect(statSync(join(out, path)).size).toBe(i < count - 1 ? SHARD_BYTES : total - SHARD_BYTES * (count - 1));
    if (quantize) expect(manifest.weights.some((w) => w.quantization?.dtype === quantize)).toBe(true);
    const { model } = await loadModelDir(out);
    const logits = model.predict(input) as tf.Tensor;
    const ours = (await logits.data()) as Float32Array;
    logits.dispose();
    model.dispose();
    const scale = expected.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    const error = ours.reduce((m, v, i) => Math.max(m, Math.abs(v - expected[i]!)), 0) / scale;
    console.log(`dinat fixture, ${name}: ${total} weight bytes in ${manifest.paths.length} file(s), max |dlogit| ${error.toExponential(2)} of max |logit|`);
    expect(error).toBeLessThan(tolerance);
  });

  it('float16 halves and uint8 quarters the float32 bytes', () => {
    const f32 = bytesOf(join(work, 'float32'));
    expect(f32).toBeGreaterThan(SHARD_BYTES);
    expect(Math.abs(bytesOf(join(work, 'float16')) - f32 / 2)).toBeLessThan(f32 * 0.01);
    expect(Math.abs(bytesOf(join(work, 'uint8')) - f32 / 4)).toBeLessThan(f32 * 0.01);
  });
});
