// SPDX-License-Identifier: MIT
// The StyleNAT fixture on the webgpu backend (Dawn in Node; lavapipe on CI): generator image and discriminator
// logits against upstream, as on wasm and cpu. Skips with a printed reason when no adapter exists, unless
// NATZOO_REQUIRE_WEBGPU=1.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStyleNATDiscriminator, loadStyleNATDiscriminatorStateDict, loadStyleNATGeneratorStateDict } from '@natzoo/models';
import { loadStateDict, readNpy } from '@natzoo/train';
import '../../core/src/webgpu.js';
import { webgpuEnv } from '../../core/test/support/webgpu_env.js';
import { sharedPath } from '../../../tests/support/shared_dir.js';
import { fixture, fixtureGenerator } from './support/stylenat_fixture.js';

const env = await webgpuEnv();
const DIR = sharedPath('fixtures', 'models', 'stylenat_legacy_64');

async function npy(name: string): Promise<{ shape: number[]; data: Float32Array }> {
  const a = await readNpy(`${DIR}/${name}`);
  return { shape: a.shape, data: a.data as Float32Array };
}

const relative = (actual: ArrayLike<number>, expected: Float32Array) => {
  let maxAbs = 0;
  let scale = 0;
  expected.forEach((e, i) => ((maxAbs = Math.max(maxAbs, Math.abs(e - actual[i]!))), (scale = Math.max(scale, Math.abs(e)))));
  return maxAbs / scale;
};

describe.skipIf(!env.available)(`StyleNAT on webgpu (${env.reason})`, () => {
  let previous = '';
  beforeAll(async () => {
    previous = tf.getBackend();
    if (!(await tf.setBackend('webgpu'))) throw new Error('tf.setBackend(webgpu) failed');
  });
  afterAll(async () => {
    if (previous) await tf.setBackend(previous);
  });

  it('generator image matches upstream', async () => {
    const generator = fixtureGenerator();
    await loadStyleNATGeneratorStateDict(generator, await loadStateDict(`${DIR}/checkpoint.pt`, { key: 'g_ema' }));
    const z = await npy('z.npy');
    const out = generator.forward(tf.tensor2d(z.data, z.shape as [number, number]));
    const image = tf.transpose(out.image, [0, 3, 1, 2]);
    const error = relative(await image.data(), (await npy('image.npy')).data);
    console.log(`webgpu image: relative error ${error.toExponential(2)}`);
    expect(error).toBeLessThan(1e-4);
    tf.dispose([out.image, out.latents, image]);
    generator.dispose();
  });

  it('discriminator logits match upstream', async () => {
    const d = fixture.discriminator;
    const channels = Object.fromEntries(Object.entries(d.channel_override.channels).map(([k, v]) => [Number(k), v]));
    const disc = createStyleNATDiscriminator({ ...d.constructor.args, size: d.constructor.size, channels });
    await loadStyleNATDiscriminatorStateDict(disc, await loadStateDict(`${DIR}/checkpoint.pt`, { key: 'd' }));
    const x = await npy('image.npy');
    const logits = disc.call(tf.transpose(tf.tensor4d(x.data, x.shape as [number, number, number, number]), [0, 2, 3, 1]));
    const error = relative(await logits.data(), (await npy('disc_on_image.npy')).data);
    console.log(`webgpu discriminator: relative error ${error.toExponential(2)}`);
    expect(error).toBeLessThan(1e-4);
    logits.dispose();
    disc.dispose();
  });
});
