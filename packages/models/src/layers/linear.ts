// SPDX-License-Identifier: MIT
// nn.Linear's forward over the last axis of tokens of any rank: `[..., C] @ kernel [C, U] + bias [U]`. Outside a
// gradient it runs tfjs' _FusedMatMul kernel itself: fused.matMul wraps that kernel in a custom-gradient op scope
// with reshapes to and from 3-D, which on wasm cost a small model's pass more than some of its kernels do. The
// kernel is the same either way (on wasm: XNNPACK with the kernel variable's packed weights cached), so are the
// values. The batch axis folds into the rows: tfjs-wasm sends a matMul to XNNPACK only at batch 1.
import { _FusedMatMul, engine, fused, reshape } from '@tensorflow/tfjs-core';
import type { NamedTensorMap, Tensor, Tensor2D } from '@tensorflow/tfjs-core';
import { isRecordingGradients } from '@natzoo/core/internals';

const ATTRS = { transposeA: false, transposeB: false, activation: 'linear', leakyreluAlpha: 0 };

/** `x @ kernel + bias` on x's last axis; `bias` null for none. `[..., C]` -> `[..., U]`. */
export function linear(x: Tensor, kernel: Tensor2D, bias: Tensor | null): Tensor {
  const [channels, units] = kernel.shape;
  const outShape = [...x.shape.slice(0, -1), units];
  if (isRecordingGradients()) {
    const y = fused.matMul({ a: reshape(x, [-1, channels]) as Tensor2D, b: kernel, bias: bias ?? undefined });
    return reshape(y, outShape);
  }
  const inputs: NamedTensorMap = { a: reshapedTo(x, [1, x.size / channels, channels]), b: reshape(kernel, [1, channels, units]) };
  if (bias !== null) inputs['bias'] = bias;
  return reshapedTo(engine().runKernel(_FusedMatMul, inputs, { ...ATTRS }) as Tensor, outShape);
}

/** `t` itself when it already has `shape` (one tokens tensor at batch 1): a Reshape kernel call less. */
function reshapedTo(t: Tensor, shape: number[]): Tensor {
  return t.shape.length === shape.length && t.shape.every((d, i) => d === shape[i]) ? t : reshape(t, shape);
}
