// SPDX-License-Identifier: MIT
// nn.Linear's forward over the last axis of tokens of any rank: `[..., C] @ kernel [C, U] + bias [U]`.
// - While gradients are recorded: tfjs's fused.matMul (its gradient included).
// - Otherwise, where the backend runs our Linear kernel (wasm's single-threaded builds): that kernel, over the
//   kernel packed once into panels, about 1.3x XNNPACK's matmul on one core.
// - Elsewhere: tfjs's _FusedMatMul kernel itself. fused.matMul wraps it in a custom-gradient op scope with reshapes
//   to and from 3-D, which on wasm cost a small model's pass more than some of its kernels do. The batch axis
//   folds into the rows: tfjs-wasm sends a matMul to XNNPACK only at batch 1.
import { _FusedMatMul, engine, fused, reshape, tidy, zeros } from '@tensorflow/tfjs-core';
import type { NamedTensorMap, Tensor, Tensor2D } from '@tensorflow/tfjs-core';
import { runsFusedKernel } from '../fused_kernels.js';
import { Linear } from '../kernel_names.js';
import { checkTensor, fail } from '../na_args.js';
import { isRecordingGradients } from '../tfjs_internals.js';

const op = 'linear';
const MATMUL_ATTRS = { transposeA: false, transposeB: false, activation: 'linear', leakyreluAlpha: 0 };

/** `x @ kernel + bias` on x's last axis (`bias` null or undefined for none): `[..., C]` -> `[..., U]`. */
export function linear(x: Tensor, kernel: Tensor, bias?: Tensor | null): Tensor {
  checkTensor(op, 'kernel', kernel, 2, '[C, U]');
  const [channels, units] = kernel.shape as [number, number];
  if (x == null || x.rank < 1 || x.shape[x.rank - 1] !== channels) {
    fail(op, `x's last axis must be kernel's C = ${channels}; got shape [${x?.shape?.join(', ') ?? String(x)}]`);
  }
  if (bias != null && (bias.rank !== 1 || bias.shape[0] !== units)) fail(op, `bias must have shape [${units}] (kernel's U); got [${bias.shape.join(', ')}]`);
  const outShape = [...x.shape.slice(0, -1), units];
  if (isRecordingGradients()) {
    return tidy(() => reshape(fused.matMul({ a: reshape(x, [-1, channels]) as Tensor2D, b: kernel as Tensor2D, bias: bias ?? undefined }), outShape));
  }
  if (x.dtype === 'float32' && runsFusedKernel(Linear)) {
    return bias != null ? (engine().runKernel(Linear, { x, kernel, bias }) as Tensor) : tidy(() => engine().runKernel(Linear, { x, kernel, bias: zeros([0]) }) as Tensor);
  }
  const inputs: NamedTensorMap = { a: reshapedTo(x, [1, x.size / channels, channels]), b: reshape(kernel, [1, channels, units]) };
  if (bias != null) inputs['bias'] = bias;
  return reshapedTo(engine().runKernel(_FusedMatMul, inputs, { ...MATMUL_ATTRS }) as Tensor, outShape);
}

/** `t` itself when it already has `shape` (one tokens tensor at batch 1): a Reshape kernel call less. */
function reshapedTo(t: Tensor, shape: number[]): Tensor {
  return t.shape.length === shape.length && t.shape.every((d, i) => d === shape[i]) ? t : reshape(t, shape);
}
