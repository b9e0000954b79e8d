// SPDX-License-Identifier: MIT
// The HuggingFace `transformers` naming of NAT / DiNAT (NatForImageClassification / DinatForImageClassification,
// e.g. shi-labs/nat-mini-in1k-224). The test renames a fixture's upstream state_dict into transformers names
// (q/k/v split out of qkv, gamma1/gamma2 packed into layer_scale_parameters [2, dim], the names of
// transformers' modeling_nat.py / modeling_dinat.py); `natzoo convert` must detect the naming, map it back and
// reproduce the fixture's logits.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNpy, writeSafetensors, writeTorchCheckpoint, OrderedDictToSave } from '@natzoo/train';
import { convertCli } from '../packages/cli/src/commands/convert.js';
import { predict } from '../packages/cli/src/predict.js';
import { toTransformersNames } from './support/hf_naming.js';
import { sharedPath } from './support/shared_dir.js';

beforeAll(async () => {
  if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend failed to initialise');
});

describe('natzoo convert on transformers-named NAT / DiNAT state_dicts', () => {
  const work = mkdtempSync(join(tmpdir(), 'natzoo-hf-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it.each([
    ['nat_k7_224_layerscale', 'nat_mini', 'nat.', 'safetensors'],
    ['dinat_mini_pattern_224', 'dinat_mini', 'dinat.', 'pth'],
  ] as const)('%s as %s, keys under %s, in a .%s file', async (name, model, prefix, format) => {
    const dir = sharedPath('fixtures', 'models', name);
    const fixture = JSON.parse(readFileSync(join(dir, 'fixture.json'), 'utf8')) as { constructor_kwargs: object };
    const config = join(work, `${name}.json`);
    writeFileSync(config, JSON.stringify(fixture.constructor_kwargs));
    const hf = await toTransformersNames(join(dir, 'state_dict.pth'), prefix);
    expect([...hf.keys()].some((k) => k.includes('attention.self.query'))).toBe(true);
    if (name.includes('layerscale')) expect([...hf.keys()].some((k) => k.endsWith('layer_scale_parameters'))).toBe(true);
    const file = join(work, `${name}.${format}`);
    if (format === 'safetensors') await writeSafetensors(file, hf);
    else await writeTorchCheckpoint(file, new OrderedDictToSave(hf));

    const out = join(work, name);
    const lines: string[] = [];
    const report = await convertCli([file, '--model', model, '--config', config, '--out', out], (l) => lines.push(l));
    expect(report.naming).toBe('transformers');
    expect(lines[0]).toMatch(/0 missing, 0 unused.*transformers names renamed/);

    const y = join(work, `${name}.npy`);
    await predict({ model: out, input: join(dir, 'input.npy'), out: y, layout: 'nchw' });
    const expected = (await readNpy(join(dir, 'logits.npy'))).data as Float32Array;
    const ours = (await readNpy(y)).data as Float32Array;
    const scale = expected.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    const worst = ours.reduce((m, v, i) => Math.max(m, Math.abs(v - expected[i]!)), 0);
    console.log(`${name} (transformers names): max |diff| ${worst.toExponential(2)}, ${(worst / scale).toExponential(2)} of max |logit|`);
    expect(worst / scale).toBeLessThan(1e-4);
  });

  it('refuses transformers names it has no upstream counterpart for, and a non-NAT --model, writing nothing', async () => {
    const dir = sharedPath('fixtures', 'models', 'nat_k7_224');
    const config = join(work, 'k7.json');
    writeFileSync(config, JSON.stringify((JSON.parse(readFileSync(join(dir, 'fixture.json'), 'utf8')) as { constructor_kwargs: object }).constructor_kwargs));
    const hf = await toTransformersNames(join(dir, 'state_dict.pth'), 'nat.');
    // NatBackbone's per-stage norms have no place in the classifier.
    hf.set('hidden_states_norms.stage1.weight', { dtype: 'float32', shape: [16], data: new Float32Array(16) });
    const file = join(work, 'backbone.safetensors');
    await writeSafetensors(file, hf);
    const out = join(work, 'refused');
    await expect(convertCli([file, '--model', 'nat_mini', '--config', config, '--out', out], () => undefined)).rejects.toThrow(/no upstream counterpart: hidden_states_norms\.stage1\.weight/);
    await expect(convertCli([file, '--model', 'convmlp_s', '--out', out], () => undefined)).rejects.toThrow(/transformers \(HuggingFace\) NAT\/DiNAT key names, but --model convmlp_s is a convmlp model/);
    expect(existsSync(out)).toBe(false);
  });
});
