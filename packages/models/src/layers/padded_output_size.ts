// SPDX-License-Identifier: MIT
// How PyTorch sizes a conv's or pool's output under symmetric padding (the floor rule).
import type { Shape } from '@tensorflow/tfjs-layers';
import { singleShape } from './layer_args.js';

/**
 * Output side of a conv or pool window `kernel` wide, `stride` apart, over `size` with `padding` on each side.
 * A non-positive side means the input is too small.
 */
export function paddedOutputSize(size: number, kernel: number, stride: number, padding: number): number {
  return Math.floor((size + 2 * padding - kernel) / stride) + 1;
}

/** `[batch, height', width', channels]` of a square window over an NHWC input shape (null sides stay null). */
export function paddedOutputShape(inputShape: Shape | Shape[], window: { size: number; strides: number; padding: number }, channels: number | null): Shape {
  const [batch, height, width] = singleShape(inputShape);
  const side = (size: number | null | undefined) => (size == null ? null : paddedOutputSize(size, window.size, window.strides, window.padding));
  return [batch ?? null, side(height), side(width), channels];
}
