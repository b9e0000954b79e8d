// SPDX-License-Identifier: MIT
// tfjs-wasm 4.22's Identity copies its input, and the engine runs Identity for every tensor the tape saves for
// the backward pass (tf.clone), so on wasm each saved activation is stored twice; a Cast to the same dtype copies
// too. tfjs-cpu and wasm's own Reshape share the buffer by reference count instead, which is what this does:
// no kernel writes into its inputs, and a variable's assign swaps buffers rather than writing in place.
import * as tf from '@tensorflow/tfjs';
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs';

interface RefCountingBackend {
  incRef(dataId: object): void;
}

const replaced = new Set<string>();

function shareInput(x: TensorInfo, backend: unknown): TensorInfo {
  (backend as RefCountingBackend).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

const sharedIdentity: KernelFunc = ({ inputs, backend }) => shareInput(inputs.x as TensorInfo, backend);

function sameTypeCastShares(original: KernelFunc): KernelFunc {
  return (args) => {
    const x = args.inputs.x as TensorInfo;
    const { dtype } = args.attrs as { dtype: string };
    return x.dtype === dtype && dtype !== 'string' ? shareInput(x, args.backend) : original(args);
  };
}

/** Replaces wasm's Identity and same-dtype Cast with buffer sharing (call after @tensorflow/tfjs-backend-wasm is
 *  imported); idempotent, a no-op without wasm. String tensors keep the original kernels. */
export function registerWasmSharedIdentity(): void {
  for (const kernelName of ['Identity', 'Cast']) {
    if (replaced.has(kernelName)) continue;
    const original = tf.getKernel(kernelName, 'wasm');
    if (original === undefined) continue;
    replaced.add(kernelName);
    const kernelFunc: KernelFunc =
      kernelName === 'Identity'
        ? (args) => ((args.inputs.x as TensorInfo).dtype === 'string' ? original.kernelFunc(args) : sharedIdentity(args))
        : sameTypeCastShares(original.kernelFunc);
    tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel({ ...original, kernelFunc });
  }
}
