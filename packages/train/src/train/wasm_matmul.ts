// SPDX-License-Identifier: MIT
// tfjs-wasm 4.22 runs BatchMatMul / _FusedMatMul through XNNPACK only for one matrix product with neither operand
// transposed; a transposed operand (every Dense layer's backward pass) or a batch of products (attention) takes
// a loop 6-10x slower. This wraps the kernels: transposed operands are transposed explicitly (a cheap copy), and a
// batched BatchMatMul runs as one fast 2-D product per batch entry.
import * as tf from '@tensorflow/tfjs';
import type { KernelBackend, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { borrowTensor } from './kernel_tensors.js';

const wrapped = new Set<string>();

function swapLastTwo(t: tf.Tensor): tf.Tensor {
  const perm = [...Array(t.rank).keys()];
  [perm[t.rank - 2], perm[t.rank - 1]] = [perm[t.rank - 1]!, perm[t.rank - 2]!];
  return tf.transpose(t, perm);
}

const batchOf = (shape: readonly number[]) => shape.slice(0, -2).reduce((a, b) => a * b, 1);

/** a [..., M, K] x b [..., K, N] (batch dims equal, or one side a single matrix), as 2-D products. */
function batchedProduct(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const [m, k] = a.shape.slice(-2) as [number, number];
  const n = b.shape[b.rank - 1]!;
  const ba = batchOf(a.shape);
  const bb = batchOf(b.shape);
  if (ba !== bb && ba !== 1 && bb !== 1) throw new Error(`BatchMatMul: batch sizes ${ba} and ${bb} do not broadcast`);
  const batch = Math.max(ba, bb);
  const outBatchShape = (ba >= bb ? a.shape : b.shape).slice(0, -2);
  return tf.tidy(() => {
    const as = tf.unstack(tf.reshape(a, [ba, m, k]));
    const bs = tf.unstack(tf.reshape(b, [bb, k, n]));
    const products = Array.from({ length: batch }, (_, i) => tf.matMul(as[ba === 1 ? 0 : i]! as tf.Tensor2D, bs[bb === 1 ? 0 : i]! as tf.Tensor2D));
    return tf.reshape(tf.stack(products), [...outBatchShape, m, n]);
  });
}

function fastMatMul(kernelName: string, original: KernelFunc): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
    const aInfo = inputs.a as TensorInfo;
    const bInfo = inputs.b as TensorInfo;
    const batched = kernelName === 'BatchMatMul' && Math.max(batchOf(aInfo.shape), batchOf(bInfo.shape)) > 1;
    if (!transposeA && !transposeB && !batched) return original({ inputs, backend, attrs });
    const temps: tf.Tensor[] = [];
    const keep = <T extends tf.Tensor>(t: T): T => (temps.push(t), t);
    try {
      let a = keep(borrowTensor(aInfo, backend as KernelBackend));
      let b = keep(borrowTensor(bInfo, backend as KernelBackend));
      if (transposeA) a = keep(swapLastTwo(a));
      if (transposeB) b = keep(swapLastTwo(b));
      if (!batched) return original({ inputs: { ...inputs, a, b }, backend, attrs: { ...attrs, transposeA: false, transposeB: false } });
      const out = keep(batchedProduct(a, b));
      // Hand the result over as backend data of its own, so the engine owns it like any kernel output.
      return { dataId: (backend as KernelBackend).write(out.dataSync(), out.shape, out.dtype), shape: out.shape, dtype: out.dtype };
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
    tf.registerKernel({ ...original, kernelFunc: fastMatMul(kernelName, original.kernelFunc) });
  }
}
