// SPDX-License-Identifier: MIT
// CCT, CVT and ViT-Lite (SHI-Labs/Compact-Transformers src/cct.py, cvt.py, vit.py) and ConvMLP
// (SHI-Labs/Convolutional-MLPs src/convmlp.py) from their state_dict shapes. The positional table's length
// gives the input size, and its values tell a fixed sine table from a learnt one. Attention heads never reach
// the weights (qkv is [3C, C] for any head count), so num_heads stays open.
import { sineTable, type StateDictLike } from '@natzoo/models/advanced';
import { countIndexed, FieldList, mlpRatio, shapeOf, type FamilyReading } from './reading.js';

/** Whether the stored table is the sine table upstream builds (kept as a non-trainable Parameter). */
async function isSineTable(stateDict: StateDictLike, key: string, tokens: number, dim: number): Promise<boolean> {
  const stored = await stateDict.get(key)!.toFloat32();
  const sine = sineTable(tokens, dim);
  return stored.length === sine.length && stored.every((v, i) => Math.abs(v - sine[i]!) <= 1e-5);
}

/** The input side whose tokenizer leaves `side` x `side` tokens with upstream `_cct`'s default stride/padding. */
function cctImageSide(side: number, kernel: number, layers: number): number {
  const stride = Math.max(1, Math.floor(kernel / 2) - 1);
  // Each stage: the conv divides by its stride, the 3/2/1 max-pool by 2.
  return side * (stride * 2) ** layers;
}

export async function readTransformerClassifier(stateDict: StateDictLike, family: 'cct' | 'cvt' | 'vit_lite'): Promise<FamilyReading> {
  const list = new FieldList();
  const norm = shapeOf(stateDict, 'classifier.norm.weight');
  const conv = shapeOf(stateDict, 'tokenizer.conv_layers.0.0.weight');
  if (norm === undefined || conv === undefined) return { inferred: [], open: [] };
  const dim = norm[0]!;
  const layers = countIndexed(stateDict, 'classifier.blocks');
  list.add('embedding_dim', 'embedDim', dim, `classifier.norm.weight [${dim}]`);
  list.add('num_layers', 'numLayers', layers, 'indices under classifier.blocks');
  const linear1 = shapeOf(stateDict, 'classifier.blocks.0.linear1.weight');
  if (linear1 !== undefined) list.add('mlp_ratio', 'mlpRatio', mlpRatio(linear1[0]!, dim), `classifier.blocks.0.linear1.weight [${linear1.join(', ')}]`);
  list.add('num_classes', 'numClasses', shapeOf(stateDict, 'classifier.fc.weight')?.[0], 'classifier.fc.weight');
  const kernel = conv[2]!;
  list.add('kernel_size', 'kernelSize', kernel, `tokenizer.conv_layers.0.0.weight [${conv.join(', ')}]`);
  list.add('n_input_channels', 'inChannels', conv[1], 'tokenizer.conv_layers.0.0.weight', 3);
  const convLayers = countIndexed(stateDict, 'tokenizer.conv_layers');
  if (family === 'cct') {
    list.add('n_conv_layers', 'numConvLayers', convLayers, 'indices under tokenizer.conv_layers');
    if (convLayers > 1) list.add('in_planes', 'inPlanes', conv[0], 'tokenizer.conv_layers.0.0.weight', 64);
  }
  const table = shapeOf(stateDict, 'classifier.positional_emb');
  if (table === undefined) {
    list.add('positional_embedding', 'positionalEmbedding', 'none', 'no classifier.positional_emb');
    return { inferred: list.fields, open: [headsOpen(dim)] };
  }
  const sequence = table[1]!;
  const tokens = sequence - (stateDict.has('classifier.class_emb') ? 1 : 0);
  const side = Math.round(Math.sqrt(tokens));
  const sine = await isSineTable(stateDict, 'classifier.positional_emb', sequence, dim);
  list.add('positional_embedding', 'positionalEmbedding', sine ? 'sine' : 'learnable', sine ? 'classifier.positional_emb equals the sine table' : 'classifier.positional_emb is not the sine table');
  if (side * side === tokens) {
    const imgSize = family === 'cct' ? cctImageSide(side, kernel, convLayers) : side * kernel;
    list.add('img_size', 'imgSize', imgSize, `classifier.positional_emb [${table.join(', ')}]: ${side}x${side} tokens`);
  }
  return { inferred: list.fields, open: [headsOpen(dim)] };
}

const headsOpen = (dim: number) => ({
  kwarg: 'num_heads',
  field: 'numHeads',
  why: `qkv is [3C, C] whatever the head count`,
  dependsOn: ['embedDim', 'numLayers'],
  shape: `a divisor of embedding_dim ${dim}: ${Array.from({ length: dim }, (_, i) => i + 1).filter((h) => dim % h === 0 && dim / h >= 8).join(', ')}`,
});

export function readConvMLP(stateDict: StateDictLike): FamilyReading {
  const list = new FieldList();
  const stages = countIndexed(stateDict, 'stages');
  const tokenizerOut = shapeOf(stateDict, 'tokenizer.block.6.weight');
  if (stages === 0 || tokenizerOut === undefined) return { inferred: [], open: [] };
  const blocks = Array.from({ length: stages }, (_, i) => countIndexed(stateDict, `stages.${i}.blocks`));
  const dims = blocks.map((_, i) => shapeOf(stateDict, `stages.${i}.blocks.0.norm1.weight`)?.[0]);
  const ratios = dims.map((d, i) => (d === undefined ? Number.NaN : mlpRatio(shapeOf(stateDict, `stages.${i}.blocks.0.channel_mlp1.fc1.weight`)?.[0] ?? Number.NaN, d)));
  list.add('blocks', 'blocks', blocks, 'indices under stages.i.blocks');
  if (dims.every((d) => d !== undefined)) list.add('dims', 'dims', dims, 'stages.i.blocks.0.norm1.weight');
  if (ratios.every(Number.isFinite)) list.add('mlp_ratios', 'mlpRatios', ratios, 'stages.i.blocks.0.channel_mlp1.fc1.weight');
  list.add('channels', 'channels', tokenizerOut[0], `tokenizer.block.6.weight [${tokenizerOut.join(', ')}]`, 64);
  list.add('n_conv_blocks', 'numConvBlocks', countIndexed(stateDict, 'conv_stages.conv_blocks'), 'indices under conv_stages.conv_blocks', 3);
  const headShape = shapeOf(stateDict, 'head.weight');
  list.add('classifier_head', 'classifierHead', headShape !== undefined, 'head.weight', true);
  list.add('num_classes', 'numClasses', headShape?.[0], 'head.weight');
  return { inferred: list.fields, open: [] };
}
