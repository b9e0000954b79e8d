// SPDX-License-Identifier: MIT
// Linear kernels packed once for the wasm Linear kernel: `[C, U]` row-major rearranged into 8-column panels
// (assembly/linear's packPanels) on the backend's heap, kept per tensor data as XNNPACK keeps its packed weights.
// A model's kernels are variables, whose data stays the same between calls and changes on every assign, so the
// cache is keyed by data: a new value packs afresh, and packs whose data tfjs has freed are freed with them at
// the next miss. The cache thus never holds more than the kernels alive, plus those disposed since the last miss.
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { DataId, TensorInfo } from '@tensorflow/tfjs-core';
import { wasmFree, wasmHoldsData, wasmMalloc, wasmMemoryOffset } from '../../tfjs_internals.js';
import type { SimdKernels } from './simd_module.js';

interface Packed {
  pointer: number;
  bytes: number;
  /** The `[C, U]` it was packed as, in panels of `steps` rows: other shapes of the same data pack anew. */
  rows: number;
  columns: number;
  steps: number;
}

const caches = new WeakMap<BackendWasm, Map<DataId, Packed>>();

/** The heap bytes of `[rows, columns]` packed into 8-column panels of `steps` rows. */
export function packedPanelBytes(rows: number, columns: number, steps = rows): number {
  return 4 * steps * 8 * Math.ceil(columns / 8);
}

/** Frees the packs of data tfjs no longer holds. */
function sweep(backend: BackendWasm, cache: Map<DataId, Packed>): void {
  for (const [dataId, packed] of cache) {
    if (!wasmHoldsData(backend, dataId)) {
      wasmFree(backend, packed.pointer);
      cache.delete(dataId);
    }
  }
}

/**
 * Where `kernel` (`[C, U]` float32 on this backend) lies packed into panels of `steps` rows (C, or more for a
 * convolution's zero-padded windows), packing it on first use.
 */
export function packedPanels(backend: BackendWasm, kernels: SimdKernels, kernel: TensorInfo, steps = kernel.shape[0]!): number {
  let cache = caches.get(backend);
  if (cache === undefined) {
    cache = new Map();
    caches.set(backend, cache);
  }
  const [rows, columns] = kernel.shape as [number, number];
  const hit = cache.get(kernel.dataId);
  if (hit !== undefined && hit.rows === rows && hit.columns === columns && hit.steps === steps) return hit.pointer;
  if (hit !== undefined) {
    wasmFree(backend, hit.pointer);
    cache.delete(kernel.dataId);
  }
  sweep(backend, cache);
  const bytes = packedPanelBytes(rows, columns, steps);
  const pointer = wasmMalloc(backend, bytes);
  kernels.packPanels(wasmMemoryOffset(backend, kernel), pointer, rows, columns, steps);
  cache.set(kernel.dataId, { pointer, bytes, rows, columns, steps });
  return pointer;
}

/** Heap bytes held by packed kernels on `backend` (for memory accounting and its test). */
export function packedPanelHeapBytes(backend: BackendWasm): number {
  let total = 0;
  for (const packed of caches.get(backend)?.values() ?? []) total += packed.bytes;
  return total;
}
