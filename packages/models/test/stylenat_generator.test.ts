// SPDX-License-Identifier: MIT
// The StyleNAT generator against upstream: the stylenat_legacy_64 fixture (upstream Generator, legacy split-head
// NA, FFHQ kernel/dilation lists, random perturbed weights) is rebuilt from fixture.json, its `g_ema` converted,
// and w, every intermediate and the image must match upstream's float64 outputs to 1e-4 of their scale.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStyleNATGenerator, loadStyleNATGeneratorStateDict, WeightPortError } from '@natzoo/models';
import { exportParamSet, generatorPlan, STYLENAT_FFHQ1024, STYLENAT_FFHQ256 } from '@natzoo/models/advanced';
import type { StyleNATGenerator } from '@natzoo/models';
import { loadStateDict, readNpy } from '@natzoo/train';
import { sharedPath } from '../../../tests/support/shared_dir.js';
import { fixture, fixtureGenerator } from './support/stylenat_fixture.js';

const DIR = sharedPath('fixtures', 'models', 'stylenat_legacy_64');

async function npy(name: string): Promise<{ shape: number[]; data: Float32Array }> {
  const a = await readNpy(`${DIR}/${name}`);
  if (!(a.data instanceof Float32Array)) throw new Error(`${name}: expected float32`);
  return { shape: a.shape, data: a.data };
}

function relativeError(actual: ArrayLike<number>, expected: Float32Array): { maxAbs: number; scale: number; relative: number } {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} != ${expected.length}`);
  let maxAbs = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    maxAbs = Math.max(maxAbs, Math.abs(actual[i]! - expected[i]!));
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  return { maxAbs, scale, relative: maxAbs / scale };
}

describe.each(['wasm', 'cpu'])('StyleNAT generator on %s', (backend) => {
  let generator: StyleNATGenerator;

  beforeAll(async () => {
    if (!(await tf.setBackend(backend))) throw new Error(`the ${backend} backend failed to initialise`);
    generator = fixtureGenerator();
    const report = await loadStyleNATGeneratorStateDict(generator, await loadStateDict(`${DIR}/checkpoint.pt`, { key: 'g_ema' }));
    expect(report.loaded.length).toBe(generator.params.specs.size);
    expect(report.ignored.map((i) => i.key).filter((k) => k.endsWith('relative_position_index'))).toHaveLength(2);
  });
  afterAll(() => generator.dispose());

  it('has upstream\'s parameter count', () => {
    expect(generator.countParams()).toBe(fixture.generator.param_count);
  });

  it('matches upstream w, intermediates and image', async () => {
    const z = await npy('z.npy');
    const intermediates = new Map<string, tf.Tensor>();
    const { latents, image } = tf.tidy(() => {
      const out = generator.forward(tf.tensor2d(z.data, z.shape as [number, number]));
      return { latents: out.latents, image: tf.transpose(out.image, [0, 3, 1, 2]) };
    });
    const rows: [string, ReturnType<typeof relativeError>][] = [];
    rows.push(['latents', relativeError(latents.dataSync(), (await npy('latents.npy')).data)]);
    tf.tidy(() => void generator.synthesis(latents, { intermediates }));
    for (const [name, tensor] of intermediates) rows.push([name, relativeError(tensor.dataSync(), (await npy(`intermediates/${name}.npy`)).data)]);
    rows.push(['image', relativeError(image.dataSync(), (await npy('image.npy')).data)]);
    for (const [name, e] of rows) console.log(`${backend} ${name}: max |diff| ${e.maxAbs.toExponential(2)} / scale ${e.scale.toFixed(3)} = ${e.relative.toExponential(2)}`);
    for (const [, e] of rows) expect(e.relative).toBeLessThan(1e-4);
    tf.dispose([latents, image, ...intermediates.values()]);
  });
});

describe('StyleNAT generator conversion', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });

  it('g and g_ema differ, and picking g gives another image', async () => {
    const generator = fixtureGenerator();
    await loadStyleNATGeneratorStateDict(generator, await loadStateDict(`${DIR}/checkpoint.pt`, { key: 'g' }));
    const z = await npy('z.npy');
    const image = tf.tidy(() => tf.transpose(generator.forward(tf.tensor2d(z.data, z.shape as [number, number])).image, [0, 3, 1, 2]).dataSync());
    expect(relativeError(image, (await npy('image.npy')).data).relative).toBeGreaterThan(1e-2);
    generator.dispose();
  });

  it('refuses a state_dict for another configuration before writing anything', async () => {
    const stateDict = await loadStateDict(`${DIR}/checkpoint.pt`, { key: 'g_ema' });
    const other = createStyleNATGenerator('ffhq256', { ...fixture.generator.constructor.args, size: 64, in_channels: [64, 64, 64, 48, 48] });
    const before = other.params.get('input.input').dataSync().slice();
    await expect(loadStyleNATGeneratorStateDict(other, stateDict)).rejects.toThrow(WeightPortError);
    expect(other.params.get('input.input').dataSync()).toEqual(before);
    other.dispose();
  });

  it('exports back to the exact upstream tensors', async () => {
    const stateDict = await loadStateDict(`${DIR}/checkpoint.pt`, { key: 'g_ema' });
    const generator = fixtureGenerator();
    await loadStyleNATGeneratorStateDict(generator, stateDict);
    const exported = exportParamSet(generator.params);
    for (const [key, tensor] of exported) {
      const source = stateDict.get(key)!;
      expect(tensor.shape).toEqual(source.shape);
      expect(tensor.data).toEqual(await source.toFloat32());
    }
    generator.dispose();
  });

  it('builds the FFHQ configurations with upstream\'s parameter counts', () => {
    // README: 48.92M (FFHQ-256) and 49.45M (FFHQ-1024); models.md recomputes 48.921M / 49.453M from the code.
    for (const [config, millions] of [[STYLENAT_FFHQ256, 48.92], [STYLENAT_FFHQ1024, 49.45]] as const) {
      const plan = generatorPlan('test', config);
      const g = createStyleNATGenerator(config);
      expect(plan.length).toBe(Math.log2(config.size) - 1);
      expect(Math.round(g.countParams() / 1e4) / 100).toBe(millions);
      g.dispose();
    }
  });

  it('Hydra NA (non-legacy): uneven head splits get upstream\'s rpb.<i> shapes and survive an export/load round trip', async () => {
    const overrides = { size: 16, style_dim: 16, n_mlp: 2, in_channels: [96, 96, 96], min_heads: 1, legacy: false, kernels: [[3], [7], [7, 5]], dilations: [[1], [1], [1, 2]] };
    const a = createStyleNATGenerator('ffhq256', overrides);
    // 3 heads in 2 splits: upstream gives the extra head to the last split.
    expect(a.params.specs.get('layers.2.blocks.0.attn.rpb.0')!.torchShape).toEqual([1, 13, 13]);
    expect(a.params.specs.get('layers.2.blocks.0.attn.rpb.1')!.torchShape).toEqual([2, 9, 9]);
    expect(a.params.has('layers.1.blocks.0.attn.rpb.1')).toBe(false);
    const b = createStyleNATGenerator('ffhq256', overrides);
    await loadStyleNATGeneratorStateDict(b, new Map([...exportParamSet(a.params)].map(([k, t]) => [k, { shape: t.shape, toFloat32: () => t.data }])));
    const z = tf.randomNormal([2, 16], 0, 1, 'float32', 11) as tf.Tensor2D;
    const [ia, ib] = [a.forward(z).image, b.forward(z).image];
    expect(ib.dataSync()).toEqual(ia.dataSync());
    tf.dispose([z, ia, ib]);
    a.dispose();
    b.dispose();
  });
});
