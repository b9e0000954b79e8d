// SPDX-License-Identifier: MIT
// NAT, DiNAT, DiNAT_s and isotropic NAT / DiNAT / ViT-rpb against the upstream PyTorch code: each fixture (built by
// upstream with perturbed random weights, see fixtures/models/README.md) is rebuilt from its constructor kwargs,
// its state_dict is read with @natzoo/train and converted with the family's loader, and the logits and every
// intermediate the fixture stores must match to 1e-4 of their scale.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyStateDict, createModel } from '@natzoo/models';
import type { ModelName } from '@natzoo/models';
import { loadStateDict } from '@natzoo/train';
import { baseModelFor, readFloat32, scaledError } from './support/model_fixtures.js';
import { sharedPath } from './support/shared_dir.js';

beforeAll(async () => {
  if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend failed to initialise');
});

interface NATFixture {
  upstream_class: string;
  constructor_kwargs: Record<string, unknown>;
  param_count: number;
  intermediates: { shapes: Record<string, number[]> };
}

const FIXTURES = ['nat_k3_96', 'nat_k7_224', 'nat_k7_224_layerscale', 'dinat_mini_pattern_224', 'dinat_s_tiny_pattern_224', 'dinat_isotropic_224', 'vitrpb_224'];

/** Our layer whose output is the fixture's intermediate `name` (a stage includes its downsampler). */
function tapFor(model: tf.LayersModel, name: string): string {
  if (name === 'pre_logits') return 'avgpool';
  if (name === 'patch_embed') return 'patch_embed.norm';
  const names = model.layers.map((l) => l.name);
  const stage = name.replace('.', '\\.');
  const downsample = names.filter((n) => new RegExp(`^${stage}\\.downsample\\.`).test(n)).pop();
  if (downsample !== undefined) return downsample;
  const blocks = names.filter((n) => new RegExp(`^${stage}(\\.blocks\\.\\d+)?$`).test(n));
  if (blocks.length === 0) throw new Error(`no layer for intermediate ${name}`);
  return blocks[blocks.length - 1]!;
}

describe('NAT-family upstream fixtures', () => {
  it.each(FIXTURES)('%s matches the upstream logits and intermediates', async (name) => {
    const dir = sharedPath('fixtures', 'models', name);
    const fixture = JSON.parse(readFileSync(`${dir}/fixture.json`, 'utf8')) as NATFixture;
    const base = baseModelFor(fixture.upstream_class) as ModelName;
    const input = await readFloat32(`${dir}/input.npy`);
    // NAT / DiNAT / DiNAT_s take any size upstream; our layer shapes are fixed at build time, from the input.
    const kwargs = { ...fixture.constructor_kwargs };
    if (!('img_size' in kwargs)) kwargs['imgSize'] = input.shape[2];
    const model = createModel(base, kwargs as never);
    expect(model.countParams()).toBe(fixture.param_count);
    const report = await applyStateDict(base, model, await loadStateDict(`${dir}/state_dict.pth`));
    expect([report.missing, report.unused, report.shapeMismatch, report.rejected]).toEqual([[], [], [], []]);

    const taps = Object.keys(fixture.intermediates.shapes);
    const probe = tf.model({ inputs: model.inputs, outputs: [...taps.map((t) => model.getLayer(tapFor(model, t)).output as tf.SymbolicTensor), model.outputs[0]!] });
    const outputs = tf.tidy(() => probe.predict(tf.transpose(tf.tensor(input.data, input.shape), [0, 2, 3, 1])) as tf.Tensor[]);
    const rows: string[] = [];
    for (const [i, tap] of [...taps, 'logits'].entries()) {
      const expected = await readFloat32(`${dir}/${tap === 'logits' ? 'logits' : `intermediates/${tap}`}.npy`);
      const actual = outputs[i]!;
      expect(actual.shape).toEqual(expected.shape);
      const { maxAbs, relative } = scaledError(actual.dataSync(), expected.data);
      rows.push(`${tap} ${maxAbs.toExponential(2)}/${relative.toExponential(2)}`);
      expect(relative, `${name} ${tap}`).toBeLessThan(1e-4);
    }
    console.log(`${name} (max abs / relative): ${rows.join(', ')}`);
    tf.dispose(outputs);
    model.dispose();
  });
});
