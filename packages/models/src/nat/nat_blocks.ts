// SPDX-License-Identifier: MIT
// Building blocks shared by NAT, DiNAT, DiNAT_s and the isotropic models, as functional-API helpers. Layer names
// are the PyTorch module paths (`levels.0.blocks.1.attn`), so checkpoints convert by the default rule; each
// block's last layer is named after the block itself, which is where feature taps find a level's output.
import { layers } from '@tensorflow/tfjs-layers';
import type { SymbolicTensor } from '@tensorflow/tfjs-layers';
import { NeighborhoodAttention2D } from '@natzoo/core';
import { linearInit } from '@natzoo/core/advanced';
import { DropPath } from '../layers/drop_path.js';
import { SeededDropout } from '../layers/dropout.js';
import { LayerNorm } from '../layers/layer_norm.js';
import { PaddedConv2D } from '../layers/padded_conv2d.js';
import { ResidualAdd } from '../layers/residual_add.js';
import { TokenwiseDense } from '../layers/tokenwise_dense.js';
import { GridSelfAttentionRPB } from './grid_attention_rpb.js';
import { LayerScale } from './nat_layers.js';

// PyTorch's LayerNorm default; tfjs-layers' 1e-3 would move the logits.
const LN_EPS = 1e-5;

export function apply(layer: layers.Layer, x: SymbolicTensor | SymbolicTensor[]): SymbolicTensor {
  return layer.apply(x) as SymbolicTensor;
}

export function layerNorm(name: string, x: SymbolicTensor): SymbolicTensor {
  return apply(new LayerNorm({ name, epsilon: LN_EPS }), x);
}

/**
 * nn.Linear: upstream `_init_weights` draws trunc_normal(std 0.02) and zero biases. A TokenwiseDense rather than
 * tfjs-layers' Dense, which copies its kernel on every call for the rank-4 token maps used here.
 */
export function linear(name: string, units: number, x: SymbolicTensor, options: { activation?: 'gelu'; useBias?: boolean } = {}): SymbolicTensor {
  const dense = new TokenwiseDense({
    name,
    units,
    activation: options.activation,
    useBias: options.useBias ?? true,
    kernelInitializer: linearInit(),
  });
  return apply(dense, x);
}

/** nn.Conv2d with PyTorch's symmetric padding, done by the conv itself (TF's 'same' pads unevenly for stride 2). */
export function conv2d(
  name: string,
  x: SymbolicTensor,
  options: { filters: number; kernelSize: number; strides: number; padding: number; useBias: boolean },
): SymbolicTensor {
  return apply(new PaddedConv2D({ name, ...options }), x);
}

export function dropout(name: string, rate: number, x: SymbolicTensor): SymbolicTensor {
  return rate > 0 ? apply(new SeededDropout({ name, rate }), x) : x;
}

export interface BlockOptions {
  dim: number;
  numHeads: number;
  mlpRatio: number;
  qkvBias: boolean;
  dropRate: number;
  attnDropRate: number;
  dropPath: number;
  /** NA window; ignored for `attention: 'full'`. */
  kernelSize: number;
  dilation: number;
  attention: 'neighborhood' | 'full';
  /** NAT's `gamma1`/`gamma2` initial value; null = no layer scale. */
  layerScale: number | null;
  padInput: boolean;
}

/** nn.Identity when the rate is 0, as upstream builds it (`DropPath(p) if p > 0 else Identity`). */
function dropPath(name: string, rate: number, x: SymbolicTensor): SymbolicTensor {
  return rate > 0 ? apply(new DropPath({ name, rate }), x) : x;
}

/**
 * NAT's `NATLayer` / DiNAT_s's `NATransformerLayer` / ViT-rpb's `VisionTransformerLayer` (pre-norm):
 * `x + DropPath(g1 * attn(norm1(x)))`, then `x + DropPath(g2 * mlp(norm2(x)))`.
 */
export function transformerBlock(prefix: string, x: SymbolicTensor, o: BlockOptions): SymbolicTensor {
  let y = layerNorm(`${prefix}.norm1`, x);
  const attention =
    o.attention === 'full'
      ? new GridSelfAttentionRPB({ name: `${prefix}.attn`, numHeads: o.numHeads, qkvBias: o.qkvBias, attnDrop: o.attnDropRate, projDrop: o.dropRate })
      : new NeighborhoodAttention2D({
          name: `${prefix}.attn`,
          numHeads: o.numHeads,
          kernelSize: o.kernelSize,
          dilation: o.dilation,
          qkvBias: o.qkvBias,
          relPosBias: true,
          attnDrop: o.attnDropRate,
          projDrop: o.dropRate,
          padInput: o.padInput,
        });
  y = apply(attention, y);
  if (o.layerScale !== null) y = apply(new LayerScale({ name: `${prefix}.gamma1`, initValue: o.layerScale }), y);
  y = dropPath(`${prefix}.drop_path.0`, o.dropPath, y);
  x = apply(new ResidualAdd({ name: `${prefix}.residual.0` }), [x, y]);

  y = layerNorm(`${prefix}.norm2`, x);
  y = linear(`${prefix}.mlp.fc1`, Math.floor(o.dim * o.mlpRatio), y, { activation: 'gelu' });
  y = dropout(`${prefix}.mlp.drop.0`, o.dropRate, y);
  y = linear(`${prefix}.mlp.fc2`, o.dim, y);
  y = dropout(`${prefix}.mlp.drop.1`, o.dropRate, y);
  if (o.layerScale !== null) y = apply(new LayerScale({ name: `${prefix}.gamma2`, initValue: o.layerScale }), y);
  y = dropPath(`${prefix}.drop_path.1`, o.dropPath, y);
  return apply(new ResidualAdd({ name: prefix }), [x, y]);
}

/** `torch.linspace(0, rate, count)`: the stochastic-depth rate of each block in order. */
export function dropPathRates(rate: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => (count === 1 ? 0 : (rate * i) / (count - 1)));
}

/** Classifier head: `norm` LayerNorm, mean over tokens, `head` Linear (absent for `numClasses` 0). */
export function classifierHead(x: SymbolicTensor, numClasses: number): SymbolicTensor {
  x = layerNorm('norm', x);
  x = apply(layers.globalAveragePooling2d({ name: 'avgpool' }), x);
  return numClasses > 0 ? linear('head', numClasses, x) : x;
}
