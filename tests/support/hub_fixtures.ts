// SPDX-License-Identifier: MIT
// Hub repos built from the NAT/DiNAT fixtures: config.json in transformers' NatConfig/DinatConfig form (with an
// id2label of distinct names), a preprocessor_config.json, and the fixture's weights as a transformers-named
// pytorch_model.bin (or model.safetensors).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OrderedDictToSave, writeSafetensors, writeTorchCheckpoint } from '@natzoo/train';
import { toTransformersNames } from './hf_naming.js';
import type { HubRepo } from './hub_server.js';
import { sharedPath } from './shared_dir.js';

export interface FixtureKwargs {
  embed_dim: number;
  mlp_ratio: number;
  depths: number[];
  num_heads: number[];
  kernel_size: number;
  layer_scale?: number;
  dilations?: number[][];
  num_classes: number;
}

export const fixtureKwargs = (fixture: string) =>
  (JSON.parse(readFileSync(sharedPath('fixtures', 'models', fixture, 'fixture.json'), 'utf8')) as { constructor_kwargs: FixtureKwargs }).constructor_kwargs;

/** The label a hub config gives class `i` (distinct from every built-in label set). */
export const hubLabel = (i: number) => `hub class ${i}`;

/** transformers' config.json for a NAT (`model_type: nat`) or DiNAT (`dinat`) built with `kwargs`. */
export function hfConfig(modelType: 'nat' | 'dinat', kwargs: FixtureKwargs): object {
  const id2label = Object.fromEntries(Array.from({ length: kwargs.num_classes }, (_, i) => [String(i), hubLabel(i)]));
  return {
    architectures: [modelType === 'nat' ? 'NatForImageClassification' : 'DinatForImageClassification'],
    model_type: modelType,
    embed_dim: kwargs.embed_dim,
    depths: kwargs.depths,
    num_heads: kwargs.num_heads,
    kernel_size: kwargs.kernel_size,
    mlp_ratio: kwargs.mlp_ratio,
    patch_size: 4,
    num_channels: 3,
    qkv_bias: true,
    hidden_act: 'gelu',
    layer_norm_eps: 1e-5,
    layer_scale_init_value: kwargs.layer_scale ?? 0.0,
    drop_path_rate: 0.1,
    ...(modelType === 'dinat' ? { dilations: kwargs.dilations } : {}),
    id2label,
    label2id: Object.fromEntries(Object.entries(id2label).map(([k, v]) => [v, Number(k)])),
  };
}

export const IMAGENET_PREPROCESSOR = { crop_pct: 0.875, do_normalize: true, do_resize: true, image_mean: [0.485, 0.456, 0.406], image_std: [0.229, 0.224, 0.225], resample: 3, size: 224 };

/** A transformers-named checkpoint of `fixture` as the bytes of a `.bin` (torch zip) or `.safetensors` file. */
export async function hfCheckpointBytes(fixture: string, prefix: 'nat.' | 'dinat.', format: 'bin' | 'safetensors'): Promise<Uint8Array> {
  const hf = await toTransformersNames(sharedPath('fixtures', 'models', fixture, 'state_dict.pth'), prefix);
  const work = mkdtempSync(join(tmpdir(), 'natzoo-hub-'));
  try {
    const file = join(work, `weights.${format}`);
    if (format === 'safetensors') await writeSafetensors(file, hf);
    else await writeTorchCheckpoint(file, new OrderedDictToSave(hf));
    return new Uint8Array(readFileSync(file));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** A hub repo serving `fixture` as `id`, with pytorch_model.bin (default) or model.safetensors. */
export async function fixtureRepo(id: string, fixture: string, modelType: 'nat' | 'dinat', weights: 'pytorch_model.bin' | 'model.safetensors' = 'pytorch_model.bin'): Promise<HubRepo> {
  const bytes = await hfCheckpointBytes(fixture, modelType === 'nat' ? 'nat.' : 'dinat.', weights.endsWith('.bin') ? 'bin' : 'safetensors');
  return { id, files: { 'config.json': hfConfig(modelType, fixtureKwargs(fixture)), 'preprocessor_config.json': IMAGENET_PREPROCESSOR, [weights]: bytes } };
}
