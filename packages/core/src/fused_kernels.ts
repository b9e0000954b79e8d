// SPDX-License-Identifier: MIT
// Whether an op with a fused kernel of ours (GELU, LayerNorm, Linear) runs it on the active backend. A backend
// registers the kernel and may declare when it can run it (wasm: where its SIMD modules instantiate on the
// backend's memory); everywhere else the op runs its composite of tfjs ops.
import { getBackend, getKernel } from '@tensorflow/tfjs-core';

const availability = new Map<string, (kernelName: string) => boolean>();

/** Declares that `backendName`'s fused kernels run only while `available(kernelName)` is true. */
export function declareFusedKernelAvailability(backendName: string, available: (kernelName: string) => boolean): void {
  availability.set(backendName, available);
}

/** Whether `kernelName` runs fused on `backendName` (default: the active backend). */
export function runsFusedKernel(kernelName: string, backendName = getBackend()): boolean {
  return getKernel(kernelName, backendName) != null && (availability.get(backendName)?.(kernelName) ?? true);
}
