// SPDX-License-Identifier: MIT
// The HuggingFace `transformers` naming of NAT / DiNAT (NatForImageClassification, DinatForImageClassification,
// e.g. shi-labs/nat-mini-in1k-224; key names read from huggingface/transformers models/nat/modeling_nat.py and
// models/dinat/modeling_dinat.py) renamed to the upstream SHI-Labs names our loaders use: q/k/v concatenated
// into qkv, the packed layer scale split into gamma1/gamma2.
import type { StateDictLike, StateDictTensor } from '../convert/port_weights.js';

/** `nat.` / `dinat.` (the ForImageClassification wrappers) or nothing (the bare NatModel / DinatModel). */
const HF_PREFIX = /^(?:nat\.|dinat\.)?/;
const HF_MARKERS = [/^(?:nat\.|dinat\.)?encoder\.levels\.\d+\.layers\.\d+\./, /^(?:nat\.|dinat\.)?embeddings\.patch_embeddings\.projection\./];

/** Whether `stateDict` uses the transformers names (any key of its encoder levels or patch embedding). */
export function isHFNatStateDict(stateDict: StateDictLike): boolean {
  for (const key of stateDict.keys()) if (HF_MARKERS.some((m) => m.test(key))) return true;
  return false;
}

/** Per-layer renames inside `encoder.levels.{i}.layers.{j}.` (q/k/v and the layer scale are handled apart). */
const LAYER_RENAMES: Record<string, string> = {
  'layernorm_before.': 'norm1.',
  'attention.self.rpb': 'attn.rpb',
  'attention.output.dense.': 'attn.proj.',
  'layernorm_after.': 'norm2.',
  'intermediate.dense.': 'mlp.fc1.',
  'output.dense.': 'mlp.fc2.',
};

function renameLayerPart(part: string): string | undefined {
  for (const [from, to] of Object.entries(LAYER_RENAMES)) if (part.startsWith(from)) return to + part.slice(from.length);
  return undefined;
}

/** The upstream name of one transformers key, or undefined when it is not a key those models have. */
function upstreamName(key: string): string | undefined {
  const k = key.replace(HF_PREFIX, '');
  let m = /^embeddings\.patch_embeddings\.projection\.(\d+)\.(.+)$/.exec(k);
  if (m) return `patch_embed.proj.${m[1]}.${m[2]}`;
  m = /^embeddings\.norm\.(.+)$/.exec(k);
  if (m) return `patch_embed.norm.${m[1]}`;
  m = /^encoder\.levels\.(\d+)\.downsample\.(reduction|norm)\.(.+)$/.exec(k);
  if (m) return `levels.${m[1]}.downsample.${m[2]}.${m[3]}`;
  m = /^encoder\.levels\.(\d+)\.layers\.(\d+)\.(.+)$/.exec(k);
  if (m) {
    const part = renameLayerPart(m[3]!);
    return part === undefined ? undefined : `levels.${m[1]}.blocks.${m[2]}.${part}`;
  }
  m = /^layernorm\.(.+)$/.exec(k);
  if (m) return `norm.${m[1]}`;
  m = /^classifier\.(.+)$/.exec(k);
  if (m) return `head.${m[1]}`;
  return undefined;
}

/** `[rows_i, ...rest]` tensors stacked along the first axis, read lazily. */
function concatFirstAxis(parts: StateDictTensor[]): StateDictTensor {
  const [first] = parts;
  const rows = parts.reduce((n, p) => n + p.shape[0]!, 0);
  return {
    shape: [rows, ...first!.shape.slice(1)],
    dtype: first!.dtype,
    toFloat32: async () => {
      const arrays = await Promise.all(parts.map((p) => p.toFloat32()));
      const out = new Float32Array(arrays.reduce((n, a) => n + a.length, 0));
      arrays.reduce((at, a) => (out.set(a, at), at + a.length), 0);
      return out;
    },
  };
}

/** Row `index` of a `[2, dim]` tensor, read lazily. */
function row(tensor: StateDictTensor, index: number): StateDictTensor {
  const dim = tensor.shape[1]!;
  return {
    shape: [dim],
    dtype: tensor.dtype,
    toFloat32: async () => (await tensor.toFloat32()).slice(index * dim, (index + 1) * dim),
  };
}

export interface HFRenameResult {
  /** The state_dict under upstream names. */
  stateDict: Map<string, StateDictTensor>;
  /** transformers keys with no upstream counterpart (left out; the caller reports them as unexplained). */
  unknown: string[];
}

/**
 * Renames a transformers-named NAT / DiNAT state_dict to upstream names: `attention.self.{query,key,value}`
 * become `attn.qkv` (rows stacked q, k, v, as upstream's qkv Linear splits them), `layer_scale_parameters
 * [2, dim]` become `gamma1` (row 0, attention branch) and `gamma2` (row 1, MLP branch).
 */
export function renameHFNatStateDict(stateDict: StateDictLike): HFRenameResult {
  const out = new Map<string, StateDictTensor>();
  const unknown: string[] = [];
  const qkv = new Map<string, Partial<Record<'query' | 'key' | 'value', StateDictTensor>>>();
  for (const [key, tensor] of stateDict) {
    const k = key.replace(HF_PREFIX, '');
    const split = /^encoder\.levels\.(\d+)\.layers\.(\d+)\.(.+)$/.exec(k);
    const block = split ? `levels.${split[1]}.blocks.${split[2]}` : undefined;
    const part = split?.[3];
    const proj = part === undefined ? null : /^attention\.self\.(query|key|value)\.(weight|bias)$/.exec(part);
    if (block !== undefined && proj) {
      const target = `${block}.attn.qkv.${proj[2]}`;
      const slot = qkv.get(target) ?? {};
      slot[proj[1] as 'query' | 'key' | 'value'] = tensor;
      qkv.set(target, slot);
      continue;
    }
    if (block !== undefined && part === 'layer_scale_parameters' && tensor.shape.length === 2 && tensor.shape[0] === 2) {
      out.set(`${block}.gamma1`, row(tensor, 0));
      out.set(`${block}.gamma2`, row(tensor, 1));
      continue;
    }
    const name = upstreamName(key);
    if (name === undefined) unknown.push(key);
    else out.set(name, tensor);
  }
  for (const [target, slot] of qkv) {
    if (slot.query && slot.key && slot.value) out.set(target, concatFirstAxis([slot.query, slot.key, slot.value]));
    else unknown.push(`attention.self.{query,key,value} of ${target}: only ${Object.keys(slot).join(', ')} present`);
  }
  return { stateDict: out, unknown };
}
