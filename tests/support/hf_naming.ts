// SPDX-License-Identifier: MIT
// A fixture's upstream (SHI-Labs) NAT/DiNAT state_dict under the HuggingFace `transformers` names
// (NatForImageClassification / DinatForImageClassification): q/k/v split out of qkv, gamma1/gamma2 packed into
// layer_scale_parameters [2, dim], the names of transformers' modeling_nat.py / modeling_dinat.py.
import { loadStateDict } from '@natzoo/train';

export type Tensor = { dtype: 'float32'; shape: number[]; data: Float32Array };

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
export async function toTransformersNames(path: string, prefix: string): Promise<Map<string, Tensor>> {
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

