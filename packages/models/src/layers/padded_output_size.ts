// SPDX-License-Identifier: MIT

/**
 * Output side of a conv or pool window `kernel` wide, `stride` apart, over `size` with `padding` on each side
 * (PyTorch's floor rule). A non-positive side means the input is too small.
 */
export function paddedOutputSize(size: number, kernel: number, stride: number, padding: number): number {
  return Math.floor((size + 2 * padding - kernel) / stride) + 1;
}
