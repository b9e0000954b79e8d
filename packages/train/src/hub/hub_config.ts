// SPDX-License-Identifier: MIT
// A hub repo's config.json (transformers' NatConfig / DinatConfig) and preprocessor_config.json -> what
// convertModel needs: the registered family, upstream constructor kwargs, class names and preprocessing.
// Field names from transformers' models/nat/configuration_nat.py and models/dinat/configuration_dinat.py.
import { HubError } from './hub_error.js';

/** config.json's `model_type` -> the registered architecture whose builder takes the kwargs. */
const FAMILY_BY_MODEL_TYPE: Readonly<Record<string, string>> = { nat: 'nat_mini', dinat: 'dinat_mini' };

/** PIL resample codes (transformers' `resample`) -> our interpolations. */
const RESAMPLE: Readonly<Record<number, string>> = { 0: 'nearest', 2: 'bilinear', 3: 'bicubic' };

export interface HubModelSpec {
  /** The registered architecture (`nat_mini`, `dinat_mini`) the kwargs are applied to. */
  model: string;
  /** Upstream (SHI-Labs) constructor kwargs. */
  config: Record<string, unknown>;
  labels: string[];
  inputSize: number;
}

type Json = Record<string, unknown>;

function field<T>(where: string, cfg: Json, key: string, ok: (v: unknown) => v is T, expected: string): T {
  const value = cfg[key];
  if (!ok(value)) throw new HubError('bad-config', where, `${key}: expected ${expected}; got ${JSON.stringify(value) ?? 'nothing'}`);
  return value;
}

const isPositiveInt = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) > 0;
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isIntList = (v: unknown): v is number[] => Array.isArray(v) && v.length > 0 && v.every(isPositiveInt);
const isIntLists = (v: unknown): v is number[][] => Array.isArray(v) && v.every(isIntList);

/** Class names in logit order from `id2label` (keys "0".."n-1"). */
function labelsOf(where: string, cfg: Json): string[] {
  const id2label = cfg['id2label'];
  if (id2label === null || typeof id2label !== 'object') throw new HubError('bad-config', where, 'id2label: expected an object of class names');
  const entries = Object.entries(id2label as Record<string, unknown>);
  const labels = new Array<string>(entries.length);
  for (const [key, name] of entries) {
    const index = Number(key);
    if (!(Number.isSafeInteger(index) && index >= 0 && index < entries.length) || typeof name !== 'string') {
      throw new HubError('bad-config', where, `id2label: expected class names under the keys 0..${entries.length - 1}; got ${JSON.stringify(key)}: ${JSON.stringify(name)}`);
    }
    labels[index] = name;
  }
  return labels;
}

/** Architecture and labels from config.json; `where` names it in errors. */
export function hubModelSpec(where: string, cfg: Json): Omit<HubModelSpec, 'inputSize'> {
  const modelType = cfg['model_type'];
  const model = typeof modelType === 'string' ? FAMILY_BY_MODEL_TYPE[modelType] : undefined;
  if (model === undefined) {
    throw new HubError('unknown-model-type', where, `model_type ${JSON.stringify(modelType)} is not an architecture natzoo converts from the hub; supported: ${Object.keys(FAMILY_BY_MODEL_TYPE).join(', ')}`);
  }
  const patchSize = cfg['patch_size'] ?? 4;
  if (patchSize !== 4) throw new HubError('bad-config', where, `patch_size: NAT/DiNAT's tokenizer has patch size 4; got ${JSON.stringify(patchSize)}`);
  if ((cfg['num_channels'] ?? 3) !== 3) throw new HubError('bad-config', where, `num_channels: expected 3; got ${JSON.stringify(cfg['num_channels'])}`);
  if ((cfg['hidden_act'] ?? 'gelu') !== 'gelu') throw new HubError('bad-config', where, `hidden_act: expected "gelu"; got ${JSON.stringify(cfg['hidden_act'])}`);
  const labels = labelsOf(where, cfg);
  const depths = field(where, cfg, 'depths', isIntList, 'a list of block counts');
  const layerScale = cfg['layer_scale_init_value'] ?? 0;
  if (!isNumber(layerScale)) throw new HubError('bad-config', where, `layer_scale_init_value: expected a number; got ${JSON.stringify(layerScale)}`);
  const config: Record<string, unknown> = {
    embed_dim: field(where, cfg, 'embed_dim', isPositiveInt, 'a positive integer'),
    depths,
    num_heads: field(where, cfg, 'num_heads', isIntList, 'a list of head counts'),
    kernel_size: field(where, cfg, 'kernel_size', isPositiveInt, 'a positive integer'),
    mlp_ratio: field(where, cfg, 'mlp_ratio', isNumber, 'a number'),
    qkv_bias: cfg['qkv_bias'] ?? true,
    // transformers keeps the layer-scale parameters only when the init value is positive; so does upstream.
    layer_scale: layerScale > 0 ? layerScale : null,
    num_classes: labels.length,
    // transformers' NatLayer/DinatLayer zero-pad a map smaller than the window (`maybe_pad`), as NATTEN <= 0.15
    // did; NATTEN >= 0.17 refuses it. Models from the hub take small inputs as transformers does.
    padInput: true,
  };
  if (modelType === 'dinat') config['dilations'] = field(where, cfg, 'dilations', isIntLists, 'a list of per-block dilation lists');
  return { model, config, labels };
}

/** Preprocessing from preprocessor_config.json (absent: the architecture's published ImageNet preprocessing). */
export function hubPreprocess(where: string, cfg: Json | null): { config: Record<string, unknown>; inputSize: number } {
  if (cfg === null) return { config: {}, inputSize: 224 };
  const config: Record<string, unknown> = {};
  if (cfg['image_mean'] !== undefined) config['mean'] = cfg['image_mean'];
  if (cfg['image_std'] !== undefined) config['std'] = cfg['image_std'];
  if (cfg['crop_pct'] !== undefined && cfg['crop_pct'] !== null) config['crop_pct'] = cfg['crop_pct'];
  if (cfg['resample'] !== undefined) {
    const interpolation = RESAMPLE[cfg['resample'] as number];
    if (interpolation === undefined) throw new HubError('bad-config', where, `resample: expected a PIL code 0, 2 or 3; got ${JSON.stringify(cfg['resample'])}`);
    config['interpolation'] = interpolation;
  }
  const size = cfg['size'];
  const side = typeof size === 'number' ? size : size !== null && typeof size === 'object' ? ((size as Json)['shortest_edge'] ?? (size as Json)['height']) : 224;
  if (!isPositiveInt(side)) throw new HubError('bad-config', where, `size: expected a side in pixels; got ${JSON.stringify(size)}`);
  return { config, inputSize: side };
}
