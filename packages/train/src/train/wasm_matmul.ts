// SPDX-License-Identifier: MIT
// tfjs-wasm 4.22's BatchMatMul / _FusedMatMul are 6-15x slower when an operand is transposed (every Dense
// layer's backward pass has one) than when none is. This wraps the two kernels: a transposed operand is
// transposed explicitly (a cheap copy) and the product runs untransposed.
import * as tf from '@tensorflow/tfjs';
import type { KernelBackend, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { borrowTensor } from './kernel_tensors.js';

const wrapped = new Set<string>();

function swapLastTwo(t: tf.Tensor): tf.Tensor {
  const perm = [...Array(t.rank).keys()];
  [perm[t.rank - 2], perm[t.rank - 1]] = [perm[t.rank - 1]!, perm[t.rank - 2]!];
  return tf.transpose(t, perm);
}

function untransposed(original: KernelFunc): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
    if (!transposeA && !transposeB) return original({ inputs, backend, attrs });
    const temps: tf.Tensor[] = [];
    const keep = <T extends tf.Tensor>(t: T): T => (temps.push(t), t);
    try {
      const flip = (info: TensorInfo) => keep(swapLastTwo(keep(borrowTensor(info, backend as KernelBackend))));
      const a = transposeA ? flip(inputs.a as TensorInfo) : inputs.a;
      const b = transposeB ? flip(inputs.b as TensorInfo) : inputs.b;
      return original({ inputs: { ...inputs, a, b } as typeof inputs, backend, attrs: { ...attrs, transposeA: false, transposeB: false } });
    } finally {
      for (const t of temps) t.dispose();
    }
  };
}

/** Wraps the wasm matmul kernels (call after @tensorflow/tfjs-backend-wasm is imported); idempotent, a no-op without wasm. */
export function registerWasmTransposedMatMul(): void {
  for (const kernelName of ['BatchMatMul', '_FusedMatMul']) {
    if (wrapped.has(kernelName)) continue;
    const original = tf.getKernel(kernelName, 'wasm');
    if (original === undefined) continue;
    wrapped.add(kernelName);
    tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel({ ...original, kernelFunc: untransposed(original.kernelFunc) });
  }
}
