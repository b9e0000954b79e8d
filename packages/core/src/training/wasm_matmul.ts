// SPDX-License-Identifier: MIT
// tfjs-wasm 4.22's BatchMatMul / _FusedMatMul are 6-15x slower when an operand is transposed (every Dense
// layer's backward pass has one) than when none is. This wraps the two kernels: a transposed operand is
// transposed explicitly (a cheap copy) and the product runs untransposed.
import { transpose } from '@tensorflow/tfjs-core';
import type { KernelBackend, KernelFunc, Tensor, TensorInfo } from '@tensorflow/tfjs-core';
import { borrowTensor } from '../tfjs_internals.js';
import type { KernelPatch } from './kernel_patch.js';

function swapLastTwo(t: Tensor): Tensor {
  const perm = [...Array(t.rank).keys()];
  [perm[t.rank - 2], perm[t.rank - 1]] = [perm[t.rank - 1]!, perm[t.rank - 2]!];
  return transpose(t, perm);
}

function untransposed(original: KernelFunc): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
    if (!transposeA && !transposeB) return original({ inputs, backend, attrs });
    const temps: Tensor[] = [];
    const keep = <T extends Tensor>(t: T): T => (temps.push(t), t);
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

/** Wraps wasm's matmul kernels (when @tensorflow/tfjs-backend-wasm is loaded). */
export const wasmTransposedMatMulPatches: readonly KernelPatch[] = ['BatchMatMul', '_FusedMatMul'].map((kernelName) => ({
  kernelName,
  backendName: 'wasm',
  patch: (current) => (current === undefined ? null : { ...current, kernelFunc: untransposed(current.kernelFunc) }),
}));
