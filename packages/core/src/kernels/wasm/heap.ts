// SPDX-License-Identifier: MIT
// Float32 views of tensors on the tfjs wasm module's heap.
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { util } from '@tensorflow/tfjs-core';
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { wasmHeapBytes, wasmMemoryOffset } from '../../tfjs_internals.js';

/** A Float32Array view of a tensor on the wasm heap. Take views only after the last allocation:
 *  growing the heap detaches older views. */
export function heapView(backend: BackendWasm, info: TensorInfo): Float32Array {
  return new Float32Array(wasmHeapBytes(backend).buffer, wasmMemoryOffset(backend, info), util.sizeFromShape(info.shape));
}
