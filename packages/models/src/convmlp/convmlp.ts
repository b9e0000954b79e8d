// SPDX-License-Identifier: MIT
// ConvMLP as a tfjs-layers functional model, NHWC `[B, H, W, 3]` -> logits `[B, classes]` (or the last feature
// map without the classifier head). Ported from SHI-Labs/Convolutional-MLPs src/convmlp.py, src/utils/modules.py
// and src/utils/tokenizer.py @092bf71 ("ConvMLP: Hierarchical Convolutional MLPs for Vision",
// https://arxiv.org/abs/2109.04454). Layer names are the PyTorch module paths.
import { input, layers, model as functionalModel } from '@tensorflow/tfjs-layers';
import type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs-layers';
import { DropPath } from '../layers/drop_path.js';
import { PaddedMaxPool2D } from '../layers/padded_max_pool2d.js';
import { ResidualAdd } from '../layers/residual_add.js';
import { apply, dropPathRates, layerNorm, linear } from '../nat/nat_blocks.js';
import { resolveConvMLPConfig } from './convmlp_config.js';
import type { ConvMLPConfig } from './convmlp_config.js';
import { FoldableBatchNorm } from './foldable_batch_norm.js';
import { FoldingConv2D } from './folding_conv.js';
import { PaddedDepthwiseConv2D } from './padded_depthwise_conv.js';

type ConvSpec = { filters: number; kernelSize: number; strides: number; padding: number; useBias: boolean };

function conv2d(name: string, x: SymbolicTensor, spec: ConvSpec): SymbolicTensor {
  return apply(new FoldingConv2D({ name, ...spec }), x);
}

/**
 * `conv -> BN -> ReLU` at `prefix.{i}`, `.{i+1}` (`.{i+2}`, the ReLU, has no weights and runs inside the BN
 * layer). nn.BatchNorm2d: eps 1e-5, running averages updated with PyTorch's momentum 0.1 (tfjs' momentum 0.9).
 * At inference the conv applies the BatchNorm and the ReLU itself (FoldingConv2D).
 */
function convBnRelu(prefix: string, index: number, x: SymbolicTensor, spec: ConvSpec): SymbolicTensor {
  x = conv2d(`${prefix}.${index}`, x, spec);
  return apply(new FoldableBatchNorm({ name: `${prefix}.${index + 1}`, epsilon: 1e-5, momentum: 0.9, relu: true }), x);
}

/**
 * `tokenizer.block`: three 3x3 convs (stride 2, 1, 1; no bias) each with BN and ReLU, then a 3x3 stride-2 max
 * pool with padding 1. Zero padding equals PyTorch's -inf padding there because the pool follows a ReLU.
 */
function tokenizer(x: SymbolicTensor, channels: number): SymbolicTensor {
  const half = channels / 2;
  x = convBnRelu('tokenizer.block', 0, x, { filters: half, kernelSize: 3, strides: 2, padding: 1, useBias: false });
  x = convBnRelu('tokenizer.block', 3, x, { filters: half, kernelSize: 3, strides: 1, padding: 1, useBias: false });
  x = convBnRelu('tokenizer.block', 6, x, { filters: channels, kernelSize: 3, strides: 1, padding: 1, useBias: false });
  return apply(new PaddedMaxPool2D({ name: 'tokenizer.block.9', poolSize: 3, strides: 2, padding: 1 }), x);
}

/**
 * `conv_stages`: residual bottlenecks `x + [1x1 BN ReLU, 3x3 BN ReLU, 1x1 BN ReLU](x)` (the ReLU ends the
 * branch, before the sum), then `downsample`, a 3x3 stride-2 conv with bias.
 */
function convStage(x: SymbolicTensor, blocks: number, channels: number, hidden: number, out: number): SymbolicTensor {
  for (let j = 0; j < blocks; j++) {
    const prefix = `conv_stages.conv_blocks.${j}`;
    let y = convBnRelu(prefix, 0, x, { filters: hidden, kernelSize: 1, strides: 1, padding: 0, useBias: false });
    y = convBnRelu(prefix, 3, y, { filters: hidden, kernelSize: 3, strides: 1, padding: 1, useBias: false });
    y = convBnRelu(prefix, 6, y, { filters: channels, kernelSize: 1, strides: 1, padding: 0, useBias: false });
    x = apply(new ResidualAdd({ name: prefix }), [x, y]);
  }
  return conv2d('conv_stages.downsample', x, { filters: out, kernelSize: 3, strides: 2, padding: 1, useBias: true });
}

function channelMlp(prefix: string, x: SymbolicTensor, dim: number, hidden: number): SymbolicTensor {
  return linear(`${prefix}.fc2`, dim, linear(`${prefix}.fc1`, hidden, x, { activation: 'gelu' }));
}

/**
 * `ConvMLPStage`: `x + DropPath(mlp1(norm1(x)))`; `x = connect(connect_norm(x))` (depthwise 3x3, no bias, and
 * no residual: upstream's quirk, kept); `x + DropPath(mlp2(norm2(x)))`.
 */
function mlpBlock(prefix: string, x: SymbolicTensor, dim: number, hidden: number, rate: number): SymbolicTensor {
  const dropPath = (name: string, y: SymbolicTensor) => (rate > 0 ? apply(new DropPath({ name, rate }), y) : y);
  let y = dropPath(`${prefix}.drop_path.0`, channelMlp(`${prefix}.channel_mlp1`, layerNorm(`${prefix}.norm1`, x), dim, hidden));
  x = apply(new ResidualAdd({ name: `${prefix}.residual.0` }), [x, y]);
  x = layerNorm(`${prefix}.connect_norm`, x);
  x = apply(new PaddedDepthwiseConv2D({ name: `${prefix}.connect`, kernelSize: 3, padding: 1 }), x);
  y = dropPath(`${prefix}.drop_path.1`, channelMlp(`${prefix}.channel_mlp2`, layerNorm(`${prefix}.norm2`, x), dim, hidden));
  return apply(new ResidualAdd({ name: prefix }), [x, y]);
}

export function buildConvMLP(config: ConvMLPConfig, name: string): LayersModel {
  const c = resolveConvMLPConfig(name, config);
  const image = input({ shape: [c.imgSize, c.imgSize, c.inChannels], name: 'image' });
  let x = tokenizer(image, c.channels);
  x = convStage(x, c.numConvBlocks, c.channels, c.dims[0]!, c.dims[0]!);
  c.blocks.forEach((blocks, s) => {
    const dim = c.dims[s]!;
    // Stochastic depth restarts in every stage (upstream BasicStage).
    const rates = dropPathRates(c.dropPathRate, blocks);
    for (let b = 0; b < blocks; b++) x = mlpBlock(`stages.${s}.blocks.${b}`, x, dim, Math.floor(dim * c.mlpRatios[s]!), rates[b]!);
    if (s + 1 < c.blocks.length) {
      x = conv2d(`stages.${s}.downsample_mlp.downsample`, x, { filters: c.dims[s + 1]!, kernelSize: 3, strides: 2, padding: 1, useBias: true });
    }
  });
  if (c.classifierHead) {
    x = layerNorm('norm', x);
    x = apply(layers.globalAveragePooling2d({ name: 'avgpool' }), x);
    x = linear('head', c.numClasses, x);
  }
  return functionalModel({ inputs: image, outputs: x, name });
}
