// SPDX-License-Identifier: MIT
// nn.Conv2d with PyTorch's equal zero padding on every side (a square kernel, one stride for both axes), NHWC.
// - While gradients are recorded, where the backend has no PaddedConv2D kernel, and for windows of under 32
//   floats: tfjs's fused.conv2d, which every backend runs with the padding inside the convolution.
// - Otherwise (wasm's single-threaded builds): our kernel, im2col rows times the filter packed once, 1.04-1.17x
//   XNNPACK's convolution on one core (scripts/bench_dense.mjs).
import { engine, fused, tidy, zeros } from '@tensorflow/tfjs-core';
import type { Tensor, Tensor1D, Tensor4D } from '@tensorflow/tfjs-core';
import { runsFusedKernel } from '../fused_kernels.js';
import { PaddedConv2D } from '../kernel_names.js';
import type { PaddedConv2DAttrs } from '../kernel_names.js';
import { checkTensor, fail } from '../na_args.js';
import { isRecordingGradients } from '../tfjs_internals.js';

export interface PaddedConv2DOptions {
  /** Default 1. */
  strides?: number;
  /** Zeros on each of the four sides; default 0. */
  padding?: number;
  /** `[Cout]`; default none. */
  bias?: Tensor | null;
  /** Applied in the same kernel; default 'linear'. */
  activation?: 'linear' | 'relu';
}

const op = 'paddedConv2d';

/** `[B, H, W, Cin]` conv `[k, k, Cin, Cout]` -> `[B, H', W', Cout]`, `H' = floor((H + 2 padding - k) / strides) + 1`. */
export function paddedConv2d(x: Tensor, filter: Tensor, options: PaddedConv2DOptions = {}): Tensor4D {
  const { strides = 1, padding = 0, bias = null, activation = 'linear' } = options;
  checkTensor(op, 'x', x, 4, '[B, H, W, Cin]');
  checkTensor(op, 'filter', filter, 4, '[k, k, Cin, Cout]');
  const [size, width, channels, filters] = filter.shape as [number, number, number, number];
  if (size !== width) fail(op, `filter must be square; got shape [${filter.shape.join(', ')}]`);
  if (x.shape[3] !== channels) fail(op, `x's channels (${x.shape[3]}) must be filter's Cin = ${channels}`);
  if (!Number.isInteger(strides) || strides < 1) fail(op, `strides must be an integer >= 1; got ${String(strides)}`);
  if (!Number.isInteger(padding) || padding < 0) fail(op, `padding must be an integer >= 0; got ${String(padding)}`);
  if (bias != null && (bias.rank !== 1 || bias.shape[0] !== filters)) fail(op, `bias must have shape [${filters}] (filter's Cout); got [${bias.shape.join(', ')}]`);
  if (activation !== 'linear' && activation !== 'relu') fail(op, `activation must be 'linear' or 'relu'; got ${String(activation)}`);
  // Windows of under 32 floats (a 3x3 stem on RGB) gather more than they multiply: XNNPACK is faster there.
  if (isRecordingGradients() || x.dtype !== 'float32' || size * size * channels < 32 || !runsFusedKernel(PaddedConv2D)) {
    return fused.conv2d({ x: x as Tensor4D, filter: filter as Tensor4D, strides, pad: padding, bias: (bias ?? undefined) as Tensor1D | undefined, activation });
  }
  const attrs: PaddedConv2DAttrs = { strides, pad: padding, activation };
  return tidy(() => engine().runKernel(PaddedConv2D, { x, filter, bias: bias ?? zeros([0]) }, { ...attrs }) as Tensor4D);
}
