// SPDX-License-Identifier: MIT
// NAT, DiNAT, DiNAT_s and the isotropic models from their state_dict shapes (upstream classification/nat.py,
// dinat.py, dinats.py, isotropic.py): widths from the norms, depths from the block indices, heads and kernel size
// from each rpb table [heads, 2k-1, 2k-1], mlp_ratio from fc1, layer scale from gamma1, classes from the head.
// Dilations never reach the weights (NAT and DiNAT share every key), so they stay open.
import type { StateDictLike } from '@natzoo/models/advanced';
import { countIndexed, FieldList, mlpRatio, shapeOf, type FamilyReading, type OpenField } from './reading.js';

/** Upstream's layer-scale initial value; only presence is in the weights, and the trained gammas replace it. */
const UPSTREAM_LAYER_SCALE = 1e-5;

function head(list: FieldList, stateDict: StateDictLike): void {
  const shape = shapeOf(stateDict, 'head.weight');
  // No head key but a final norm: upstream's nn.Identity head (num_classes 0).
  const classes = shape?.[0] ?? (shapeOf(stateDict, 'norm.weight') !== undefined ? 0 : undefined);
  list.add('num_classes', 'numClasses', classes, shape === undefined ? 'no head.weight' : `head.weight [${shape.join(', ')}]`);
}

/** Every block's rpb agrees on the kernel; each level's first block gives its heads. */
function kernelFromRpb(shapes: (readonly number[] | undefined)[]): number | undefined {
  const sides = new Set(shapes.filter((s) => s !== undefined).map((s) => s[1]!));
  if (sides.size !== 1) return undefined;
  const side = [...sides][0]!;
  return side % 2 === 1 ? (side + 1) / 2 : undefined;
}

const dilationsOpen = (depths: number[]): OpenField => ({
  kwarg: 'dilations',
  field: 'dilations',
  why: 'NAT and DiNAT layers hold the same weights; the dilation of each block is not stored',
  dependsOn: ['depths'],
  shape: `one list per level, of lengths [${depths.join(', ')}] (all 1 is NAT), e.g. ${JSON.stringify(depths.map((d) => Array.from({ length: d }, (_, i) => (i % 2 === 0 ? 1 : 2))))}`,
});

/** NAT / DiNAT (`levels.i.blocks.j`) and DiNAT_s (`layers.i.blocks.j`). */
export function readHierarchical(stateDict: StateDictLike, family: 'nat' | 'dinat' | 'dinat_s', options: { keepKernel: boolean }): FamilyReading {
  const list = new FieldList();
  const root = family === 'dinat_s' ? 'layers' : 'levels';
  const levels = countIndexed(stateDict, root);
  if (levels === 0) return { inferred: [], open: [] };
  const depths = Array.from({ length: levels }, (_, i) => countIndexed(stateDict, `${root}.${i}.blocks`));
  const block = (i: number, j = 0) => `${root}.${i}.blocks.${j}`;
  const widths = depths.map((_, i) => shapeOf(stateDict, `${block(i)}.norm1.weight`)?.[0]);
  const embed = widths[0];
  const doubling = embed !== undefined && widths.every((w, i) => w === embed * 2 ** i);
  if (doubling) list.add('embed_dim', 'embedDim', embed, `${block(0)}.norm1.weight, widths [${widths.join(', ')}]`);
  list.add('depths', 'depths', depths, `block indices under ${root}.i.blocks`);
  const rpb = depths.map((_, i) => shapeOf(stateDict, `${block(i)}.attn.rpb`));
  if (rpb.every((s) => s !== undefined)) list.add('num_heads', 'numHeads', rpb.map((s) => s[0]!), `${root}.i.blocks.0.attn.rpb [heads, 2k-1, 2k-1]`);
  const allRpb = depths.flatMap((d, i) => Array.from({ length: d }, (_, j) => shapeOf(stateDict, `${block(i, j)}.attn.rpb`)));
  // With resizeRpb the tables are for another kernel: the model's kernel comes from the variant or config.
  if (options.keepKernel) list.add('kernel_size', 'kernelSize', kernelFromRpb(allRpb), `rpb side ${allRpb[0]?.[1]} = 2k-1`);
  const fc1 = shapeOf(stateDict, `${block(0)}.mlp.fc1.weight`);
  if (fc1 !== undefined && embed !== undefined) {
    const ratio = mlpRatio(fc1[0]!, embed);
    const consistent = widths.every((w, i) => Math.floor(w! * ratio) === shapeOf(stateDict, `${block(i)}.mlp.fc1.weight`)?.[0]);
    if (consistent) list.add('mlp_ratio', 'mlpRatio', ratio, `${block(0)}.mlp.fc1.weight [${fc1.join(', ')}]`);
  }
  list.add('qkv_bias', 'qkvBias', stateDict.has(`${block(0)}.attn.qkv.bias`), `${block(0)}.attn.qkv.bias`, true);
  if (family !== 'dinat_s') {
    const gamma = stateDict.has(`${block(0)}.gamma1`);
    list.add('layer_scale', 'layerScale', gamma ? UPSTREAM_LAYER_SCALE : null, gamma ? 'gamma1/gamma2 present (initial value not stored; upstream 1e-5)' : 'no gamma1/gamma2', null);
    list.add('in_chans', 'inChannels', shapeOf(stateDict, 'patch_embed.proj.0.weight')?.[1], 'patch_embed.proj.0.weight', 3);
  } else {
    const proj = shapeOf(stateDict, 'patch_embed.proj.weight');
    list.add('patch_size', 'patchSize', proj?.[2], `patch_embed.proj.weight [${proj?.join(', ')}]`, 4);
    list.add('in_chans', 'inChannels', proj?.[1], 'patch_embed.proj.weight', 3);
  }
  head(list, stateDict);
  if (family === 'nat') list.add('dilations', 'dilations', null, 'NAT has no dilation', null);
  return { inferred: list.fields, open: family === 'nat' ? [] : [dilationsOpen(depths)] };
}

/** Isotropic NAT / DiNAT (NATransformerLayer) and ViT-rpb (VisionTransformerLayer, which stores its index table). */
export function readIsotropic(stateDict: StateDictLike, options: { keepKernel: boolean }): FamilyReading {
  const list = new FieldList();
  const depth = countIndexed(stateDict, 'layers');
  const proj = shapeOf(stateDict, 'patch_embed.proj.weight');
  if (depth === 0 || proj === undefined) return { inferred: [], open: [] };
  const patch = proj[2]!;
  list.add('embed_dim', 'embedDim', proj[0], `patch_embed.proj.weight [${proj.join(', ')}]`);
  list.add('patch_size', 'patchSize', patch, `patch_embed.proj.weight [${proj.join(', ')}]`, 16);
  list.add('in_chans', 'inChannels', proj[1], 'patch_embed.proj.weight', 3);
  list.add('depth', 'depth', depth, 'indices under layers.i');
  const rpb = shapeOf(stateDict, 'layers.0.attn.rpb');
  const full = stateDict.has('layers.0.attn.relative_position_index');
  list.add('num_heads', 'numHeads', rpb?.[0], `layers.0.attn.rpb [${rpb?.join(', ')}]`);
  list.add('layer', 'attention', full ? 'VisionTransformerLayer' : 'NATransformerLayer', full ? 'relative_position_index present' : 'no relative_position_index', undefined, full ? 'full' : 'neighborhood');
  const side = rpb?.[1];
  if (full) {
    // Full attention's rpb spans the token map: side = 2 * (img_size / patch) - 1.
    list.add('img_size', 'imgSize', side === undefined ? undefined : ((side + 1) / 2) * patch, `rpb side ${side} = 2 * img_size / ${patch} - 1`, 224);
    list.add('kernel_size', 'kernelSize', null, 'full attention', null);
    list.add('dilation', 'dilation', null, 'full attention', null);
  } else if (options.keepKernel && side !== undefined && side % 2 === 1) {
    list.add('kernel_size', 'kernelSize', (side + 1) / 2, `rpb side ${side} = 2k-1`);
  }
  const fc1 = shapeOf(stateDict, 'layers.0.mlp.fc1.weight');
  if (fc1 !== undefined) list.add('mlp_ratio', 'mlpRatio', mlpRatio(fc1[0]!, proj[0]!), `layers.0.mlp.fc1.weight [${fc1.join(', ')}]`);
  list.add('qkv_bias', 'qkvBias', stateDict.has('layers.0.attn.qkv.bias'), 'layers.0.attn.qkv.bias', true);
  head(list, stateDict);
  const open: OpenField[] = full
    ? []
    : [{ kwarg: 'dilation', field: 'dilation', why: 'isotropic NAT and DiNAT layers hold the same weights; the dilation of the odd layers is not stored', dependsOn: ['attention'], shape: 'an integer: 1 (NAT) or 2 (DiNAT)' }];
  return { inferred: list.fields, open };
}
