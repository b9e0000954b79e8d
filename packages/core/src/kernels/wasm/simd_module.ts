// SPDX-License-Identifier: MIT
// The SIMD kernels (assembly/*.ts: the NA split, fused-forward and fused-backward modules, the element-wise one and
// full self-attention) instantiated against the tfjs wasm backend's own memory, so they read and write tensors where
// tfjs keeps them; plus scratch allocation on that heap for their index tables.
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { wasmFree, wasmMalloc, wasmMemory } from '../../tfjs_internals.js';
import { moduleBase64 as elementwiseBase64 } from './elementwise_module.generated.js';
import { moduleBase64 as backwardBase64 } from './na_backward_module.generated.js';
import { moduleBase64 as fusedBase64 } from './na_fused_module.generated.js';
import { moduleBase64 } from './na_kernels_module.generated.js';
import { moduleBase64 as selfAttentionBase64 } from './self_attention_module.generated.js';

type Pointer = number;
type Kernel = (...args: number[]) => void;

export interface SimdKernels {
  fusedAttention: Kernel;
  neighborhoodDot: Kernel;
  neighborhoodWeightedSum: Kernel;
  inverseWeightedSum: Kernel;
  logSumExp: Kernel;
  backpropQuery: Kernel;
  backpropKeyValue: Kernel;
  /** assembly/elementwise: exact GELU and last-axis LayerNorm. */
  gelu: Kernel;
  layerNorm: Kernel;
  /** assembly/attention: fused full self-attention. */
  selfAttention: Kernel;
}

let compiled: WebAssembly.Module[] | null | undefined;
const instances = new WeakMap<WebAssembly.Memory, SimdKernels>();

/** The kernels bound to this backend's memory, or null where SIMD WebAssembly is unavailable. */
export function simdKernelsFor(backend: BackendWasm): SimdKernels | null {
  const memory = wasmMemory(backend);
  // The kernels module imports an unshared memory; the threaded build's is shared, so it runs the JS loops.
  if (memory === undefined || (typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer)) return null;
  if (compiled === undefined) {
    try {
      // Each under 4 KB, so synchronous compilation is allowed even on a browser's main thread.
      compiled = [moduleBase64, fusedBase64, backwardBase64, elementwiseBase64, selfAttentionBase64].map((b64) => new WebAssembly.Module(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))));
    } catch {
      compiled = null;
    }
  }
  if (compiled === null) return null;
  let kernels = instances.get(memory);
  if (kernels === undefined) {
    const exports = compiled.map((module) => new WebAssembly.Instance(module, { env: { memory } }).exports);
    kernels = Object.assign({}, ...exports) as SimdKernels;
    instances.set(memory, kernels);
  }
  return kernels;
}

/**
 * Copies int32 `tables` back to back onto the wasm heap, reserves `scratchBytes` after them, runs `body`
 * with both pointers and frees the block.
 */
export function withHeapTables(
  backend: BackendWasm,
  tables: readonly Int32Array[],
  scratchBytes: number,
  body: (tables: Pointer, scratch: Pointer) => void,
): void {
  const tableBytes = 4 * tables.reduce((sum, table) => sum + table.length, 0);
  const block = wasmMalloc(backend, tableBytes + scratchBytes);
  try {
    // The view is taken after malloc, which may grow (and detach) the heap.
    const ints = new Int32Array(wasmMemory(backend)!.buffer, block, tableBytes / 4);
    tables.reduce((at, table) => {
      ints.set(table, at);
      return at + table.length;
    }, 0);
    body(block, block + tableBytes);
  } finally {
    wasmFree(backend, block);
  }
}
