// SPDX-License-Identifier: MIT
// Whether an element-wise op (GELU, LayerNorm) runs as one fused kernel on the active backend. A backend
// registers the kernel and may declare when it can run it (wasm: where its SIMD module instantiates on the
// backend's memory); everywhere else the op runs its composite of tfjs ops.
import { getBackend, getKernel } from '@tensorflow/tfjs-core';

const availability = new Map<string, () => boolean>();

/** Declares that `backendName`'s fused element-wise kernels run only while `available()` is true. */
export function declareFusedKernelAvailability(backendName: string, available: () => boolean): void {
  availability.set(backendName, available);
}

/** Whether `kernelName` runs fused on `backendName` (default: the active backend). */
export function runsFusedKernel(kernelName: string, backendName = getBackend()): boolean {
  return getKernel(kernelName, backendName) != null && (availability.get(backendName)?.() ?? true);
}
