// SPDX-License-Identifier: MIT
// Typed access to the tfjs wasm module's heap (its typings omit the Emscripten fields we rely on).
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { util } from '@tensorflow/tfjs-core';
import type { TensorInfo } from '@tensorflow/tfjs-core';

interface EmscriptenHeap {
  HEAPU8: Uint8Array;
  asm?: { memory?: WebAssembly.Memory };
}

export function wasmMemory(backend: BackendWasm): WebAssembly.Memory | undefined {
  return (backend.wasm as unknown as EmscriptenHeap).asm?.memory;
}

export function memoryOffset(backend: BackendWasm, info: TensorInfo): number {
  return backend.dataIdMap.get(info.dataId)!.memoryOffset;
}

/** A Float32Array view of a tensor on the wasm heap. Take views only after the last allocation:
 *  growing the heap detaches older views. */
export function heapView(backend: BackendWasm, info: TensorInfo): Float32Array {
  const heap = (backend.wasm as unknown as EmscriptenHeap).HEAPU8;
  return new Float32Array(heap.buffer, memoryOffset(backend, info), util.sizeFromShape(info.shape));
}
