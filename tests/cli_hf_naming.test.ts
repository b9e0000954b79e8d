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
import { loadStateDict, readNpy, writeSafetensors, writeTorchCheckpoint, OrderedDictToSave } from '@natzoo/train';
import { convertCli } from '../packages/cli/src/commands/convert.js';
import { predict } from '../packages/cli/src/predict.js';
import { sharedPath } from './support/shared_dir.js';

type Tensor = { dtype: 'float32'; shape: number[]; data: Float32Array };

/** Upstream -> transformers, for the names that are one-to-one (per block, after `levels.i.blocks.j.`). */
const BLOCK_NAMES: [RegExp, string][] = [
  [/^norm1\./, 'layernorm_before.'],
  [/^attn\.rpb$/, 'attention.self.rpb'],
  [/^attn\.proj\./, 'attention.output.dense.'],
  [/^norm2\./, 'layernorm_after.'],
  [/^mlp\.fc1\./, 'intermediate.dense.'],
  [/^mlp\.fc2\./, 'output.dense.'],
];

/** A fixture's upstream state_dict under transformers names, with `prefix` (`nat.` / `dinat.`). */
async function toTransformersNames(path: string, prefix: string): Promise<Map<string, Tensor>> {
  const out = new Map<string, Tensor>();
  const gammas = new Map<string, Float32Array[]>();
  for (const [key, t] of await loadStateDict(path)) {
    const data = await t.toFloat32();
    const shape = [...t.shape];
    let m = /^levels\.(\d+)\.blocks\.(\d+)\.(.+)$/.exec(key);
    if (m) {
      const layer = `${prefix}encoder.levels.${m[1]}.layers.${m[2]}.`;
      const rest = m[3]!;
      const qkv = /^attn\.qkv\.(weight|bias)$/.exec(rest);
      if (qkv) {
        const rows = shape[0]! / 3;
        const size = data.length / 3;
        ['query', 'key', 'value'].forEach((name, i) => {
          out.set(`${layer}attention.self.${name}.${qkv[1]}`, { dtype: 'float32', shape: [rows, ...shape.slice(1)], data: data.slice(i * size, (i + 1) * size) });
        });
        continue;
      }
      const gamma = /^gamma([12])$/.exec(rest);
      if (gamma) {
        const pair = gammas.get(layer) ?? [];
        pair[Number(gamma[1]) - 1] = data;
        gammas.set(layer, pair);
        continue;
      }
      const rule = BLOCK_NAMES.find(([pattern]) => pattern.test(rest));
      if (rule === undefined) throw new Error(`no transformers name for ${key}`);
      out.set(layer + rest.replace(rule[0], rule[1]), { dtype: 'float32', shape, data });
      continue;
    }
    m = /^levels\.(\d+)\.downsample\.(.+)$/.exec(key);
    const renamed = m
      ? `${prefix}encoder.levels.${m[1]}.downsample.${m[2]}`
      : key
          .replace(/^patch_embed\.proj\./, `${prefix}embeddings.patch_embeddings.projection.`)
          .replace(/^patch_embed\.norm\./, `${prefix}embeddings.norm.`)
          .replace(/^norm\./, `${prefix}layernorm.`)
          .replace(/^head\./, 'classifier.');
    if (renamed === key) throw new Error(`no transformers name for ${key}`);
    out.set(renamed, { dtype: 'float32', shape, data });
  }
  for (const [layer, [g1, g2]] of gammas) {
    const packed = new Float32Array(g1!.length * 2);
    packed.set(g1!, 0);
    packed.set(g2!, g1!.length);
    out.set(`${layer}layer_scale_parameters`, { dtype: 'float32', shape: [2, g1!.length], data: packed });
  }
  return out;
}

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
