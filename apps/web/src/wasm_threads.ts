// SPDX-License-Identifier: MIT
// tfjs-wasm's threaded build (XNNPACK over a pool of Web Workers sharing one WebAssembly memory) wherever the page
// can run it. tfjs picks that build by itself when a SharedArrayBuffer can be posted, which browsers allow only on
// a cross-origin-isolated page (COOP same-origin + COEP credentialless, as vite.config.ts serves it); elsewhere it
// runs the single-threaded SIMD build. natzoo's kernels bind to whichever memory the build has.
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { wasmKernelMemory } from '@natzoo/core/advanced';
import { element } from './view.js';

/** The pthread workers tfjs-wasm's threaded build starts up front; XNNPACK must not ask for more. */
const MAX_THREADS = 8;
/** tfjs-wasm's priority for its backend (dist/base.js), kept when the factory is wrapped. */
const WASM_PRIORITY = 2;
const UNTHREADED = 'the page is not cross-origin isolated (served without COOP/COEP headers), so tfjs-wasm runs its single-threaded build';

export interface WasmThreading {
  crossOriginIsolated: boolean;
  /** XNNPACK's thread count: 1 on the single-threaded builds. */
  threads: number;
  /** The memory natzoo's SIMD kernels run on: 'shared' on the threaded build; null where they run as JS loops. */
  kernelMemory: 'shared' | 'unshared' | null;
}

/**
 * Applies `?threads=N` (XNNPACK threads of the threaded build; by default one per logical core, up to 8). Call it
 * before the wasm backend starts. Returns a note when the page cannot have threads, null otherwise.
 */
export function requestWasmThreads(threads: string | null): string | null {
  const count = threads === null ? Math.min(navigator.hardwareConcurrency || 1, MAX_THREADS) : Number(threads);
  if (!(Number.isSafeInteger(count) && count > 0 && count <= MAX_THREADS)) {
    throw new Error(`?threads=${threads}: expected a whole number of threads from 1 to ${MAX_THREADS} (the workers tfjs-wasm's threaded build starts)`);
  }
  if (!crossOriginIsolated) return threads === null ? null : `?threads=${threads} is ignored: ${UNTHREADED}`;
  setThreadsCount(count);
  startWithLogicalCores(2 * count);
  return null;
}

/**
 * tfjs-wasm gives XNNPACK at most half of navigator.hardwareConcurrency threads (it assumes two hyper-threads per
 * core), so a 2-core machine would get one. While its backend starts, the browser's core count reads `cores`.
 */
function startWithLogicalCores(cores: number): void {
  const factory = tf.findBackendFactory('wasm');
  if (factory === null) return;
  tf.removeBackend('wasm');
  tf.registerBackend('wasm', async () => {
    Object.defineProperty(navigator, 'hardwareConcurrency', { configurable: true, get: () => cores });
    try {
      return await factory();
    } finally {
      // The own property shadowed Navigator.prototype's getter; removing it restores the real count.
      delete (navigator as { hardwareConcurrency?: number }).hardwareConcurrency;
    }
  }, WASM_PRIORITY);
}

/** How the active wasm backend runs; null when another backend is active. */
export function wasmThreading(): WasmThreading | null {
  if (tf.getBackend() !== 'wasm') return null;
  return { crossOriginIsolated, threads: getThreadsCount(), kernelMemory: wasmKernelMemory(tf.backend() as BackendWasm) };
}

/** Shows the wasm threading next to the backend name (with data-threads and data-memory for tests). */
export function showWasmThreading(): WasmThreading | null {
  const shown = element('wasm-threads');
  const threading = wasmThreading();
  if (threading === null) {
    shown.textContent = '';
    delete shown.dataset['threads'];
    delete shown.dataset['memory'];
    return null;
  }
  const { threads, kernelMemory } = threading;
  shown.dataset['threads'] = String(threads);
  shown.dataset['memory'] = String(kernelMemory);
  shown.textContent = kernelMemory === 'shared'
    ? `(threaded build: ${threads} thread${threads === 1 ? '' : 's'}, shared memory)`
    : `(single-threaded: ${crossOriginIsolated ? `${kernelMemory ?? 'no SIMD'} memory` : UNTHREADED})`;
  return threading;
}
