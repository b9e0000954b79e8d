// SPDX-License-Identifier: MIT
// tfjs-wasm 4.22's Identity copies its input, and the engine runs Identity for every tensor the tape saves for
// the backward pass (tf.clone), so on wasm each saved activation is stored twice; a Cast to the same dtype copies
// too. tfjs-cpu and wasm's own Reshape share the buffer by reference count instead, which is what this does:
// no kernel writes into its inputs, and a variable's assign swaps buffers rather than writing in place.
import type { KernelBackend, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { KernelPatch } from './kernel_patch.js';

function shareInput(x: TensorInfo, backend: KernelBackend): TensorInfo {
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

function sharedIdentity(original: KernelFunc): KernelFunc {
  return (args) => {
    const x = args.inputs.x as TensorInfo;
    return x.dtype === 'string' ? original(args) : shareInput(x, args.backend as KernelBackend);
  };
}

function sameTypeCastShares(original: KernelFunc): KernelFunc {
  return (args) => {
    const x = args.inputs.x as TensorInfo;
    const { dtype } = args.attrs as { dtype: string };
    return x.dtype === dtype && dtype !== 'string' ? shareInput(x, args.backend as KernelBackend) : original(args);
  };
}

/** wasm's Identity and same-dtype Cast share buffers (when @tensorflow/tfjs-backend-wasm is loaded); string
 *  tensors keep the original kernels. */
export const wasmSharedIdentityPatches: readonly KernelPatch[] = [
  { kernelName: 'Identity', wrap: sharedIdentity },
  { kernelName: 'Cast', wrap: sameTypeCastShares },
].map(({ kernelName, wrap }) => ({
  kernelName,
  backendName: 'wasm',
  patch: (current) => (current === undefined ? null : { ...current, kernelFunc: wrap(current.kernelFunc) }),
}));
