// SPDX-License-Identifier: MIT
// The SIMD kernels (assembly/*.ts: the NA split, fused-forward (per query and by stride group) and fused-backward
// modules, the element-wise one, full self-attention and linear) instantiated against the tfjs wasm backend's own memory
// (unshared in the single-threaded builds, shared in the threaded one), so they read and write tensors where tfjs
// keeps them; plus scratch allocation on that heap for their index tables.
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { wasmFree, wasmMalloc, wasmMemory } from '../../tfjs_internals.js';
import * as elementwise from './elementwise_module.generated.js';
import * as backward from './na_backward_module.generated.js';
import * as fused from './na_fused_module.generated.js';
import * as grouped from './na_grouped_module.generated.js';
import * as forward from './na_kernels_module.generated.js';
import * as linear from './linear_module.generated.js';
import * as selfAttention from './self_attention_module.generated.js';
import { WasmKernelError } from './wasm_kernel_error.js';

type Pointer = number;
type Kernel = (...args: number[]) => void;

export interface SimdKernels {
  fusedAttention: Kernel;
  /** assembly/grouped: the fused forward tiled by stride group. */
  groupedAttention: Kernel;
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
  /** assembly/linear: a kernel packed into 8-column panels, and the products with it (dense and im2col). */
  packPanels: Kernel;
  linear: Kernel;
  conv2d: Kernel;
}

/** Every assembly module, each compiled for an unshared and a shared memory (scripts/build_wasm.mjs). */
const MODULES: readonly { moduleBase64: string; sharedModuleBase64: string }[] = [forward, fused, grouped, backward, elementwise, selfAttention, linear];

/** Engines without SIMD WebAssembly run tfjs's plain build; there the JS loops are the intended path. */
const simdSupported = (() => {
  try {
    return WebAssembly.validate(decodeBase64(forward.moduleBase64));
  } catch {
    return false;
  }
})();

const compiled = new Map<boolean, WebAssembly.Module[]>();
const instances = new WeakMap<WebAssembly.Memory, SimdKernels>();

function decodeBase64(b64: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}

/** Shared memories exist only where SharedArrayBuffer does (cross-origin-isolated pages, Node). */
function isShared(memory: WebAssembly.Memory): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
}

/** The modules for an unshared or shared memory, compiled once each. */
function modulesFor(shared: boolean): WebAssembly.Module[] {
  let modules = compiled.get(shared);
  if (modules === undefined) {
    // Each under 4 KB, so synchronous compilation is allowed even on a browser's main thread.
    modules = MODULES.map((m) => new WebAssembly.Module(decodeBase64(shared ? m.sharedModuleBase64 : m.moduleBase64)));
    compiled.set(shared, modules);
  }
  return modules;
}

/** The kernels instantiated against `memory` (shared, as the threaded tfjs build's, or not), cached per memory. */
export function simdKernelsForMemory(memory: WebAssembly.Memory): SimdKernels {
  let kernels = instances.get(memory);
  if (kernels === undefined) {
    const shared = isShared(memory);
    try {
      const exports = modulesFor(shared).map((module) => new WebAssembly.Instance(module, { env: { memory } }).exports);
      kernels = Object.assign({}, ...exports) as SimdKernels;
    } catch (error) {
      throw new WasmKernelError(`natzoo's SIMD kernels cannot be bound to the tfjs wasm ${shared ? 'shared ' : ''}memory: ${(error as Error).message}`, { cause: error });
    }
    instances.set(memory, kernels);
  }
  return kernels;
}

/**
 * The kernels bound to this backend's memory, or null where the engine has no SIMD WebAssembly (tfjs then runs
 * its plain build too). Anything else that keeps them from binding is a WasmKernelError, never a silent fallback.
 */
export function simdKernelsFor(backend: BackendWasm): SimdKernels | null {
  if (!simdSupported) return null;
  const memory = wasmMemory(backend);
  if (memory === undefined) {
    throw new WasmKernelError('the tfjs wasm backend exposes no WebAssembly.Memory (neither asm.memory nor wasmMemory); natzoo cannot run its SIMD kernels on it');
  }
  return simdKernelsForMemory(memory);
}

/**
 * Which memory natzoo's SIMD kernels run on for this wasm backend, binding them if they are not yet: 'shared' on
 * tfjs-wasm's threaded build (a cross-origin-isolated page), 'unshared' on the single-threaded ones, null where
 * the engine has no SIMD WebAssembly (the JavaScript loops run). Throws a WasmKernelError where they cannot bind.
 */
export function wasmKernelMemory(backend: BackendWasm): 'shared' | 'unshared' | null {
  if (simdKernelsFor(backend) === null) return null;
  return isShared(wasmMemory(backend)!) ? 'shared' : 'unshared';
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
