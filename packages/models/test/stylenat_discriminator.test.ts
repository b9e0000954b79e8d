// SPDX-License-Identifier: MIT
// The StyleNAT discriminator (spectral norm, Haar wavelets, blur downsampling, minibatch stddev) against upstream:
// the stylenat_legacy_64 fixture's `d` is converted and run on the fixture's generated and random images; the
// logits must match upstream's to 1e-4 of their scale. Also: the Haar pair inverts exactly, and spectral-norm
// power iteration converges to the largest singular value.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStyleNATDiscriminator, loadStyleNATDiscriminatorStateDict } from '@natzoo/models';
import { haarTransform, inverseHaarTransform } from '@natzoo/models/advanced';
import type { StyleNATDiscriminator } from '@natzoo/models';
import { loadStateDict, readNpy } from '@natzoo/train';
import { sharedPath } from '../../../tests/support/shared_dir.js';

const DIR = sharedPath('fixtures', 'models', 'stylenat_legacy_64');
const fixture = JSON.parse(readFileSync(`${DIR}/fixture.json`, 'utf8')) as {
  discriminator: { constructor: { size: number; args: Record<string, unknown> }; channel_override: { channels: Record<string, number> }; param_count: number };
};

async function npy(name: string): Promise<{ shape: number[]; data: Float32Array }> {
  const a = await readNpy(`${DIR}/${name}`);
  if (!(a.data instanceof Float32Array)) throw new Error(`${name}: expected float32`);
  return { shape: a.shape, data: a.data };
}

function fixtureDiscriminator(): StyleNATDiscriminator {
  const d = fixture.discriminator;
  const channels = Object.fromEntries(Object.entries(d.channel_override.channels).map(([k, v]) => [Number(k), v]));
  return createStyleNATDiscriminator({ ...d.constructor.args, size: d.constructor.size, channels });
}

describe.each(['wasm', 'cpu'])('StyleNAT discriminator on %s', (backend) => {
  let d: StyleNATDiscriminator;
  beforeAll(async () => {
    if (!(await tf.setBackend(backend))) throw new Error(`the ${backend} backend failed to initialise`);
    d = fixtureDiscriminator();
    const report = await loadStyleNATDiscriminatorStateDict(d, await loadStateDict(`${DIR}/checkpoint.pt`, { key: 'd' }));
    expect(report.unused).toEqual([]);
    expect(report.ignored.length).toBeGreaterThan(0);
  });
  afterAll(() => d.dispose());

  it('has upstream\'s parameter count', () => {
    expect(d.countParams()).toBe(fixture.discriminator.param_count);
  });

  it.each([
    ['image.npy', 'disc_on_image.npy'],
    ['disc_input_random.npy', 'disc_on_random.npy'],
  ])('D(%s) matches %s', async (input, output) => {
    const x = await npy(input);
    const expected = await npy(output);
    const logits = tf.tidy(() => d.call(tf.transpose(tf.tensor4d(x.data, x.shape as [number, number, number, number]), [0, 2, 3, 1])).dataSync());
    const scale = Math.max(...expected.data.map(Math.abs));
    const maxAbs = Math.max(...expected.data.map((e, i) => Math.abs(e - logits[i]!)));
    console.log(`${backend} D(${input}): ours [${[...logits].map((v) => v.toFixed(6))}], upstream [${[...expected.data].map((v) => v.toFixed(6))}], max |diff| ${maxAbs.toExponential(2)}, relative ${(maxAbs / scale).toExponential(2)}`);
    expect(maxAbs / scale).toBeLessThan(1e-4);
  });
});

describe('discriminator pieces', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('the inverse Haar transform undoes the Haar transform', () => {
    const x = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 7) as tf.Tensor4D;
    const back = inverseHaarTransform(haarTransform(x));
    expect(tf.max(tf.abs(tf.sub(back, x))).dataSync()[0]).toBeLessThan(1e-5);
  });

  it('power iteration drives sigma to the largest singular value', () => {
    const d = createStyleNATDiscriminator({ size: 16, channels: { 4: 8, 8: 8, 16: 8 } });
    for (let i = 0; i < 200; i++) d.updateSpectralNorm();
    // sigma = u . (W v) for final_linear.2 ([8] -> [1]): the norm of its single row.
    const w = d.params.get('final_linear.2.weight_orig');
    const u = d.params.get('final_linear.2.weight_u');
    const v = d.params.get('final_linear.2.weight_v');
    const sigma = tf.tidy(() => tf.sum(tf.mul(u, tf.matMul(tf.transpose(w), tf.expandDims(v, 1)).squeeze([1]))).dataSync()[0]!);
    const norm = tf.tidy(() => tf.norm(w).dataSync()[0]!);
    expect(Math.abs(sigma - norm) / norm).toBeLessThan(1e-5);
    d.dispose();
  });
});
