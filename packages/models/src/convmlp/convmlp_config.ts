// SPDX-License-Identifier: MIT
// ConvMLP configuration (SHI-Labs/Convolutional-MLPs src/convmlp.py, `ConvMLP` @092bf71): camelCase fields,
// upstream's kwargs, and validation.
import type { UpstreamKwargs } from '../config_kwargs.js';
import { fail } from '../errors.js';
import { checkInteger } from '../nat/nat_config.js';

export interface ConvMLPConfig {
  /** Side of the square input in pixels; default 224. */
  imgSize?: number;
  /** Input channels; default 3 (upstream's tokenizer hard-codes 3). */
  inChannels?: number;
  /** Blocks per MLP stage. */
  blocks: readonly number[];
  /** Width of each MLP stage (the conv stage's hidden width is `dims[0]`). */
  dims: readonly number[];
  /** Per stage: hidden width of the channel MLPs is `floor(dim * ratio)`. */
  mlpRatios: readonly number[];
  /** Tokenizer width; default 64. */
  channels?: number;
  /** Residual bottlenecks in the conv stage; default 3. */
  numConvBlocks?: number;
  /** With the `norm` + mean + `head` classifier (default); without it the model outputs the last feature map. */
  classifierHead?: boolean;
  numClasses: number;
  /** Largest stochastic-depth rate inside each stage (upstream hard-codes 0.1). */
  dropPathRate?: number;
}

export const CONVMLP_KWARGS = {
  blocks: 'blocks',
  dims: 'dims',
  mlp_ratios: 'mlpRatios',
  channels: 'channels',
  n_conv_blocks: 'numConvBlocks',
  classifier_head: 'classifierHead',
  num_classes: 'numClasses',
} as const satisfies Record<string, keyof ConvMLPConfig>;

export type ConvMLPKwargs = UpstreamKwargs<typeof CONVMLP_KWARGS, ConvMLPConfig>;

export const CONVMLP_FIELDS = [
  'imgSize', 'inChannels', 'blocks', 'dims', 'mlpRatios', 'channels', 'numConvBlocks', 'classifierHead', 'numClasses', 'dropPathRate',
] as const satisfies readonly (keyof ConvMLPConfig)[];

export type ResolvedConvMLPConfig = { [K in keyof ConvMLPConfig]-?: Exclude<ConvMLPConfig[K], undefined> } & {
  blocks: number[];
  dims: number[];
  mlpRatios: number[];
};

function list(where: string, key: string, value: unknown, length: number | undefined, check: (v: unknown, at: string) => number): number[] {
  if (!Array.isArray(value) || value.length === 0 || (length !== undefined && value.length !== length)) {
    fail(where, `${key} must be a list of ${length ?? 'one or more'} numbers; got ${JSON.stringify(value)}`);
  }
  return value.map((v, i) => check(v, `${key}[${i}]`));
}

export function resolveConvMLPConfig(where: string, c: ConvMLPConfig): ResolvedConvMLPConfig {
  const blocks = list(where, 'blocks', c.blocks, undefined, (v, at) => checkInteger(where, at, v, 1));
  const positive = (v: unknown, at: string) => {
    if (typeof v !== 'number' || !(v > 0)) fail(where, `${at} must be a positive number; got ${JSON.stringify(v)}`);
    return v;
  };
  const resolved: ResolvedConvMLPConfig = {
    imgSize: checkInteger(where, 'imgSize', c.imgSize ?? 224, 1),
    inChannels: checkInteger(where, 'inChannels', c.inChannels ?? 3, 1),
    blocks,
    // Upstream asserts the three lists agree in length.
    dims: list(where, 'dims', c.dims, blocks.length, (v, at) => checkInteger(where, at, v, 1)),
    mlpRatios: list(where, 'mlpRatios', c.mlpRatios, blocks.length, positive),
    channels: checkInteger(where, 'channels', c.channels ?? 64, 2),
    numConvBlocks: checkInteger(where, 'numConvBlocks', c.numConvBlocks ?? 3, 0),
    classifierHead: c.classifierHead ?? true,
    numClasses: checkInteger(where, 'numClasses', c.numClasses, 1),
    dropPathRate: c.dropPathRate ?? 0.1,
  };
  if (resolved.channels % 2 !== 0) fail(where, `channels must be even (the tokenizer's first convs are channels/2 wide); got ${resolved.channels}`);
  if (!(resolved.dropPathRate >= 0 && resolved.dropPathRate < 1)) fail(where, `dropPathRate must be in [0, 1); got ${resolved.dropPathRate}`);
  return resolved;
}
