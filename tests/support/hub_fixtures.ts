// SPDX-License-Identifier: MIT
// Hub repos built from the NAT/DiNAT fixtures: config.json in transformers' NatConfig/DinatConfig form (with an
// id2label of distinct names), a preprocessor_config.json, and the fixture's weights as a transformers-named
// pytorch_model.bin (or model.safetensors).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OrderedDictToSave, writeSafetensors, writeTorchCheckpoint } from '@natzoo/train';
import { toTransformersNames } from './hf_naming.js';
import { hfConfig, IMAGENET_PREPROCESSOR } from '../../scripts/bench/hub_server.mjs';
import type { HubRepo } from '../../scripts/bench/hub_server.mjs';
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
  const kwargs = fixtureKwargs(fixture);
  const labels = Array.from({ length: kwargs.num_classes }, (_, i) => hubLabel(i));
  return { id, files: { 'config.json': hfConfig(modelType, kwargs, labels), 'preprocessor_config.json': IMAGENET_PREPROCESSOR, [weights]: bytes } };
}
