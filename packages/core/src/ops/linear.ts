// SPDX-License-Identifier: MIT
// nn.Linear's forward over the last axis of tokens of any rank: `[..., C] @ kernel [C, U] + bias [U]`, whole or
// split into column blocks (linearSplit).
// - While gradients are recorded: tfjs's fused.matMul (its gradient included).
// - Otherwise, where the backend runs our Linear kernel (wasm's single-threaded builds): that kernel, over the
//   kernel packed once into panels, 1.1-1.2x XNNPACK's matmul on one core (scripts/bench_dense.mjs).
//   Under 6 rows (a classifier head at batch 1) its 6-row tile would do the work of 6: _FusedMatMul does it.
// - Elsewhere: tfjs's _FusedMatMul kernel itself. fused.matMul wraps it in a custom-gradient op scope with reshapes
//   to and from 3-D, which on wasm cost a small model's pass more than some of its kernels do. The batch axis
//   folds into the rows: tfjs-wasm sends a matMul to XNNPACK only at batch 1.
import { _FusedMatMul, engine, fused, reshape, slice, split, tidy, transpose, zeros } from '@tensorflow/tfjs-core';
import type { NamedTensorMap, Tensor, Tensor2D } from '@tensorflow/tfjs-core';
import { runsFusedKernel } from '../fused_kernels.js';
import { Linear } from '../kernel_names.js';
import type { LinearAttrs } from '../kernel_names.js';
import { checkTensor, fail } from '../na_args.js';
import { isRecordingGradients } from '../tfjs_internals.js';

const op = 'linear';
const MATMUL_ATTRS = { transposeA: false, transposeB: false, activation: 'linear', leakyreluAlpha: 0 };

/** Checks the operands of `name`; returns kernel's `[C, U]`. */
function checkOperands(name: string, x: Tensor, kernel: Tensor, bias: Tensor | null | undefined): [number, number] {
  checkTensor(name, 'kernel', kernel, 2, '[C, U]');
  const [channels, units] = kernel.shape as [number, number];
  if (x == null || x.rank < 1 || x.shape[x.rank - 1] !== channels) {
    fail(name, `x's last axis must be kernel's C = ${channels}; got shape [${x?.shape?.join(', ') ?? String(x)}]`);
  }
  if (bias != null && (bias.rank !== 1 || bias.shape[0] !== units)) fail(name, `bias must have shape [${units}] (kernel's U); got [${bias.shape.join(', ')}]`);
  return [channels, units];
}

const ONE_OUTPUT: LinearAttrs = { splits: [] };
/** Rows of the Linear kernel's register tile (assembly/linear): fewer rows would still cost a whole tile. */
const TILE_ROWS = 6;

/** `x @ kernel + bias` on x's last axis (`bias` null or undefined for none): `[..., C]` -> `[..., U]`. */
export function linear(x: Tensor, kernel: Tensor, bias?: Tensor | null): Tensor {
  const [channels, units] = checkOperands(op, x, kernel, bias);
  const outShape = [...x.shape.slice(0, -1), units];
  if (isRecordingGradients()) {
    return tidy(() => reshape(fused.matMul({ a: reshape(x, [-1, channels]) as Tensor2D, b: kernel as Tensor2D, bias: bias ?? undefined }), outShape));
  }
  if (x.dtype === 'float32' && x.size >= TILE_ROWS * channels && runsFusedKernel(Linear)) {
    const attrs = { ...ONE_OUTPUT };
    return bias != null ? (engine().runKernel(Linear, { x, kernel, bias }, attrs) as Tensor) : tidy(() => engine().runKernel(Linear, { x, kernel, bias: zeros([0]) }, attrs) as Tensor);
  }
  const inputs: NamedTensorMap = { a: reshapedTo(x, [1, x.size / channels, channels]), b: reshape(kernel, [1, channels, units]) };
  if (bias != null) inputs['bias'] = bias;
  return reshapedTo(engine().runKernel(_FusedMatMul, inputs, { ...MATMUL_ATTRS }) as Tensor, outShape);
}

/** `t` itself when it already has `shape` (one tokens tensor at batch 1): a Reshape kernel call less. */
function reshapedTo(t: Tensor, shape: number[]): Tensor {
  return t.shape.length === shape.length && t.shape.every((d, i) => d === shape[i]) ? t : reshape(t, shape);
}

/**
 * `linear(x, kernel, bias)` split into consecutive column blocks of `widths` (q, k and v of one projection), each
 * `[..., width]`. Our kernel writes each block to its own output when every block starts at a multiple of 8
 * columns; elsewhere, either the kernel's column blocks are multiplied apart, which copies the weights and no
 * activations, or the product is split, which copies it: the first wins on wasm once the rows outnumber the
 * channels twice (nat_mini's first level projects 3136 rows of 64 channels per image).
 */
export function linearSplit(x: Tensor, kernel: Tensor, bias: Tensor | null | undefined, widths: readonly number[]): Tensor[] {
  const [channels, units] = checkOperands('linearSplit', x, kernel, bias);
  if (widths.length === 0 || widths.some((w) => !Number.isInteger(w) || w < 0) || widths.reduce((a, b) => a + b, 0) !== units) {
    fail('linearSplit', `widths must be non-negative integers summing to kernel's U = ${units}; got [${widths.join(', ')}]`);
  }
  const starts = widths.map((_, i) => widths.slice(0, i).reduce((a, b) => a + b, 0));
  if (!isRecordingGradients() && x.dtype === 'float32' && x.size >= TILE_ROWS * channels && starts.every((s) => s % 8 === 0) && runsFusedKernel(Linear)) {
    const attrs: LinearAttrs = { splits: [...widths] };
    return tidy(() => engine().runKernel(Linear, { x, kernel, bias: bias ?? zeros([0]) }, { ...attrs }) as Tensor[]);
  }
  return tidy(() => {
    if (x.size / channels >= 2 * channels) {
      const kernels = split(kernel, [...widths], 1);
      const biases = bias == null ? widths.map(() => null) : split(bias, [...widths], 0);
      return kernels.map((k, i) => linear(x, k, biases[i]));
    }
    const product = linear(x, kernel, bias);
    if (widths.some((w) => w !== widths[0])) return split(product, [...widths], -1);
    // Equal blocks: moving the block axis to the front makes each contiguous (tfjs-wasm's Unpack on the inner
    // axis took 95% of a NAT forward).
    const lead = x.shape.slice(0, -1);
    const blocks = transpose(reshape(product, [-1, widths.length, widths[0]!]), [1, 0, 2]);
    return widths.map((w, i) => reshape(slice(blocks, [i, 0, 0], [1, -1, -1]), [...lead, w]));
  });
}
